package main

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWaitAddr waits (at most 10 s) for the address file a background
// `approovd serve --addr-file FILE` writes once it listens, and puts the
// address in $VAR:
//
//	waitaddr VAR FILE
func cmdWaitAddr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitaddr VAR FILE")
	}
	path := ts.MkAbs(args[1])
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			ts.Setenv(args[0], strings.TrimSpace(string(b)))
			return
		}
	}
	ts.Fatalf("no address in %s after 10 s", args[1])
}

// cmdTamperProxy runs, until the script ends, a man in the middle holding
// the server's own certificate in front of TARGET (host:port); while the
// file TOGGLE exists it rewrites every answer's body ("admin" to "dev").
// Its address goes in $VAR:
//
//	tamperproxy VAR CERT KEY TARGET TOGGLE
func cmdTamperProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: tamperproxy VAR CERT KEY TARGET TOGGLE")
	}
	cert, err := tls.LoadX509KeyPair(ts.MkAbs(args[1]), ts.MkAbs(args[2]))
	ts.Check(err)
	toggle := ts.MkAbs(args[4])
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "https", Host: args[3]})
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // the proxy is the attacker
	rp.ModifyResponse = func(r *http.Response) error {
		if _, err := os.Stat(toggle); err != nil {
			return nil
		}
		body, _ := io.ReadAll(r.Body)
		body = bytes.ReplaceAll(body, []byte("admin"), []byte("dev"))
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Del("Content-Length")
		return nil
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	ts.Check(err)
	hs := &http.Server{Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	ts.Defer(func() { hs.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}
