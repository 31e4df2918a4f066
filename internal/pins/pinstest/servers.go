package pinstest

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"net"
	"sync"
	"testing"
	"time"
)

// Listen opens a TCP listener on addr ("127.0.0.1:0", "[::1]:0", ...) that
// closes when the test ends, with every connection it accepted.
func Listen(t testing.TB, addr string, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); handle(c) }()
		}
	}()
	return ln.Addr().String()
}

// Serve runs a TLS server with cfg on addr: it completes each handshake,
// then closes the connection.
func Serve(t testing.TB, addr string, cfg *tls.Config) string {
	t.Helper()
	return Listen(t, addr, func(c net.Conn) {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		_ = tls.Server(c, cfg).Handshake()
	})
}

// Tarpit accepts connections and never says a word.
func Tarpit(t testing.TB) string {
	t.Helper()
	return Listen(t, "127.0.0.1:0", func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
}

// Resetter reads the client hello and resets the connection.
func Resetter(t testing.TB) string {
	t.Helper()
	return Listen(t, "127.0.0.1:0", func(c net.Conn) {
		buf := make([]byte, 16)
		_, _ = c.Read(buf)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with RST
		}
		c.Close()
	})
}

// Garbage answers the client hello with bytes that are not TLS.
func Garbage(t testing.TB) string {
	t.Helper()
	return Listen(t, "127.0.0.1:0", func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 16)
		_, _ = c.Read(buf)
		_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	})
}

// ServeTLS serves chain (leaf first) with key on 127.0.0.1.
func ServeTLS(t testing.TB, key crypto.Signer, chain ...*x509.Certificate) string {
	t.Helper()
	return Serve(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{TLSCert(key, chain...)}})
}
