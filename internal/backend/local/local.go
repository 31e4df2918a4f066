// Package local is the embedded backend: it runs internal/service in this
// process on a bbolt store under $APPROOV_HOME/local/. Requests still travel
// signed through backend.Client and service.Serve, so the
// local backend goes through exactly the checks a remote one does.
package local

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

// Options configure the local service. Zero values take the defaults.
type Options struct {
	// Now is the service's clock (default time.Now). Tests share one fake
	// clock between Options.Now and backend.ClientOptions.Now.
	Now func() time.Time
	// Params are the Argon2id costs enrolments must meet (default
	// auth.ProductionParams; tests inject cheap ones).
	Params auth.Params
	// LockTimeout is how long to wait for another process holding the
	// store (default store.DefaultLockTimeout).
	LockTimeout time.Duration
	// Live is how the service reaches API domains for its own live check
	// of a pin push: the CLI passes its --ca-file and --connect-to, so that
	// the embedded service sees what the command was told to see.
	Live pins.CheckOptions
	// Service overrides further service options (TTLs, rate limit); its
	// Now, Params, Location and Live are set from the fields above.
	Service service.Options
}

// Transport serves exchanges with the service on the store at Path. It
// opens the store for each exchange, so concurrent CLI processes take turns
// instead of holding the file for a whole command, with one exception: a
// client's first exchange fetches the service key (Info) and its call
// follows at once, so the store opened for Info is kept for that next
// exchange (or until HoldFor passes), and a command opens it once.
type Transport struct {
	Path string
	Opts Options

	create bool // only CreateAccount makes a new store

	mu    sync.Mutex
	held  *store.Bolt // opened for an Info exchange, for the next one
	timer *time.Timer
	opens int
}

// Opens is how many times the Transport opened its store.
func (t *Transport) Opens() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.opens
}

// HoldFor is how long a store opened for an Info exchange stays open
// waiting for the exchange that follows it.
const HoldFor = 200 * time.Millisecond

// LoopbackAddr is the client address the embedded backend reports to the
// service: the caller is this machine.
const LoopbackAddr = "127.0.0.1"

// Exchange implements backend.Transport: the request goes to the service
// as it is, which routes it by its method and path like a server would.
func (t *Transport) Exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error) {
	var answer *auth.Response
	if req.ClientAddr == "" {
		req.ClientAddr = LoopbackAddr
	}
	err := t.withService(func(s *service.Service) error {
		answer = s.Serve(ctx, req)
		return nil
	}, op.Name == api.OpInfo.Name)
	return answer, err
}

// withService runs fn on the service over the store, opened for the call
// or held from the exchange before; keep holds it open afterwards.
func (t *Transport) withService(fn func(*service.Service) error, keep bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, err := t.take()
	if err != nil {
		return err
	}
	o := t.Opts.Service
	o.Now, o.Params, o.Location = t.Opts.Now, t.Opts.Params, []string{auth.LocalPrefix + t.Path}
	o.Live = t.Opts.Live
	o.InProcess = true // requests come from this process's client only
	err = fn(service.New(st, o))
	if keep {
		t.held = st
		t.timer = time.AfterFunc(HoldFor, t.Close)
	} else {
		st.Close()
	}
	return err
}

// take returns the held store or opens it. The path comes from a code or
// token, which may be hostile: a client opens only an existing approov
// store (store.OpenBolt) and never creates a file or directory.
func (t *Transport) take() (*store.Bolt, error) {
	if st := t.held; st != nil {
		t.held = nil
		t.timer.Stop()
		return st, nil
	}
	t.opens++
	if t.create {
		return store.CreateBolt(t.Path, t.Opts.LockTimeout)
	}
	if _, err := os.Lstat(t.Path); errors.Is(err, fs.ErrNotExist) {
		return nil, fault.WithHint(fault.New(fault.Network, "no local approov store at %s", t.Path),
			"the code or token names an embedded store on another machine, or one that was deleted")
	}
	return store.OpenBolt(t.Path, t.Opts.LockTimeout)
}

// Close releases a store held for the exchange after an Info one.
func (t *Transport) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.held != nil {
		t.timer.Stop()
		t.held.Close()
		t.held = nil
	}
}

// Open returns the Backend for the account stored at dbPath. Pin the
// service key with copts.ServiceKey, or give copts.Fingerprint (from a code
// or token) to fetch and check it on first use.
func Open(dbPath string, copts backend.ClientOptions, opts Options) *backend.Client {
	if copts.Now == nil {
		copts.Now = opts.Now
	}
	return backend.NewClient(&Transport{Path: dbPath, Opts: opts}, copts)
}

// CreateAccount bootstraps an account in a new store at dbPath (conventionally
// $APPROOV_HOME/local/<account>.db): keys, a first user with admin and dev,
// and that user's onboarding code (Invitation.Code), which names this store.
func CreateAccount(ctx context.Context, dbPath string, req service.CreateAccountRequest, opts Options) (service.CreatedAccount, error) {
	var out service.CreatedAccount
	err := (&Transport{Path: dbPath, Opts: opts, create: true}).withService(func(s *service.Service) error {
		ids, err := s.Accounts(ctx)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return fault.New(fault.Conflict, "store %s already holds account %s", dbPath, ids[0])
		}
		out, err = s.CreateAccount(ctx, req)
		return err
	}, false)
	return out, err
}

// ForCode opens the local backend an onboarding code names, pinned to the
// fingerprint it carries.
func ForCode(code auth.Code, opts Options) (*backend.Client, error) {
	return forLocation(code.Backend, code.Account, code.ServiceKey, opts)
}

// ForToken opens the local backend a management token names.
func ForToken(t auth.ManagementToken, opts Options) (*backend.Client, error) {
	return forLocation(t.Backend, t.Account, t.ServiceKey, opts)
}

func forLocation(locs []string, account string, fp auth.Fingerprint, opts Options) (*backend.Client, error) {
	path, ok := auth.LocalPath(locs)
	if !ok {
		return nil, fault.New(fault.Invalid, "not a local backend: %v", locs)
	}
	return Open(path, backend.ClientOptions{Account: account, Fingerprint: fp}, opts), nil
}

// StorePath is where the store of account lives under an approov home
// directory ($APPROOV_HOME, default ~/.approov).
func StorePath(home, account string) string {
	return filepath.Join(home, "local", account+".db")
}

// Create bootstraps an account in a new store under home (see StorePath),
// choosing a random name when req.Name is empty. An existing store of that
// name is never touched: Create fails with a Conflict.
func Create(ctx context.Context, home string, req service.CreateAccountRequest, opts Options) (service.CreatedAccount, string, error) {
	if req.Name == "" {
		req.Name = service.RandomAccountName()
	}
	if err := service.ValidAccountName(req.Name); err != nil {
		return service.CreatedAccount{}, "", err
	}
	path := StorePath(home, req.Name)
	if _, err := os.Stat(path); err == nil {
		return service.CreatedAccount{}, "", fault.WithHint(fault.New(fault.Conflict, "a local account %q already exists at %s", req.Name, path),
			"choose another name with --name")
	}
	out, err := CreateAccount(ctx, path, req, opts)
	if err != nil && fault.KindOf(err) != fault.Conflict {
		os.Remove(path) // ours: it did not exist a moment ago, and holds no account
	}
	return out, path, err
}
