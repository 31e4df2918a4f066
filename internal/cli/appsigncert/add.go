package appsigncert

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/cli/complete"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/prompter"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/safetext"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/signcert"
	"github.com/approov-cli/approov/internal/userfile"
)

// AddOptions holds what `approov appsigncert add` needs.
type AddOptions struct {
	IO       *iostreams.IOStreams
	Auth     *login.Manager
	Prompter prompter.Prompter
	JSON     *cmdutil.JSONFlags

	File          string
	AutoRegister  bool
	Development   bool
	PasswordStdin bool
}

// NewCmdAdd builds `approov appsigncert add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	cmd := &cobra.Command{
		Use:   "add <cert|keystore> [--auto-register] [--development]",
		Short: "Trust an app-signing certificate",
		Long: `Read the signing certificate from a PEM or DER certificate, an Apple .cer or a
PKCS#12 keystore (.p12/.pfx) and add it to the account. A keystore's password
is asked for on a terminal when needed, or read from the first line of stdin
with --password-stdin; the key is used only to pick its certificate. Only the
certificate is sent: the service derives its description itself.

--auto-register makes builds signed by it count as registered. A development
or debug certificate is refused unless --development says it is meant.
Adding a certificate again updates its --auto-register choice.
JKS keystores: convert them first (the error gives the keytool command).`,
		Example: `  $ approov appsigncert add release.pem --auto-register
  $ approov appsigncert add distribution.cer
  $ approov appsigncert add upload.p12 --password-stdin < upload-pass.txt
  $ approov appsigncert add debug.p12 --development`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.IO, opts.Auth, opts.Prompter, opts.File = f.IOStreams, f.Auth(), f.Prompter(), args[0]
			if runF != nil {
				return runF(opts)
			}
			return runAdd(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.AutoRegister, "auto-register", false, "builds signed by this certificate count as registered")
	cmd.Flags().BoolVar(&opts.Development, "development", false, "accept a development or debug certificate")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the keystore password from the first line of stdin")
	opts.JSON = cmdutil.AddJSONFlags(cmd, certFields)
	cmdutil.RequireRoles(cmd, role.Admin, role.Dev)
	return cmd
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	cert, err := readCert(opts)
	if err != nil {
		return err
	}
	req := api.AddAppSignCertRequest{DER: cert.DER, AutoRegister: opts.AutoRegister, Development: opts.Development}
	out, err := login.Call(ctx, opts.Auth, func(ctx context.Context, c login.Conn) (api.AppSignCert, error) {
		return backend.Call(ctx, c.Backend, api.OpAppSignCertAdd, c.Caller, req)
	})
	if err != nil {
		return err
	}
	_ = complete.Add(ctx, opts.Auth, complete.ActiveAccount(ctx, opts.Auth), complete.Certificates, out.ID)
	if opts.JSON.Enabled() {
		return opts.JSON.Write(opts.IO, out)
	}
	what := "not auto-registering"
	if out.AutoRegister {
		what = "auto-registering its builds"
	}
	fmt.Fprintf(opts.IO.Out, "%s Trusted %s (%s), id %s, %s\n", opts.IO.ColorScheme().SuccessIcon(),
		safetext.Escape(out.Name), out.Platform, out.ID, what)
	return nil
}

// readCert reads the file and parses it, with a password only when the
// file is a keystore that needs one.
func readCert(opts *AddOptions) (signcert.Certificate, error) {
	data, err := readFile(opts.File)
	if err != nil {
		return signcert.Certificate{}, err
	}
	if !signcert.NeedsPassword(data) {
		return signcert.Parse(data, nil)
	}
	pw, err := password(opts)
	if err != nil {
		return signcert.Certificate{}, err
	}
	defer auth.Wipe(pw)
	cert, err := signcert.Parse(data, pw)
	if errors.Is(err, signcert.ErrPasswordRequired) || errors.Is(err, signcert.ErrWrongPassword) {
		err = fault.WithHint(err, "give the keystore's password (on a terminal, or with --password-stdin)")
	}
	return cert, err
}

func readFile(path string) ([]byte, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return signcert.Read(f)
}

// password reads the keystore password: stdin, the terminal, or none (a
// keystore with an empty password still opens; others fail with exit 4).
func password(opts *AddOptions) ([]byte, error) {
	switch {
	case opts.PasswordStdin:
		return prompter.PasswordFromStdin(opts.IO.In)
	case opts.IO.CanPrompt():
		return opts.Prompter.Password(fmt.Sprintf("Password of keystore %s", opts.File))
	}
	return nil, nil
}
