package account

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/cli/enrol"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/session"
	"github.com/approov-cli/approov/internal/session/login"
)

// CreateOptions holds what `approov account create` needs.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Sessions func() (*session.Store, error)
	Auth     *login.Manager
	Prompter prompter.Prompter
	JSON     *cmdutil.JSONFlags
	Now      func() time.Time

	Local         bool
	Name          string
	User          string
	Init          bool
	PasswordStdin bool
	Storage       string
}

// NewCmdCreate builds `approov account create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{}
	cmd := &cobra.Command{
		Use:   "create --local [--name N] [--init]",
		Short: "Create an account on the embedded local backend",
		Long: `Create an account that lives on this machine, in an embedded store under
~/.approov/local (or $APPROOV_HOME/local), like a development server: its keys
(service signing key, token secret, SDK configuration key) and a first user
holding the admin and dev roles.

approov prints that user's onboarding code. With --init it is redeemed at once:
you choose a password for each role and receive your recovery PIN, and can run
admin commands straight away.

A local account is for one person. Everyone who uses it, whatever their roles,
works on the same store file (0600, owned by you): whoever can read or write it
holds the account's keys, so roles do not keep apart people who share it. For a
team, each person needs their own keys on a shared server (approovd, coming).`,
		Example: `  $ approov account create --local --init
  $ approov account create --local --name demo --user you@example.com
  $ approov init -   # later: paste the printed code, then Enter`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Sessions, opts.Auth, opts.Prompter, opts.Now = f.IOStreams, f.Sessions, f.Auth(), f.Prompter(), f.Now
			if !opts.Local {
				return cmdutil.FlagErrorf("--local is required: this build creates accounts on the embedded local backend only")
			}
			if _, err := session.ParsePolicy(opts.Storage); err != nil {
				return err
			}
			if opts.PasswordStdin && !opts.Init {
				return cmdutil.FlagErrorf("--password-stdin only makes sense with --init")
			}
			if runF != nil {
				return runF(opts)
			}
			return runCreate(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Local, "local", false, "create the account on the embedded local backend")
	cmd.Flags().StringVar(&opts.Name, "name", "", "account name: lower-case letters, digits, dashes (default: random)")
	cmd.Flags().StringVar(&opts.User, "user", "", "the first user's email (default: <login>@localhost)")
	cmd.Flags().BoolVar(&opts.Init, "init", false, "redeem the onboarding code at once")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "with --init: read the password for every role from the first line of stdin")
	cmd.Flags().StringVar(&opts.Storage, "storage", "", "with --init: where session keys go: auto, keyring or file")
	opts.JSON = cmdutil.AddJSONFlags(cmd, []string{"account", "user", "roles", "store", "service_key", "code_id", "code", "code_expires_at", "token_file"})
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

// created is what `account create` prints with --json. The code is the
// command's product, so it is included unless --init spent it.
type created struct {
	Account       string    `json:"account"`
	User          string    `json:"user"`
	Store         string    `json:"store"`
	ServiceKey    string    `json:"service_key"`
	CodeID        string    `json:"code_id"`
	Code          string    `json:"code,omitempty"`
	CodeExpiresAt time.Time `json:"code_expires_at"`
}

func runCreate(ctx context.Context, opts *CreateOptions) error {
	if err := canInit(opts); err != nil {
		return err
	}
	store, err := opts.Sessions()
	if err != nil {
		return err
	}
	who := opts.User
	if who == "" {
		who = defaultUser()
	}
	acct, path, err := local.Create(ctx, store.Dir(), service.CreateAccountRequest{Name: opts.Name, FirstUser: who}, local.Options{Now: opts.Now})
	if err != nil {
		return err
	}
	inv := acct.Invitation
	out := created{Account: acct.Account, User: inv.User, Store: path, ServiceKey: acct.Fingerprint.String(),
		CodeID: inv.CodeID, Code: inv.Code, CodeExpiresAt: inv.ExpiresAt}
	fmt.Fprintf(opts.IO.ErrOut, "%s Created local account %s (store %s) with user %s (roles admin, dev)\n",
		opts.IO.ErrColorScheme().SuccessIcon(), acct.Account, safetext.Escape(path), safetext.Escape(inv.User))
	if opts.Init {
		return redeem(ctx, opts, out)
	}
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, out)
	}
	fmt.Fprintln(opts.IO.Out, inv.Code)
	fmt.Fprintf(opts.IO.ErrOut, "Onboarding code above: single use, expires %s. Redeem it with: approov init -   (and paste it)\n",
		inv.ExpiresAt.Local().Format(cmdutil.TimeLayout))
	return nil
}

// canInit refuses --init without a way to get the passwords before the
// account is made: nothing is created that would have to be taken back.
func canInit(opts *CreateOptions) error {
	if !opts.Init || opts.PasswordStdin || opts.IO.CanPrompt() {
		return nil
	}
	return fault.WithHint(fault.Wrap(fault.Auth, prompter.ErrNoTerminal),
		"approov account create --local --init --password-stdin < password.txt")
}

// redeem runs init on the fresh code; its JSON output is init's. Prove,
// then persist: when the code could not be redeemed, the new account would
// be unusable (its only code is never printed), so its store is removed.
func redeem(ctx context.Context, opts *CreateOptions, out created) error {
	err := enrol.Run(ctx, &enrol.Options{
		IO: opts.IO, Auth: opts.Auth, Prompter: opts.Prompter, JSON: opts.JSON, Now: opts.Now,
		Source: out.Code, PasswordStdin: opts.PasswordStdin, Storage: opts.Storage,
	})
	if err != nil && unspent(context.WithoutCancel(ctx), opts, out.Code) && os.Remove(out.Store) == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Account %s was not kept, as its code could not be redeemed; run the command again.\n", out.Account)
	}
	return err
}

// unspent says whether code can still be redeemed, asking its service.
func unspent(ctx context.Context, opts *CreateOptions, text string) bool {
	code, err := auth.ParseCode(text)
	if err != nil {
		return false
	}
	b, err := local.ForCode(code, local.Options{Now: opts.Now})
	if err != nil {
		return false
	}
	_, err = b.InspectCode(ctx, code)
	return err == nil
}

func defaultUser() string {
	name := "owner"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
		if i := strings.LastIndexAny(name, `\`); i >= 0 { // Windows: DOMAIN\user
			name = name[i+1:]
		}
	}
	return strings.ReplaceAll(name, " ", "_") + "@localhost"
}
