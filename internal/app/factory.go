package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// Option changes one default of the Factory. Only test harnesses use
// them: the approov binary always runs with the defaults.
type Option func(*wiring)

// wiring holds what the options may change.
type wiring struct {
	now func() time.Time
}

// WithClock makes now the clock of every part of the run: commands, the
// login manager and the local backend's service (session and code expiry).
func WithClock(now func() time.Time) Option { return func(w *wiring) { w.now = now } }

// newFactory wires the default dependencies. Each entry notes what it depends on.
func newFactory(ios *iostreams.IOStreams, opts ...Option) *cmdutil.Factory {
	w := wiring{now: time.Now}
	for _, o := range opts {
		o(&w)
	}
	f := &cmdutil.Factory{
		IOStreams: ios,   // depends on: the process's streams and environment
		Now:       w.now, // depends on: nothing (time.Now unless a harness sets it)
		Live:      &pins.CheckOptions{},
	}
	// depends on: APPROOV_HOME (else ~/.approov); opened on first use only.
	f.Sessions = sync.OnceValues(func() (*session.Store, error) {
		dir, err := session.DefaultDir(os.Getenv)
		if err != nil {
			return nil, err
		}
		return session.Open(session.Options{Dir: dir, Warnf: ios.Warnf, Now: f.Now})
	})
	// depends on: IOStreams (terminal detection, APPROOV_NO_PROMPT).
	f.Prompter = sync.OnceValue(func() prompter.Prompter {
		return prompter.New(ios.In, ios.ErrOut, ios.CanPrompt())
	})
	// depends on: Sessions, Prompter, the backends, APPROOV_ROLE,
	// APPROOV_MANAGEMENT_TOKEN, APPROOV_STORAGE.
	f.Auth = sync.OnceValue(func() *login.Manager {
		return login.New(login.Options{Store: f.Sessions, Open: openBackend(f, ios), Prompter: f.Prompter,
			Getenv: os.Getenv, Now: f.Now, Warnf: ios.Warnf})
	})
	// depends on: Auth. The root role gate calls it; it never prompts.
	f.ActiveRole = func() (role.Role, error) { return f.Auth().ActiveRole() }
	return f
}

// openBackend connects to an account's backend, pinned to the service key
// fingerprint its onboarding code carried: the embedded store, or approovd
// over HTTPS (certificates checked against the system roots, the CA file
// of --ca-file or APPROOV_CA_FILE, or the pin a --dev code carries).
func openBackend(f *cmdutil.Factory, ios *iostreams.IOStreams) login.Opener {
	now, live := f.Now, f.Live
	return func(_ context.Context, acct session.Account) (backend.Backend, error) {
		fp, err := auth.ParseFingerprint(acct.ServiceKey)
		if err != nil {
			return nil, fault.WithHint(fault.New(fault.Internal, "account %s has a damaged service key fingerprint: %v", acct.Name, err),
				"approov init - again, with a new onboarding code")
		}
		copts := backend.ClientOptions{Account: acct.ID, Fingerprint: fp, ServiceKey: provenKey(acct, fp), Now: now}
		if path, ok := auth.LocalPath(acct.Backend); ok {
			return local.Open(path, copts, local.Options{Now: now, Live: *live}), nil
		}
		return openRemote(acct, copts, ios, caFile(f.CAFile))
	}
}

// provenKey is the service key a login recorded for acct, if it is the key
// fp names; nil otherwise, and the client fetches it and checks it first.
func provenKey(acct session.Account, fp auth.Fingerprint) ed25519.PublicKey {
	raw, err := base64.StdEncoding.DecodeString(acct.ServicePublicKey)
	if err != nil || len(raw) != ed25519.PublicKeySize || !fp.Matches(raw) {
		return nil
	}
	return ed25519.PublicKey(raw)
}

// caFile is the CA file approovd's certificate is verified against: the
// --ca-file flag, else APPROOV_CA_FILE, else none (the system roots).
func caFile(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("APPROOV_CA_FILE")
}

// openRemote connects to approovd; a failover is said on stderr.
func openRemote(acct session.Account, copts backend.ClientOptions, ios *iostreams.IOStreams, ca string) (backend.Backend, error) {
	opts := remote.Options{URLs: acct.Backend, OnFailover: func(from, to string, err error) {
		ios.Warnf("%s did not answer (%v); trying %s", from, err, to)
	}}
	if ca != "" {
		pool, err := remote.LoadCAFile(ca)
		if err != nil {
			return nil, err
		}
		opts.RootCAs = pool
	}
	return remote.OpenClient(copts, opts)
}
