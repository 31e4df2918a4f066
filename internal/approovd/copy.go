package approovd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/storeurl"
)

// StoreCopyOptions holds what `approovd store copy` needs.
type StoreCopyOptions struct {
	F        *Factory
	From, To string
}

// NewCmdStoreCopy builds `approovd store copy`.
func NewCmdStoreCopy(f *Factory, runF func(context.Context, *StoreCopyOptions) error) *cobra.Command {
	opts := &StoreCopyOptions{F: f}
	cmd := &cobra.Command{
		Use:   "copy",
		Short: "Copy a whole store (every account) into a new one, and verify it",
		Long: `Copy every record of the store at --from (all accounts, sessions, codes, the
replay cache…) into the store at --to, which must be new or empty: read in
one snapshot, written in one transaction (all or nothing), then both read
again and compared (record count and SHA-256). This is how a team moves from
the embedded store to PostgreSQL: stop approovd, copy, start approovd on the
new store with the same state directory; sessions, codes and the --dev
certificate carry over, so clients notice nothing.`,
		Example: `  $ approovd store copy --from bolt:///var/lib/approovd/approovd.db --to 'postgres://approov@db/approov?sslmode=verify-full'`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runStoreCopy(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "the store to copy: "+storeFlagHelp)
	fl.StringVar(&opts.To, "to", "", "the new store to copy into: "+storeFlagHelp)
	return cmd
}

func runStoreCopy(ctx context.Context, opts *StoreCopyOptions) error {
	from, err := parseStoreFlag("--from", opts.From)
	if err != nil {
		return err
	}
	to, err := parseStoreFlag("--to", opts.To)
	if err != nil {
		return err
	}
	if from.String() == to.String() {
		return fault.New(fault.Usage, "--from and --to name the same store")
	}
	src, err := storeurl.Open(ctx, from, lockWait)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := storeurl.OpenOrCreate(ctx, to, lockWait)
	if err != nil {
		return err
	}
	defer dst.Close()
	return copyVerified(ctx, opts, src, dst, from, to)
}

func copyVerified(ctx context.Context, opts *StoreCopyOptions, src, dst store.Store, from, to storeurl.URL) error {
	copied, err := store.Copy(ctx, src, dst)
	if err != nil {
		return err
	}
	got, err := store.Summarize(ctx, dst)
	if err != nil {
		return err
	}
	if got != copied {
		return fault.New(fault.Internal, "copy to %s does not verify: read back %s, copied %s", to, got, copied)
	}
	fmt.Fprintf(opts.F.IO.ErrOut, "copied %s to %s: %s; verified\n", from, to, copied)
	return nil
}
