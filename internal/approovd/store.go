package approovd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store/storeurl"
)

func newCmdStore(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store <command>",
		Short: "Migrate, export and move the store",
	}
	cmd.AddCommand(NewCmdStoreMigrate(f, nil), NewCmdStoreDump(f, nil), NewCmdStoreRestore(f, nil), NewCmdStoreCopy(f, nil))
	return cmd
}

// StoreMigrateOptions holds what `approovd store migrate` needs.
type StoreMigrateOptions struct {
	F     *Factory
	Store string
}

// NewCmdStoreMigrate builds `approovd store migrate`.
func NewCmdStoreMigrate(f *Factory, runF func(context.Context, *StoreMigrateOptions) error) *cobra.Command {
	opts := &StoreMigrateOptions{F: f}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring a PostgreSQL store's schema up to this approovd's",
		Long: `Apply to the PostgreSQL store at --store the schema migrations embedded in this
approovd that it lacks, in order, in one transaction (all or none), and say
what was done. A database with no approov table gets a new store. Running it
again does nothing. Two migrations of one database take turns.

Upgrading: stop every instance (or accept that older instances refuse to
start once the schema is newer), run migrate with the new approovd, then
start the new instances. A store with a newer schema than this approovd's,
or a database that is not an approov store, is left as it was (exit 6).
A bolt store has one format and nothing to migrate (exit 2).`,
		Example: `  $ approovd store migrate --store 'postgres://approov@db.example.com/approov?sslmode=verify-full'`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runStoreMigrate(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Store, "store", "", "store URL: postgres://user@host/db?sslmode=verify-full")
	return cmd
}

func runStoreMigrate(ctx context.Context, opts *StoreMigrateOptions) error {
	u, err := parseStoreFlag("--store", opts.Store)
	if err != nil {
		return err
	}
	m, err := storeurl.Migrate(ctx, u)
	if err != nil {
		return err
	}
	out := opts.F.IO.Out
	switch {
	case m.Created:
		fmt.Fprintf(out, "created store %s at schema version %d\n", u, m.To)
	case m.From == m.To:
		fmt.Fprintf(out, "store %s is at schema version %d: nothing to do\n", u, m.To)
	default:
		fmt.Fprintf(out, "migrated store %s from schema version %d to %d\n", u, m.From, m.To)
	}
	return nil
}

// parseStoreFlag parses a store URL flag that has no default.
func parseStoreFlag(flag, raw string) (storeurl.URL, error) {
	if raw == "" {
		return storeurl.URL{}, fault.New(fault.Usage, "give the store's URL with %s (or %s)", flag, EnvName(strings.TrimPrefix(flag, "--")))
	}
	return storeurl.Parse(raw)
}
