// Package enrol redeems onboarding and recovery codes: the flow behind
// `approov init` and `approov account create --init`. It asks for the
// passwords (or writes the management token), enrols the keys they derive,
// records the account in ~/.approov and opens the first sessions. It is not a
// command group, so both commands use it without importing each other.
package enrol

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/userfile"
)

// Options holds what redeeming a code needs: `approov init`'s options,
// which `account create --init` fills in too.
type Options struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter
	JSON     *cmdutil.JSONFlags

	Source        string // the code, a file holding it, or "-"
	PasswordStdin bool
	Automation    bool
	Out           string // --automation: where the management token goes
	Storage       string
	Now           func() time.Time
}

// initResult is what init prints with --json (never the PIN or the token).
type initResult struct {
	Account   string          `json:"account"`
	User      string          `json:"user"`
	Roles     []api.RoleGrant `json:"roles"`
	CodeID    string          `json:"code_id"`
	TokenFile string          `json:"token_file,omitempty"`
}

// Run redeems the code in opts.Source: `approov init`, and `account create
// --init` on the code it just made.
func Run(ctx context.Context, opts *Options) error {
	if opts.Source == "-" && opts.IO.IsStdinTTY() {
		fmt.Fprintln(opts.IO.ErrOut, "Paste the onboarding code, then press Enter:")
	}
	code, err := readCode(opts.IO.In, opts.Source)
	if err != nil {
		return err
	}
	acct := session.Account{ID: code.Account, Name: code.Account, Backend: code.Backend, ServiceKey: code.ServiceKey.String()}
	b, info, err := inspect(ctx, opts, acct, code)
	if err != nil {
		return err
	}
	if err := canRemember(ctx, opts.Auth); err != nil {
		return err
	}
	enr, err := enrol(opts, code, info)
	if err != nil {
		return err
	}
	defer enr.cleanup()
	done, err := b.Redeem(ctx, code, enr.request)
	if err == nil {
		err = sameAccount(code, done.Account)
	}
	if err != nil {
		return err
	}
	if err := enr.commitToken(); err != nil {
		return err
	}
	acct = joined(opts, acct, done, enr)
	if err := remember(ctx, opts.Auth, acct); err != nil {
		return err
	}
	openSessions(ctx, opts, b, acct, enr.keys)
	return reportInit(opts, info, done, enr)
}

// canRemember checks that the local state opens and parses before the code
// is spent: a redemption that cannot be recorded would cost the code.
func canRemember(ctx context.Context, m *login.Manager) error {
	s, err := m.Store()
	if err != nil {
		return err
	}
	_, err = s.Load(ctx)
	return err
}

// inspect asks the service what the code grants, without spending it.
func inspect(ctx context.Context, opts *Options, acct session.Account, code auth.Code) (backend.Backend, api.CodeInfo, error) {
	b, err := opts.Auth.Open(ctx, acct)
	if err != nil {
		return nil, api.CodeInfo{}, err
	}
	info, err := b.InspectCode(ctx, code)
	if err != nil {
		return nil, api.CodeInfo{}, err
	}
	if err := sameAccount(code, info.Account); err != nil {
		return nil, api.CodeInfo{}, err
	}
	return b, info, checkAutomation(opts, info)
}

// sameAccount refuses an answer about another account than the code pins:
// recording it would replace that account's entry on this machine.
func sameAccount(code auth.Code, answered string) error {
	if answered != code.Account {
		return fault.New(fault.Network, "the service answered for account %q, but the code is for %q", truncate(answered, 40), code.Account)
	}
	return nil
}

// joined is the local record of the account after a redemption.
func joined(opts *Options, acct session.Account, done api.Redeemed, enr *enrolment) session.Account {
	acct.ID, acct.User, acct.Joined = done.Account, done.User, opts.Now().UTC()
	if opts.Storage != "" {
		acct.Storage, _ = session.ParsePolicy(opts.Storage)
	}
	acct.Roles = grants(done.Roles, enr)
	return acct
}

// readCode takes the code from the argument, a file, or stdin ("-").
func readCode(stdin io.Reader, src string) (auth.Code, error) {
	if src == "-" {
		// One line: a code pasted on a terminal ends with Enter, not EOF.
		line, err := bufio.NewReader(io.LimitReader(stdin, 8192)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return auth.Code{}, fault.New(fault.Invalid, "cannot read the code from stdin: %v", err)
		}
		return auth.ParseCode(strings.TrimSpace(line))
	}
	f, err := userfile.Open(src)
	if err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, 8192))
		if err != nil {
			return auth.Code{}, fault.New(fault.Invalid, "cannot read the code file: %v", err)
		}
		return auth.ParseCode(strings.TrimSpace(string(b)))
	}
	// Anything holding "aoc_" (in any case) is parsed as a code; anything
	// else is never printed, whatever its shape: it could be a secret.
	if strings.Contains(strings.ToLower(src), auth.CodePrefix) {
		return auth.ParseCode(strings.TrimSpace(src))
	}
	return auth.Code{}, fault.WithHint(codeSourceError(src, err), "approov init -   (paste the code, then Enter), or approov init code.txt")
}

// codeSourceError says what an argument that is no code and no readable file
// looked like, without printing it.
func codeSourceError(src string, err error) error {
	shape := auth.Shape(src)
	switch {
	case strings.HasPrefix(shape, "a management token"):
		return fault.New(fault.Invalid, "the argument looks like %s, not an onboarding code: a pipeline gives it to approov in APPROOV_MANAGEMENT_TOKEN", shape)
	case shape != "":
		return fault.New(fault.Invalid, "the argument looks like %s, not an onboarding code (aoc_…) or a readable file", shape)
	case errors.Is(err, fs.ErrNotExist):
		return fault.New(fault.Invalid, "the argument is neither an onboarding code (aoc_…) nor an existing file")
	}
	return err // a directory, a FIFO, an unreadable file: named by the user
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// checkAutomation makes --automation and the code's roles agree.
func checkAutomation(opts *Options, info api.CodeInfo) error {
	hasAuto := slices.ContainsFunc(info.Roles, func(g api.RoleGrant) bool { return g.Role == role.Automation })
	switch {
	case hasAuto && !opts.Automation:
		return fault.WithHint(fault.New(fault.Usage, "this code grants the automation role, which uses a management token"),
			"approov init code.txt --automation --out ci.token")
	case opts.Automation && (!hasAuto || len(info.Roles) != 1):
		return fault.New(fault.Usage, "--automation needs a code that grants only the automation role (this one grants %s)", roleNames(info.Roles))
	case info.Kind == api.CodeRecovery && opts.PasswordStdin:
		return fault.New(fault.Usage, "a recovery code needs your recovery PIN, asked on the terminal; --password-stdin cannot be used")
	}
	return nil
}

func roleNames(gs []api.RoleGrant) string {
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = string(g.Role)
	}
	return strings.Join(names, ", ")
}

// reportInit says what happened; the PIN goes to stderr once, never into
// --json output, and automation gets no PIN (a lost token is replaced with a
// new code, not recovered).
func reportInit(opts *Options, info api.CodeInfo, done api.Redeemed, e *enrolment) error {
	cs := opts.IO.ErrColorScheme()
	noun := "role"
	if len(done.Roles) > 1 {
		noun = "roles"
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Joined account %s as %s with %s %s\n", cs.SuccessIcon(),
		safetext.Escape(done.Account), safetext.Escape(done.User), noun, safetext.Escape(roleNames(done.Roles)))
	if e.token != nil {
		fmt.Fprintf(opts.IO.ErrOut, "Management token written to %s (mode 0600). Give it to your pipeline as\nAPPROOV_MANAGEMENT_TOKEN (the token, or this path); never commit it.\n", safetext.Escape(e.tokenPath))
	} else {
		fmt.Fprintf(opts.IO.ErrOut, "\nRecovery PIN: %s\nIt is shown only this once. Keep it somewhere safe: with it and a recovery code\nfrom an admin you can set new passwords.\n\n", cs.Bold(e.pin))
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, initResult{Account: done.Account, User: done.User, Roles: done.Roles, CodeID: done.CodeID, TokenFile: e.tokenPath})
	}
	if info.Kind == api.CodeRecovery {
		fmt.Fprintln(opts.IO.ErrOut, "Your passwords and recovery PIN are replaced.")
	}
	return nil
}
