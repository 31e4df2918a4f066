package remote_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/server/servertest"
)

// HTTP/2 is negotiated by default; Options.HTTP1 speaks HTTP/1.1 to the
// same server, and signed calls work over it as over HTTP/2.
func TestHTTP1(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		w.WriteHeader(http.StatusNotFound)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	for http1, want := range map[bool]string{false: "HTTP/2.0", true: "HTTP/1.1"} {
		tr, err := remote.New(remote.Options{URLs: []string{srv.URL}, RootCAs: pool, HTTP1: http1})
		if err != nil {
			t.Fatal(err)
		}
		req := &auth.Request{Account: "acme", Method: "GET", Path: api.OpWhoAmI.PathFor("acme")}
		if _, err := tr.Exchange(context.Background(), api.OpWhoAmI.Operation, req); err != nil {
			t.Fatal(err)
		}
		if got := proto.Load(); got != want {
			t.Errorf("HTTP1 %v: the server saw %v, want %s", http1, got, want)
		}
	}
	inst := servertest.Start(t, servertest.Options{Service: cheap})
	created := inst.Account(t, cheap, "acme")
	if _, err := open(t, created, remote.Options{URLs: []string{inst.Location()}, HTTP1: true}).Info(context.Background()); err != nil {
		t.Fatalf("Info over HTTP/1.1: %v", err)
	}
}
