package gendocs

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedFilesAreFresh fails when docs/cli, docs/man or completions/
// no longer match the command tree.
func TestCommittedFilesAreFresh(t *testing.T) {
	stale, err := Stale(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		t.Errorf("stale generated file %s: run go run ./cmd/gen-docs", name)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range a {
		if string(b[name]) != string(data) {
			t.Errorf("%s differs between two renders", name)
		}
	}
}

func TestStaleDetectsEditsAndExtras(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	if stale, _ := Stale(dir); len(stale) != 0 {
		t.Fatalf("fresh tree reported stale: %v", stale)
	}
	must(t, os.WriteFile(filepath.Join(dir, CompletionDir, "approov.bash"), []byte("edited"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, MarkdownDir, "approov_gone.md"), []byte("old"), 0o644))
	stale, err := Stale(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"completions/approov.bash", "docs/cli/approov_gone.md"}
	if len(stale) != 2 || stale[0] != want[0] || stale[1] != want[1] {
		t.Errorf("stale = %v, want %v", stale, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
