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
	"sync"
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

// cmdHoldProxy runs, until the script ends, a TLS proxy holding the
// server's own certificate in front of TARGET (host:port). It passes every
// request through but the first whose method and path end match MATCH
// ("POST /pins") once the file ARM exists: that one it holds, writes the
// file HELD, waits (at most 30 s) for the file RELEASE, and drops the
// connection with no answer.
// With "after" it forwards the held request first and reads the server's
// whole answer (the operation ran); with "before" it never forwards it
// (the operation did not run). Between HELD and RELEASE the script kills
// the server: a server killed mid-request, deterministically.
//
//	holdproxy VAR CERT KEY TARGET before|after MATCH ARM HELD RELEASE
func cmdHoldProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 9 || (args[4] != "before" && args[4] != "after") {
		ts.Fatalf("usage: holdproxy VAR CERT KEY TARGET before|after MATCH ARM HELD RELEASE")
	}
	cert, err := tls.LoadX509KeyPair(ts.MkAbs(args[1]), ts.MkAbs(args[2]))
	ts.Check(err)
	method, suffix, ok := strings.Cut(args[5], " ")
	if !ok {
		ts.Fatalf("holdproxy: MATCH is \"METHOD /path-end\", not %q", args[5])
	}
	target, forward, arm, held, release := args[3], args[4] == "after", ts.MkAbs(args[6]), ts.MkAbs(args[7]), ts.MkAbs(args[8])
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // the proxy is in the path, not a client
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "https", Host: target})
	rp.Transport = tr
	var once sync.Once
	hs := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hold := false
		if _, err := os.Stat(arm); err == nil && r.Method == method && strings.HasSuffix(r.URL.Path, suffix) {
			once.Do(func() { hold = true })
		}
		if !hold {
			rp.ServeHTTP(w, r)
			return
		}
		if forward {
			passThrough(tr, target, r)
		}
		os.WriteFile(held, []byte("held\n"), 0o600)
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(release); err == nil {
				break
			}
		}
		panic(http.ErrAbortHandler) // close the connection, no answer
	})}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	ts.Check(err)
	go hs.Serve(ln)
	ts.Defer(func() { hs.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}

// passThrough sends r to target and reads the whole answer, which it drops.
func passThrough(tr http.RoundTripper, target string, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = "https", target, target, ""
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	if res, err := tr.RoundTrip(out); err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// cmdWaitFile waits (at most 30 s) for a file a background process writes:
//
//	waitfile FILE
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
	}
	ts.Fatalf("no file %s after 30 s", args[0])
}
