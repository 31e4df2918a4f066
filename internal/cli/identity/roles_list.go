package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/tableprinter"
)

var roleFields = []string{"account", "user", "role", "active", "role_expires_at", "session_expires_at", "session_storage"}

// roleRow is one role as `approov role` lists it.
type roleRow struct {
	Account          string        `json:"account"`
	User             string        `json:"user"`
	Role             string        `json:"role"`
	Active           bool          `json:"active"`
	RoleExpiresAt    *time.Time    `json:"role_expires_at"`
	SessionExpiresAt *time.Time    `json:"session_expires_at"`
	SessionStorage   session.Where `json:"session_storage,omitempty"`
}

func listRoles(ctx context.Context, opts *RoleOptions) error {
	st, err := opts.Auth.State(ctx)
	if err != nil {
		return err
	}
	if len(st.Accounts) == 0 && !opts.JSON.Enabled() {
		return login.NoAccountError()
	}
	rows := roleRows(ctx, st, opts)
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, rows)
	}
	tp := tableprinter.New(opts.IO, "ACCOUNT", "ROLE", "USER", "SESSION", "ROLE EXPIRES", "ACTIVE")
	now := opts.Now()
	for _, r := range rows {
		active := ""
		if r.Active {
			active = "*"
		}
		tp.AddRow(r.Account, r.Role, r.User, sessionText(r.SessionExpiresAt, now), expiryText(r.RoleExpiresAt), active)
	}
	return tp.Render()
}

func roleRows(ctx context.Context, st *session.State, opts *RoleOptions) []roleRow {
	active, _ := opts.Auth.Active(ctx)
	rows := []roleRow{}
	for _, a := range st.Accounts {
		for _, g := range a.Roles {
			r := roleRow{Account: a.Name, User: a.User, Role: string(g.Role),
				Active: active.Account.ID == a.ID && active.Role == g.Role}
			if !g.Expires.IsZero() {
				exp := g.Expires
				r.RoleExpiresAt = &exp
			}
			if s := st.Session(a.ID, g.Role); s != nil {
				exp := s.Expires
				r.SessionExpiresAt, r.SessionStorage = &exp, s.Secret
			}
			rows = append(rows, r)
		}
	}
	return rows
}

func sessionText(exp *time.Time, now time.Time) string {
	switch {
	case exp == nil:
		return "none"
	case !now.Before(*exp):
		return "expired"
	}
	return fmt.Sprintf("%s left", exp.Sub(now).Round(time.Minute))
}

func expiryText(exp *time.Time) string {
	if exp == nil {
		return "never"
	}
	return exp.Local().Format(cmdutil.TimeLayout)
}
