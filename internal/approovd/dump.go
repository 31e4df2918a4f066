package approovd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store/storeurl"
	"github.com/approov-cli/approov/internal/storedump"
)

// lockWait is how long the store commands wait for a bolt file that a
// running approovd holds before saying so.
const lockWait = 5 * time.Second

// StoreDumpOptions holds what `approovd store dump` needs.
type StoreDumpOptions struct {
	F       *Factory
	Store   string
	Account string
	Output  string
}

// NewCmdStoreDump builds `approovd store dump`.
func NewCmdStoreDump(f *Factory, runF func(context.Context, *StoreDumpOptions) error) *cobra.Command {
	opts := &StoreDumpOptions{F: f}
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Export one account to a file, keys included",
		Long: `Write every record of one account (users, codes, sessions, pins, registrations,
audit, keys…) as a portable, versioned JSON file (docs/approovd.md), in one
snapshot of the store: a bolt file or PostgreSQL, it restores into either.
The same store content always gives the same bytes.

The file holds the account's service signing keys and token secret: it is as
secret as the store. With --output it is written with mode 0600 (atomically);
on stdout it is refused when stdout is a terminal.

--account may be left out when the store holds a single account.`,
		Example: `  $ approovd store dump --store bolt:///var/lib/approovd/approovd.db --account acme --output acme.json
  $ approovd store dump --store 'postgres://approov@db/approov' --account acme > acme.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runStoreDump(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Store, "store", "", storeFlagHelp)
	fl.StringVar(&opts.Account, "account", "", "the account to dump (default: the store's only one)")
	fl.StringVarP(&opts.Output, "output", "o", "", "write the dump to this file (mode 0600) instead of stdout")
	return cmd
}

func runStoreDump(ctx context.Context, opts *StoreDumpOptions) error {
	if opts.Output == "" && opts.F.IO.IsStdoutTTY() {
		return fault.WithHint(fault.New(fault.Usage, "the dump holds the account's keys: not writing it to a terminal"),
			"redirect stdout to a file, or give --output FILE")
	}
	u, err := parseStoreFlag("--store", opts.Store)
	if err != nil {
		return err
	}
	st, err := storeurl.Open(ctx, u, lockWait)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := service.New(st, service.Options{Now: opts.F.Now})
	id, err := dumpedAccount(ctx, svc, opts.Account)
	if err != nil {
		return err
	}
	d, err := svc.ExportAccount(ctx, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := storedump.Encode(&buf, d); err != nil {
		return err
	}
	if err := writeSecret(opts.F, opts.Output, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(opts.F.IO.ErrOut, "dumped account %s: %d records\n", id, len(d.Records))
	return nil
}

// dumpedAccount is the account given, or the store's only one.
func dumpedAccount(ctx context.Context, svc *service.Service, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	ids, err := svc.AccountIDs(ctx)
	switch {
	case err != nil:
		return "", err
	case len(ids) == 1:
		return ids[0], nil
	case len(ids) == 0:
		return "", fault.New(fault.Usage, "the store holds no account")
	}
	return "", fault.New(fault.Usage, "the store holds %d accounts (%s): give --account", len(ids), strings.Join(ids[:min(len(ids), 5)], ", "))
}

// writeSecret writes data to path with mode 0600 through a temporary file
// renamed into place (no partial dump is ever left), or to stdout.
func writeSecret(f *Factory, path string, data []byte) error {
	if path == "" {
		_, err := f.IO.Out.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".approovd-dump-*")
	if err != nil {
		return fault.New(fault.Usage, "--output %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data) // CreateTemp made it 0600
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fault.New(fault.Internal, "--output %s: %v", path, err)
	}
	return nil
}

// StoreRestoreOptions holds what `approovd store restore` needs.
type StoreRestoreOptions struct {
	F       *Factory
	Store   string
	Input   string
	Replace bool
}

// NewCmdStoreRestore builds `approovd store restore`.
func NewCmdStoreRestore(f *Factory, runF func(context.Context, *StoreRestoreOptions) error) *cobra.Command {
	opts := &StoreRestoreOptions{F: f}
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Import an account from a dump",
		Long: `Read a dump made by "approovd store dump" (stdin, or --input) and write its
account into the store, in one transaction: all of it or nothing. A dump
that is truncated, altered into something invalid, of a newer format, or
holding records of another account is refused with what is wrong (exit 6)
before anything is written. An account of that name already in the store is
refused (exit 3) unless --replace, which deletes its records first.

A store that does not exist yet (no file; a database with no approov table)
is created. On a bolt store, stop approovd first (it holds the file).`,
		Example: `  $ approovd store restore --store 'postgres://approov@db/approov' < acme.json
  $ approovd store restore --store bolt:///var/lib/approovd/approovd.db --input acme.json --replace`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return runStoreRestore(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Store, "store", "", storeFlagHelp)
	fl.StringVarP(&opts.Input, "input", "i", "", "read the dump from this file instead of stdin")
	fl.BoolVar(&opts.Replace, "replace", false, "overwrite an account of that name in the store")
	return cmd
}

func runStoreRestore(ctx context.Context, opts *StoreRestoreOptions) error {
	u, err := parseStoreFlag("--store", opts.Store)
	if err != nil {
		return err
	}
	d, err := readDump(opts.F, opts.Input)
	if err != nil {
		return err
	}
	st, err := storeurl.OpenOrCreate(ctx, u, lockWait)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := service.New(st, service.Options{Now: opts.F.Now})
	if err := svc.ImportAccount(ctx, d, opts.Replace); err != nil {
		return err
	}
	fmt.Fprintf(opts.F.IO.ErrOut, "restored account %s into %s: %d records\n", d.Account, u, len(d.Records))
	return nil
}

func readDump(f *Factory, path string) (*storedump.Dump, error) {
	var r io.Reader = f.IO.In
	if path != "" {
		file, err := os.Open(path)
		if err != nil {
			return nil, fault.New(fault.Usage, "--input: %v", err)
		}
		defer file.Close()
		r = file
	} else if f.IO.IsStdinTTY() {
		return nil, fault.New(fault.Usage, "give the dump on stdin (approovd store restore < acme.json) or with --input")
	}
	return storedump.Parse(r)
}
