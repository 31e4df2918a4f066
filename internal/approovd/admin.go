package approovd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

// The admin socket: a running approovd holds its (embedded) store, so
// `approovd account create` asks it, over a Unix socket beside the store
// that only the store's owner may open (0600 in the store's 0700
// directory), to create the account in the store it holds.
const (
	AdminSocketFile = "approovd.sock"
	maxAdminBody    = 16 << 10
)

// createRequest is an account creation sent over the admin socket.
type createRequest struct {
	Name      string   `json:"name"`
	FirstUser string   `json:"first_user"`
	URLs      []string `json:"urls"`
}

// createAccount creates an account on st whose codes name urls.
func createAccount(ctx context.Context, st store.Store, now func() time.Time, req createRequest) (service.CreatedAccount, error) {
	svc := service.New(st, service.Options{Now: now, Location: req.URLs})
	return svc.CreateAccount(ctx, service.CreateAccountRequest{Name: req.Name, FirstUser: req.FirstUser})
}

// serveAdmin listens on the admin socket in dir until the returned stop.
func serveAdmin(ctx context.Context, dir string, st store.Store, now func() time.Time) (func(), error) {
	path := filepath.Join(dir, AdminSocketFile)
	os.Remove(path) // a stale socket of an earlier run; the store's lock says no other server runs
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fault.New(fault.Internal, "admin socket %s: %v", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fault.Wrap(fault.Internal, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /accounts", func(w http.ResponseWriter, r *http.Request) {
		var req createRequest
		var out service.CreatedAccount
		err := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody)).Decode(&req)
		if err == nil {
			out, err = createAccount(r.Context(), st, now, req)
		}
		writeAdmin(w, out, err)
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	return func() { hs.Close(); os.Remove(path) }, nil
}

// adminAnswer is the admin socket's answer: the account, or an error.
type adminAnswer struct {
	Created *service.CreatedAccount `json:"created,omitempty"`
	Kind    string                  `json:"kind,omitempty"`
	Message string                  `json:"message,omitempty"`
}

func writeAdmin(w http.ResponseWriter, out service.CreatedAccount, err error) {
	a := adminAnswer{Created: &out}
	if err != nil {
		a = adminAnswer{Kind: fault.KindOf(err).String(), Message: err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(a)
}

// errNoServer: no approovd answers on the socket, so the store is free.
var errNoServer = errors.New("no running approovd")

// createViaAdmin asks the approovd running on the store in dir.
func createViaAdmin(ctx context.Context, dir string, req createRequest) (service.CreatedAccount, error) {
	path := filepath.Join(dir, AdminSocketFile)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}}}
	body, _ := json.Marshal(req)
	hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://approovd/accounts", bytes.NewReader(body))
	res, err := client.Do(hr)
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
		return service.CreatedAccount{}, errNoServer
	}
	if err != nil {
		return service.CreatedAccount{}, fault.New(fault.Network, "admin socket %s: %v", path, err)
	}
	defer res.Body.Close()
	var a adminAnswer
	if err := json.NewDecoder(io.LimitReader(res.Body, maxAdminBody)).Decode(&a); err != nil {
		return service.CreatedAccount{}, fault.New(fault.Network, "admin socket %s: undecodable answer: %v", path, err)
	}
	if a.Created == nil {
		return service.CreatedAccount{}, wireKind(a.Kind, a.Message)
	}
	return *a.Created, nil
}

func wireKind(kind, msg string) error {
	for k := fault.Internal; k <= fault.Cancelled; k++ {
		if k.String() == kind {
			return fault.New(k, "%s", msg)
		}
	}
	return fault.New(fault.Internal, "%s", msg)
}
