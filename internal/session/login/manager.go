package login

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session"
)

// Opener connects to an account's backend, pinned to its service key.
type Opener func(ctx context.Context, acct session.Account) (backend.Backend, error)

// Options configure a Manager.
type Options struct {
	Store    func() (*session.Store, error)
	Open     Opener
	Prompter func() prompter.Prompter
	Getenv   func(string) string
	Now      func() time.Time
	Warnf    func(string, ...any)
}

// Manager resolves the active role and provides live sessions.
type Manager struct {
	o      Options
	mu     sync.Mutex
	active *Target
	seen   *session.State // the state Active read, reused once by Connect
}

// New returns a Manager.
func New(o Options) *Manager { return &Manager{o: o} }

func (m *Manager) getenv(k string) string { return m.o.Getenv(k) }

// Conn is a live session: the backend and the caller to sign with.
type Conn struct {
	Backend backend.Backend
	Caller  backend.Caller
	Target  Target
	Session session.Session
	// Reused is true for a session read from the store, false for a login
	// made by this run.
	Reused bool
}

// Store returns the session store.
func (m *Manager) Store() (*session.Store, error) { return m.o.Store() }

// Open connects to an account's backend.
func (m *Manager) Open(ctx context.Context, acct session.Account) (backend.Backend, error) {
	return m.o.Open(ctx, acct)
}

// Active returns the role the user acts in (computed once per run).
func (m *Manager) Active(ctx context.Context) (Target, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.active != nil {
		return *m.active, nil
	}
	st, err := m.state(ctx)
	if err != nil {
		return Target{}, err
	}
	t, err := m.resolve(st)
	if err != nil {
		return Target{}, err
	}
	m.active, m.seen = &t, st
	return t, nil
}

// ActiveRole is the Factory's role resolver for the root role gate.
func (m *Manager) ActiveRole() (role.Role, error) {
	t, err := m.Active(context.Background())
	return t.Role, err
}

// Resolve finds the target for an explicit "role[:account]" reference.
func (m *Manager) Resolve(ctx context.Context, ref session.RoleRef) (Target, error) {
	st, err := m.state(ctx)
	if err != nil {
		return Target{}, err
	}
	if ref.Role == role.Automation && m.getenv("APPROOV_MANAGEMENT_TOKEN") != "" {
		return m.tokenTarget(st, m.getenv("APPROOV_MANAGEMENT_TOKEN"))
	}
	return m.target(st, ref, "argument")
}

// State loads the local state (empty when there is no store, e.g. an
// unwritable HOME in CI with a management token).
func (m *Manager) State(ctx context.Context) (*session.State, error) { return m.state(ctx) }

func (m *Manager) state(ctx context.Context) (*session.State, error) {
	s, err := m.o.Store()
	if err != nil {
		if m.getenv("APPROOV_MANAGEMENT_TOKEN") != "" {
			return &session.State{Version: session.SchemaVersion}, nil
		}
		return nil, err
	}
	return s.Load(ctx)
}

// Connect returns a live session for the active role, logging in first
// when there is none (at most one password prompt per role per hour).
func (m *Manager) Connect(ctx context.Context) (Conn, error) {
	t, err := m.Active(ctx)
	if err != nil {
		return Conn{}, err
	}
	return m.ConnectTo(ctx, t)
}

// Do runs fn with a live session for the active role. When a stored session
// turns out to be dead at the service (ended by a logout or a password
// change elsewhere), it is dropped and fn runs once more after a new login;
// an authentication error means the service did not run the operation.
func (m *Manager) Do(ctx context.Context, fn func(Conn) error) error {
	c, err := m.Connect(ctx)
	if err != nil {
		return err
	}
	err = fn(c)
	if err == nil || !c.Reused || fault.KindOf(err) != fault.Auth {
		return err
	}
	if _, rerr := api.RetryAfter(err); rerr {
		return err
	}
	if ferr := m.Forget(ctx, c.Target); ferr != nil {
		return err
	}
	c, err = m.Login(ctx, c.Target, nil)
	if err != nil {
		return err
	}
	return fn(c)
}

// loginWait bounds the wait for another process's login (its password
// prompt); after it this process logs in by itself.
const loginWait = 2 * time.Minute

// ConnectTo is Connect for a given target. Without a stored session it
// logs in under the login lock, after re-reading the state: a command
// started alongside may just have logged in, and its session is reused.
func (m *Manager) ConnectTo(ctx context.Context, t Target) (Conn, error) {
	if c, ok, err := m.stored(ctx, t); ok || err != nil {
		return c, err
	}
	if s, err := m.o.Store(); err == nil {
		if unlock, err := s.LoginLock(ctx, loginWait); err == nil {
			defer unlock()
			if c, ok, err := m.stored(ctx, t); ok || err != nil {
				return c, err
			}
		}
	}
	if err := ctx.Err(); err != nil { // Ctrl-C while waiting: no prompt
		return Conn{}, fault.Wrap(fault.Cancelled, err)
	}
	return m.Login(ctx, t, nil)
}

// stored returns the stored live session for t, if any.
func (m *Manager) stored(ctx context.Context, t Target) (Conn, bool, error) {
	s, err := m.o.Store()
	if err != nil {
		return Conn{}, false, nil
	}
	st, err := m.takeSeen(ctx, s)
	if err != nil {
		return Conn{}, false, err
	}
	sess := st.Session(t.Account.ID, t.Role)
	if sess == nil || !sess.Live(m.o.Now().Add(30*time.Second)) {
		return Conn{}, false, nil
	}
	enc, err := s.GetSecret(ctx, sess.SecretName(), sess.Secret)
	if err != nil {
		m.o.Warnf("the key of your %s session is unreadable (%v); logging in again", t.Role, err)
		return Conn{}, false, nil
	}
	seed, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(seed) != ed25519.SeedSize {
		m.o.Warnf("the key of your %s session is damaged; logging in again", t.Role)
		return Conn{}, false, nil
	}
	b, err := m.o.Open(ctx, t.Account)
	if err != nil {
		return Conn{}, false, err
	}
	caller := backend.Caller{Account: t.Account.ID, Session: sess.ID, Key: auth.KeyFromSeed(seed)}
	return Conn{Backend: b, Caller: caller, Target: t, Session: *sess, Reused: true}, true, nil
}

// takeSeen returns the state Active just read (once: the next caller
// reloads, as the state may have changed since), else loads it.
func (m *Manager) takeSeen(ctx context.Context, s *session.Store) (*session.State, error) {
	m.mu.Lock()
	st := m.seen
	m.seen = nil
	m.mu.Unlock()
	if st != nil {
		return st, nil
	}
	return s.Load(ctx)
}

// Login opens a new session for t. The password is asked for on the
// terminal when password is nil and the role uses one; token roles sign with
// their management token and never prompt.
func (m *Manager) Login(ctx context.Context, t Target, password []byte) (Conn, error) {
	var key ed25519.PrivateKey
	if t.Token == nil {
		if grant := t.Account.Grant(t.Role); grant != nil && grant.Method == session.MethodToken {
			return Conn{}, fault.WithHint(fault.New(fault.Auth, "the %s role logs in with a management token", t.Role),
				"set APPROOV_MANAGEMENT_TOKEN to the token or the path of its file")
		}
		if password == nil {
			pw, err := m.o.Prompter().Password(fmt.Sprintf("Password for %s on %s", t.Role, t.Account.Name))
			if err != nil {
				return Conn{}, m.loginHint(err, t)
			}
			password = pw
			defer auth.Wipe(pw)
		}
	} else {
		key = t.Token.PrivateKey()
	}
	b, err := m.o.Open(ctx, t.Account)
	if err != nil {
		return Conn{}, err
	}
	return m.LoginWithKey(ctx, t, b, func(ch api.LoginChallenge) (ed25519.PrivateKey, error) {
		if key != nil {
			return key, nil
		}
		return backend.PasswordKey(password, ch)
	})
}

// LoginWithKey answers a login challenge with the role key that keyFor
// returns and saves the session. init and password use it with keys they
// derived themselves, so the user is not asked again.
func (m *Manager) LoginWithKey(ctx context.Context, t Target, b backend.Backend, keyFor func(api.LoginChallenge) (ed25519.PrivateKey, error)) (Conn, error) {
	req := api.LoginStartRequest{Account: t.Account.ID, User: t.Account.User, Role: t.Role}
	ch, err := b.LoginStart(ctx, req)
	if err != nil {
		return Conn{}, rateLimitHint(err)
	}
	key, err := keyFor(ch)
	if err != nil {
		return Conn{}, err
	}
	caller, grant, err := backend.Login(ctx, b, req, ch, key)
	if err != nil {
		return Conn{}, rateLimitHint(err)
	}
	return m.Save(ctx, t, b, caller, grant)
}

// MarkUsed makes t the default role (when APPROOV_ROLE is unset).
func (m *Manager) MarkUsed(ctx context.Context, t Target) error {
	s, err := m.o.Store()
	if err != nil {
		return nil
	}
	return s.Update(ctx, func(st *session.State) error {
		if st.Account(t.Account.ID) != nil {
			st.LastUsed = t.Ref().String()
		}
		return nil
	})
}

// loginHint turns "no terminal" into a hint naming this role.
func (m *Manager) loginHint(err error, t Target) error {
	if !errors.Is(err, prompter.ErrNoTerminal) {
		return err
	}
	ref := t.Ref().String()
	return fault.WithHint(fault.New(fault.Auth, "opening a %s session needs its password, and there is no terminal to ask for it", t.Role),
		fmt.Sprintf("echo \"$PASSWORD\" | approov role %s --password-stdin   (or use the automation role with APPROOV_MANAGEMENT_TOKEN)", refArgs(ref)))
}

// refArgs turns "role:account" into the arguments of `approov role`.
func refArgs(ref string) string {
	r, a, _ := strings.Cut(ref, ":")
	return strings.TrimSpace(r + " " + a)
}

func rateLimitHint(err error) error {
	if d, ok := api.RetryAfter(err); ok {
		return fault.WithHint(err, fmt.Sprintf("wait %s before trying again", d.Round(time.Second)))
	}
	return err
}

// Save records a session opened by a login (or by init, which holds the
// role keys already) and stores its key per the storage policy.
func (m *Manager) Save(ctx context.Context, t Target, b backend.Backend, caller backend.Caller, g api.SessionGrant) (Conn, error) {
	sess := session.Session{ID: g.Session, Account: t.Account.ID, Role: t.Role, Created: m.o.Now().UTC(), Expires: g.ExpiresAt}
	conn := Conn{Backend: b, Caller: caller, Target: t, Session: sess}
	s, err := m.o.Store()
	if err != nil {
		m.o.Warnf("session not saved (%v); the next command will log in again", err)
		return conn, nil
	}
	policy, err := m.policy(t)
	if err != nil {
		return Conn{}, err
	}
	where, err := s.PutSecret(ctx, sess.SecretName(), base64.StdEncoding.EncodeToString(caller.Key.Seed()), policy)
	if err != nil {
		return Conn{}, err
	}
	sess.Secret, conn.Session.Secret = where, where
	var old []session.Session
	pinned := pinnedKey(ctx, b)
	err = s.Update(ctx, func(st *session.State) error {
		old = st.PutSession(sess)
		if a := st.Account(t.Account.ID); a != nil {
			st.LastUsed = t.Ref().String()
			rememberKey(a, t.Account, pinned)
		}
		return nil
	})
	if err != nil {
		_ = s.DeleteSecret(ctx, sess.SecretName(), where)
		return Conn{}, err
	}
	for _, o := range old {
		_ = s.DeleteSecret(ctx, o.SecretName(), o.Secret)
	}
	return conn, nil
}

// policy is APPROOV_STORAGE, else the account's choice at init, else auto.
func (m *Manager) policy(t Target) (session.Policy, error) {
	if v := m.getenv("APPROOV_STORAGE"); v != "" {
		p, err := session.ParsePolicy(v)
		if err != nil {
			return "", fault.WithHint(fault.New(fault.Usage, "APPROOV_STORAGE: %v", err), "set it to auto, keyring or file")
		}
		return p, nil
	}
	if t.Account.Storage != "" {
		return t.Account.Storage, nil
	}
	return session.PolicyAuto, nil
}

// Logout ends t's stored session, at the service and locally. The local
// key is deleted even when the service cannot be told (the session then
// dies at its expiry). It reports whether there was a session.
func (m *Manager) Logout(ctx context.Context, t Target) (bool, error) {
	c, ok, err := m.stored(ctx, t)
	if err == nil && ok {
		err = c.Backend.Logout(ctx, c.Caller)
	}
	if err != nil && fault.KindOf(err) != fault.Auth {
		m.o.Warnf("the service was not told (%v); the session ends by itself at its expiry", err)
	}
	return m.forget(ctx, t)
}

// forget removes t's session records and keys, live or not.
func (m *Manager) forget(ctx context.Context, t Target) (bool, error) {
	s, err := m.o.Store()
	if err != nil {
		return false, err
	}
	var gone []session.Session
	err = s.Update(ctx, func(st *session.State) error {
		for _, sess := range st.Sessions {
			if sess.Account == t.Account.ID && sess.Role == t.Role {
				gone = append(gone, sess)
				st.RemoveSession(sess.ID)
			}
		}
		return nil
	})
	for _, g := range gone {
		_ = s.DeleteSecret(ctx, g.SecretName(), g.Secret)
	}
	return len(gone) > 0, err
}

// Forget drops t's local session without calling the service (after a
// password change, which ended it there).
func (m *Manager) Forget(ctx context.Context, t Target) error {
	_, err := m.forget(ctx, t)
	return err
}

// pinnedKey is the service key b checked against the fingerprint during the
// login that just succeeded (base64), or "" when b cannot say.
func pinnedKey(ctx context.Context, b backend.Backend) string {
	k, ok := b.(interface {
		ServiceKey(context.Context) (ed25519.PublicKey, error)
	})
	if !ok {
		return ""
	}
	pub, err := k.ServiceKey(ctx)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return ""
	}
	return base64.StdEncoding.EncodeToString(pub)
}

// rememberKey records the proven service key on the stored account, if it
// is the account the login was for (same fingerprint); a damaged record is
// replaced.
func rememberKey(stored *session.Account, loggedIn session.Account, key string) {
	if key != "" && stored.ServiceKey == loggedIn.ServiceKey {
		stored.ServicePublicKey = key
	}
}
