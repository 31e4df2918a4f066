// Package gendocs renders the command tree into the committed reference docs,
// man pages and completion scripts, deterministically (no dates, no paths).
package gendocs

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/app"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// The generated trees, relative to the repository root. Each is owned
// entirely by the generator: files in them that it does not produce are stale.
const (
	MarkdownDir   = "docs/cli"
	ManDir        = "docs/man"
	CompletionDir = "completions"
)

// Render produces every generated file, keyed by its path relative to the
// repository root.
func Render() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, step := range []func(map[string][]byte) error{renderMarkdown, renderMan, renderCompletions} {
		if err := step(files); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func newRoot() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	root := app.NewRootCommand(ios)
	root.DisableAutoGenTag = true
	return root
}

func renderMarkdown(files map[string][]byte) error {
	tmp, err := os.MkdirTemp("", "gendocs-md")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	root := newRoot()
	if err := doc.GenMarkdownTree(root, tmp); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	renderHelpTopics(root, files)
	return collect(tmp, MarkdownDir, files)
}

// renderHelpTopics writes a page per help topic (`approov help exit-codes`),
// which cobra's generator skips.
func renderHelpTopics(root *cobra.Command, files map[string][]byte) {
	for _, c := range root.Commands() {
		if !c.IsAdditionalHelpTopicCommand() {
			continue
		}
		page := fmt.Sprintf("## approov help %s\n\n%s\n\n```\n%s\n```\n", c.Name(), c.Short, strings.TrimRight(c.Long, "\n"))
		files[filepath.Join(MarkdownDir, "approov_help_"+c.Name()+".md")] = []byte(page)
	}
}

func renderMan(files map[string][]byte) error {
	tmp, err := os.MkdirTemp("", "gendocs-man")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// A fixed date keeps the pages reproducible; the version is in `approov version`.
	date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	header := &doc.GenManHeader{Title: "APPROOV", Section: "1", Source: "approov", Manual: "approov manual", Date: &date}
	if err := doc.GenManTree(newRoot(), header, tmp); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	return collect(tmp, ManDir, files)
}

func renderCompletions(files map[string][]byte) error {
	root := newRoot()
	gens := map[string]func(*bytes.Buffer) error{
		"approov.bash": func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) },
		"_approov":     func(b *bytes.Buffer) error { return root.GenZshCompletion(b) },
		"approov.fish": func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) },
		"approov.ps1":  func(b *bytes.Buffer) error { return root.GenPowerShellCompletionWithDesc(b) },
	}
	for name, gen := range gens {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return fmt.Errorf("completion %s: %w", name, err)
		}
		files[filepath.Join(CompletionDir, name)] = b.Bytes()
	}
	return nil
}

func collect(tmp, prefix string, files map[string][]byte) error {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(tmp, e.Name()))
		if err != nil {
			return err
		}
		files[filepath.Join(prefix, e.Name())] = data
	}
	return nil
}

// Write regenerates every file under dir, removing generated files that no
// longer have a command.
func Write(dir string) error {
	files, err := Render()
	if err != nil {
		return err
	}
	for _, d := range []string{MarkdownDir, ManDir, CompletionDir} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Stale lists the generated files under dir that differ from what Render
// produces, are missing, or should not exist.
func Stale(dir string) ([]string, error) {
	want, err := Render()
	if err != nil {
		return nil, err
	}
	var stale []string
	for name, data := range want {
		have, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(have, data) {
			stale = append(stale, name)
		}
	}
	extra, err := unexpectedFiles(dir, want)
	if err != nil {
		return nil, err
	}
	stale = append(stale, extra...)
	slices.Sort(stale)
	return stale, nil
}

func unexpectedFiles(dir string, want map[string][]byte) ([]string, error) {
	var extra []string
	for _, d := range []string{MarkdownDir, ManDir, CompletionDir} {
		err := filepath.WalkDir(filepath.Join(dir, d), func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			if _, ok := want[rel]; !ok {
				extra = append(extra, rel)
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	return extra, nil
}
