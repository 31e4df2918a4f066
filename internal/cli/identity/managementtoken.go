package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// rotateToken is `password` for the automation role. The new token is
// written before it is enrolled, so a rotation can never leave the pipeline
// without a working token; it is removed again when the service refused it.
func rotateToken(ctx context.Context, opts *PasswordOptions, t login.Target) error {
	if opts.Out == "" || opts.PasswordStdin {
		return cmdutil.FlagErrorf("the automation role rotates its management token: give --out FILE (and no --password-stdin)")
	}
	old := t.Token
	fresh, err := auth.NewManagementToken(old.Account, old.User, old.Backend, old.ServiceKey)
	if err != nil {
		return err
	}
	// Prove, then persist: a fresh login proves the current token (as
	// password proves the password) before the new token file is created.
	conn, err := opts.Auth.Login(ctx, t, nil)
	if err != nil {
		return err
	}
	path, err := writeTokenFile(opts.Out, fresh)
	if err != nil {
		return err
	}
	if err := conn.Backend.ChangePassword(ctx, conn.Caller, backend.TokenEnrolment(fresh)); err != nil {
		return keepOrDrop(opts, path, err)
	}
	if err := opts.Auth.Forget(ctx, t); err != nil {
		opts.IO.Warnf("the old session could not be removed locally: %v", err)
	}
	if err := repointGrant(ctx, opts.Auth, old, path); err != nil {
		opts.IO.Warnf("this machine still names the old token file: %v", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Management token rotated: the new one is in %s (mode 0600).\nThe old token and its sessions no longer work; point APPROOV_MANAGEMENT_TOKEN at the new one.\n",
		opts.IO.ErrColorScheme().SuccessIcon(), safetext.Escape(path))
	return nil
}

// keepOrDrop removes the unused new token file after a refusal. After a
// network failure the service may have enrolled it, so it is kept.
func keepOrDrop(opts *PasswordOptions, path string, err error) error {
	if fault.KindOf(err) == fault.Network {
		opts.IO.Warnf("the service may or may not have switched to the new token; it is kept in %s: try it, else keep the old one", path)
		return err
	}
	os.Remove(path)
	return err
}

// writeTokenFile creates path (never replacing a file) with mode 0600 and
// writes the token, synced.
func writeTokenFile(out string, tok auth.ManagementToken) (string, error) {
	path, err := filepath.Abs(out)
	if err != nil {
		return "", fault.New(fault.Usage, "--out %s: %v", out, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return "", fault.WithHint(fault.New(fault.Usage, "%s already exists; approov never overwrites a token file", out), "choose another --out")
	}
	if err != nil {
		return "", fault.New(fault.Invalid, "cannot create %s: %v", out, err)
	}
	_, err = f.WriteString(tok.String() + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fault.New(fault.Invalid, "cannot write %s: %v", out, err)
	}
	return path, nil
}

// repointGrant makes this machine's token grant for the rotated token's
// user name the new file, when it has one.
func repointGrant(ctx context.Context, m *login.Manager, old *auth.ManagementToken, path string) error {
	s, err := m.Store()
	if err != nil {
		return nil // no local state (a CI container): nothing names the file
	}
	return s.Update(ctx, func(st *session.State) error {
		a := st.Account(old.Account)
		if a == nil || a.User != old.User {
			return nil
		}
		if g := a.Grant(role.Automation); g != nil && g.Method == session.MethodToken {
			g.TokenFile = path
		}
		return nil
	})
}
