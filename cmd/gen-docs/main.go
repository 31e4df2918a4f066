// Command gen-docs writes everything generated from the command tree: the
// markdown reference (docs/cli), man pages (docs/man) and shell completions
// (completions/). With --check it writes nothing and fails when any of them
// is stale, which CI runs.
//
//	go run ./cmd/gen-docs            # regenerate in the current repo
//	go run ./cmd/gen-docs --check    # fail if the committed files are stale
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/approov-cli/approov/internal/gendocs"
)

func main() {
	dir := flag.String("dir", ".", "repository root to write into (or compare with)")
	check := flag.Bool("check", false, "compare instead of writing; exit 1 when stale")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	if !check {
		return gendocs.Write(dir)
	}
	stale, err := gendocs.Stale(dir)
	if err != nil {
		return err
	}
	for _, name := range stale {
		fmt.Fprintln(os.Stderr, "stale:", name)
	}
	if len(stale) > 0 {
		return fmt.Errorf("%d generated files are stale; run: go run ./cmd/gen-docs", len(stale))
	}
	return nil
}
