package approovd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/server"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store/storeurl"
)

func newCmdAccount(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account <command>",
		Short: "Manage the accounts on this server's store",
	}
	cmd.AddCommand(NewCmdAccountCreate(f, nil))
	return cmd
}

// AccountCreateOptions holds what `approovd account create` needs.
type AccountCreateOptions struct {
	F        *Factory
	Store    string
	StateDir string
	Name     string
	User     string
	URLs     []string
}

// NewCmdAccountCreate builds `approovd account create`.
func NewCmdAccountCreate(f *Factory, runF func(context.Context, *AccountCreateOptions) error) *cobra.Command {
	opts := &AccountCreateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an account and print its first onboarding code",
		Long: `Create an account on the store, with a first user holding admin and dev, and
print that user's onboarding code on stdout (a secret: hand it over privately;
it is single-use and expires in 72 hours). The code names the server URLs given
with --url, primary first, failovers after, and pins the new account's service
key. When the state directory (--state-dir, as given to serve) holds a --dev
certificate, the code also carries its pin, so "approov init" trusts the
server with no CA file.

On a bolt store it works while approovd serves the store (through its admin
socket) and when it does not (on the file directly). On PostgreSQL it opens
the database itself, whether instances serve it or not: its transaction is
serialized with theirs, and it reaches a database that no socket on this
machine could (instances on other machines).`,
		Example: `  $ approovd account create --name acme --user you@example.com --url https://127.0.0.1:8443 > code.txt
  $ approov init code.txt
  $ approovd account create --store 'postgres://approov@db.example.com/approov?sslmode=verify-full' --name acme --url https://approov.example.com`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runAccountCreate(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Store, "store", "bolt://"+DefaultStoreFile, storeFlagHelp)
	fl.StringVar(&opts.StateDir, "state-dir", "", stateDirFlagHelp)
	fl.StringVar(&opts.Name, "name", "", "account name: lower-case letters, digits, dashes (default: random)")
	fl.StringVar(&opts.User, "user", "", "the first user's email (default: <login>@localhost)")
	fl.StringSliceVar(&opts.URLs, "url", nil, "the server's https:// URL; repeat for failovers, primary first")
	return cmd
}

func runAccountCreate(ctx context.Context, opts *AccountCreateOptions) error {
	u, err := storeurl.Parse(opts.Store)
	if err != nil {
		return err
	}
	dir := stateDir(opts.StateDir, u)
	req, err := creation(opts, dir)
	if err != nil {
		return err
	}
	var created service.CreatedAccount
	err = errNoServer
	if u.Scheme == "bolt" {
		created, err = createViaAdmin(ctx, dir, req)
	}
	if errors.Is(err, errNoServer) {
		created, err = createOnStore(ctx, u, opts.F.Now, req)
	}
	if err != nil {
		return err
	}
	printCreated(opts, created, req.URLs)
	return nil
}

// creation checks the flags and pins the URLs of a --dev server.
func creation(opts *AccountCreateOptions, dir string) (createRequest, error) {
	if len(opts.URLs) == 0 {
		return createRequest{}, fault.New(fault.Usage, "give the server's URL with --url (repeat it for failovers)")
	}
	name := opts.Name
	if name == "" {
		name = service.RandomAccountName()
	}
	first := opts.User
	if first == "" {
		first = defaultUser()
	}
	urls := make([]string, len(opts.URLs))
	pin, dev := server.DevPin(dir)
	for i, s := range opts.URLs {
		urls[i] = strings.TrimSuffix(s, "/")
		if dev && !strings.Contains(s, "#") && isLoopbackURL(s) {
			urls[i] = auth.WithPin(urls[i], pin)
		}
	}
	if err := auth.ValidateLocations(urls); err != nil {
		return createRequest{}, fault.Wrap(fault.Usage, err)
	}
	return createRequest{Name: name, FirstUser: first, URLs: urls}, nil
}

func isLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
}

func defaultUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return strings.ToLower(u.Username) + "@localhost"
	}
	return "admin@localhost"
}

// createOnStore creates the account directly: no server holds the bolt
// file, or the store is PostgreSQL's.
func createOnStore(ctx context.Context, u storeurl.URL, now func() time.Time, req createRequest) (service.CreatedAccount, error) {
	st, err := storeurl.OpenOrCreate(ctx, u, 5*time.Second)
	if err != nil {
		return service.CreatedAccount{}, err
	}
	defer st.Close()
	return createAccount(ctx, st, now, req)
}

func printCreated(opts *AccountCreateOptions, c service.CreatedAccount, urls []string) {
	errOut := opts.F.IO.ErrOut
	fmt.Fprintf(errOut, "Created account %s\n", c.Account)
	fmt.Fprintf(errOut, "  service key: %s\n", c.Fingerprint)
	fmt.Fprintf(errOut, "  servers:     %s\n", strings.Join(urls, ", "))
	fmt.Fprintf(errOut, "Onboarding code for %s (admin, dev), valid until %s; run: approov init <file holding it>\n",
		c.Invitation.User, c.Invitation.ExpiresAt.UTC().Format(time.RFC3339))
	if u := unpinnedLoopback(urls); u != "" {
		fmt.Fprintf(errOut, "note: %s carries no certificate pin (no --dev certificate beside the store): approov init checks\n"+
			"  the server's certificate against the system roots or --ca-file. A --dev server writes its certificate as it starts:\n"+
			"  if one is starting, create the code again once it prints \"listening\".\n", u)
	}
	fmt.Fprintln(opts.F.IO.Out, c.Invitation.Code)
}

// unpinnedLoopback is the first loopback URL of urls that carries no pin:
// creation pins them all when a --dev certificate is beside the store.
func unpinnedLoopback(urls []string) string {
	for _, u := range urls {
		if isLoopbackURL(u) && !strings.Contains(u, "#") {
			return u
		}
	}
	return ""
}
