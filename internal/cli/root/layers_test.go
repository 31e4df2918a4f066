package root

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// shared are the packages under internal/cli that are not command groups:
// groups may import them, and only them, from internal/cli.
var shared = map[string]bool{"root": true, "enrol": true, "clitest": true, "measure": true, "complete": true}

// TestGroupsDoNotImportEachOther keeps each command group on its own: what
// two groups share lives in a shared package (enrol, cmdutil), so a change
// to one group never reaches into another.
func TestGroupsDoNotImportEachOther(t *testing.T) {
	const prefix = "github.com/approov-cli/approov/internal/cli/"
	dirs, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	groups := 0
	for _, d := range dirs {
		if !d.IsDir() || shared[d.Name()] {
			continue
		}
		groups++
		files, _ := filepath.Glob(filepath.Join("..", d.Name(), "*.go"))
		for _, file := range files {
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				other, ok := strings.CutPrefix(path, prefix)
				if ok && other != d.Name() && !shared[strings.Split(other, "/")[0]] {
					t.Errorf("%s imports the command group %s", file, path)
				}
			}
		}
	}
	if groups < 5 {
		t.Fatalf("found %d command groups under internal/cli; the walk is broken", groups)
	}
}
