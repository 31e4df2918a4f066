package identity

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// WhoamiOptions holds what `approov whoami` needs.
type WhoamiOptions struct {
	IO   *iostreams.IOStreams
	Auth *login.Manager
	JSON *cmdutil.JSONFlags
	Now  func() time.Time
}

// NewCmdWhoami builds `approov whoami`.
func NewCmdWhoami(f *cmdutil.Factory, runF func(*WhoamiOptions) error) *cobra.Command {
	opts := &WhoamiOptions{}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show your account, user, active role and session",
		Long: `Show the account, user and active role, how the role was chosen, when the
session expires and where its key is kept (the OS keyring, or a 0600 file).
The service is asked, so this also checks that the session works: a handy
smoke test in CI (with APPROOV_MANAGEMENT_TOKEN).`,
		Example: `  $ approov whoami
  $ approov whoami --json=role,session_expires_at`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Auth, opts.Now = f.IOStreams, f.Auth(), f.Now
			if runF != nil {
				return runF(opts)
			}
			return runWhoami(c.Context(), opts)
		},
	}
	opts.JSON = cmdutil.AddJSONFlags(cmd, whoamiFields)
	cmdutil.RequireRoles(cmd, role.All...)
	return cmd
}

var whoamiFields = []string{"account", "backend", "answered_by", "user", "role", "role_from", "roles", "session_expires_at", "role_expires_at", "secret_storage"}

type whoami struct {
	Account          string          `json:"account"`
	Backend          []string        `json:"backend"`
	AnsweredBy       string          `json:"answered_by,omitempty"` // the server URL that answered (remote backend)
	User             string          `json:"user"`
	Role             role.Role       `json:"role"`
	RoleFrom         string          `json:"role_from"`
	Roles            []api.RoleGrant `json:"roles"`
	SessionExpiresAt time.Time       `json:"session_expires_at"`
	RoleExpiresAt    *time.Time      `json:"role_expires_at"`
	SecretStorage    string          `json:"secret_storage"`
}

func runWhoami(ctx context.Context, opts *WhoamiOptions) error {
	w, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (whoami, error) {
		id, err := c.Backend.WhoAmI(ctx, c.Caller)
		return whoamiOf(opts.Auth, c, id), err
	})
	if err != nil {
		return err
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, w)
	}
	printWhoami(opts, w)
	return nil
}

// whoamiOf is what whoami shows: the service's answer, with what only this
// machine knows (the backend, how the role was chosen, where the key is).
func whoamiOf(m *login.Manager, c login.Conn, id api.Identity) whoami {
	w := whoami{Account: id.Account, Backend: c.Target.Account.Backend, User: id.User, Role: id.Role, RoleFrom: c.Target.From,
		Roles: id.Roles, SessionExpiresAt: id.SessionExpiresAt, SecretStorage: storageText(m, c.Session)}
	if !id.RoleExpiresAt.IsZero() {
		w.RoleExpiresAt = &id.RoleExpiresAt
	}
	if a, ok := c.Backend.(answerer); ok {
		w.AnsweredBy = a.Answered()
	}
	return w
}

// answerer is a backend that knows which of its URLs answered.
type answerer interface{ Answered() string }

// storageText says where the session key lives, as gh's auth status should.
func storageText(m *login.Manager, s session.Session) string {
	switch s.Secret {
	case session.InKeyring:
		return "keyring"
	case session.InFile:
		if st, err := m.Store(); err == nil {
			return "file:" + st.SecretFile(s.SecretName())
		}
		return "file"
	}
	return "memory (not saved)"
}

func printWhoami(opts *WhoamiOptions, w whoami) {
	out, cs := opts.IO.Out, opts.IO.ColorScheme()
	roles := make([]string, len(w.Roles))
	for i, g := range w.Roles {
		roles[i] = string(g.Role)
	}
	left := w.SessionExpiresAt.Sub(opts.Now()).Round(time.Minute)
	// Names and locations come from a code or a server: escaped.
	fmt.Fprintf(out, "account:  %s (%s)\n", cs.Bold(safetext.Escape(w.Account)), safetext.Escape(strings.Join(w.Backend, ", ")))
	if w.AnsweredBy != "" {
		fmt.Fprintf(out, "server:   %s\n", safetext.Escape(w.AnsweredBy))
	}
	fmt.Fprintf(out, "user:     %s\n", safetext.Escape(w.User))
	fmt.Fprintf(out, "role:     %s (chosen by %s)\n", cs.Bold(safetext.Escape(string(w.Role))), safetext.Escape(w.RoleFrom))
	fmt.Fprintf(out, "roles:    %s\n", strings.Join(roles, ", "))
	fmt.Fprintf(out, "session:  expires %s (%s left)\n", w.SessionExpiresAt.Local().Format("15:04:05"), left)
	fmt.Fprintf(out, "key in:   %s\n", storageWords(w.SecretStorage))
}

func storageWords(s string) string {
	switch {
	case s == "keyring":
		return "the OS keyring"
	case strings.HasPrefix(s, "file:"):
		return "a 0600 file, " + strings.TrimPrefix(s, "file:")
	}
	return s
}
