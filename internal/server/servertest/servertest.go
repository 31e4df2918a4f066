// Package servertest starts approovd's HTTP server in-process on a
// loopback port with a --dev certificate, for tests of the remote backend
// and of commands against a server.
package servertest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

// Instance is a running server.
type Instance struct {
	URL    string // https://127.0.0.1:port
	Pin    []byte // its certificate's pin
	Store  store.Store
	Addr   string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// Location is the instance's URL carrying its pin, as codes name it.
func (i *Instance) Location() string { return auth.WithPin(i.URL, i.Pin) }

// Stop shuts the server down gracefully and waits for it.
func (i *Instance) Stop() {
	i.once.Do(func() {
		i.cancel()
		<-i.done
	})
}

// Options of Start. Zero values: a new store in t.TempDir, the service's
// defaults, generous rate limits.
type Options struct {
	Dir     string // where the store and the dev certificate live
	Addr    string // listen address (default 127.0.0.1:0)
	Service service.Options
	Server  server.Config
	// Store, when set, is served instead of a bolt store in Dir (several
	// instances each on their own connection pool to one PostgreSQL);
	// the instance closes it when it stops.
	Store store.Store
}

// Start serves a service on o.Store (default a bolt store in o.Dir) over TLS on loopback,
// until the test ends.
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	st := o.Store
	if st == nil {
		st = boltStore(t, o.Dir)
	}
	cert, pin, err := server.DevCertificate(o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		t.Fatal(err)
	}
	inst := &Instance{URL: "https://" + ln.Addr().String(), Pin: pin, Store: st, Addr: ln.Addr().String(), done: make(chan error, 1)}
	if o.Service.Location == nil {
		o.Service.Location = []string{inst.Location()}
	}
	cfg := o.Server
	cfg.Service = service.New(st, o.Service)
	if cfg.Limits == (server.Limits{}) {
		cfg.Limits = server.Limits{PerAddress: 1e6, AddressBurst: 1e6, PerAccount: 1e6, AccountBurst: 1e6}
	}
	srv := server.New(cfg)
	hs := srv.HTTPServer(srv.Handler())
	hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	ctx, cancel := context.WithCancel(context.Background())
	inst.cancel = cancel
	go func() {
		inst.done <- server.Serve(ctx, hs, ln, func(hs *http.Server, ln net.Listener) error { return hs.ServeTLS(ln, "", "") })
		st.Close()
	}()
	t.Cleanup(inst.Stop)
	return inst
}

// boltStore opens or creates the bolt store in dir, as approovd serve runs it.
func boltStore(t testing.TB, dir string) store.Store {
	t.Helper()
	u, err := store.ParseURL(filepath.Join(dir, "approovd.db"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenOrCreate(u, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st.(*store.Bolt).SetGroupCommit(true)
	return st
}
