package ipa

import (
	"encoding/hex"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

const payload = "Payload/"

func invalid(format string, a ...any) error {
	return fault.New(fault.Invalid, format, a...)
}

// bundle reads files of the one .app directory of an archive.
type bundle struct {
	a       *zipsafe.Archive
	root    string // "Payload/Name.app/"
	lim     Limits
	closers []io.Closer // streams to release when the inspection ends
}

func (b *bundle) close() {
	for _, c := range b.closers {
		c.Close()
	}
}

// findApp returns the root of the only Payload/*.app bundle. Every entry
// under Payload/ must lie inside it and have a canonical name.
func findApp(a *zipsafe.Archive) (string, error) {
	apps := map[string]bool{}
	for _, f := range a.Files() {
		rest, ok := strings.CutPrefix(f.Name, payload)
		if !ok || rest == "" {
			continue
		}
		if err := canonicalName(f.Name); err != nil {
			return "", err
		}
		first, _, nested := strings.Cut(rest, "/")
		if !nested || !strings.HasSuffix(first, ".app") || first == ".app" {
			return "", invalid("not an app archive: %q lies in Payload/ outside an .app bundle", f.Name)
		}
		apps[first] = true
	}
	names := make([]string, 0, len(apps))
	for n := range apps {
		names = append(names, n)
	}
	sort.Strings(names)
	switch len(names) {
	case 0:
		return "", invalid("not an app archive: no Payload/*.app bundle")
	case 1:
		return payload + names[0] + "/", nil
	}
	return "", invalid("archive holds %d app bundles (%s); want exactly one", len(names), strings.Join(names, ", "))
}

// canonicalName rejects names whose components are empty, "." or contain a
// backslash, so that each file has exactly one name to look it up by.
func canonicalName(name string) error {
	parts := strings.Split(strings.TrimSuffix(name, "/"), "/")
	for _, p := range parts {
		if p == "" || p == "." || strings.ContainsRune(p, '\\') {
			return invalid("entry name %q is not canonical", name)
		}
	}
	return nil
}

// lookup finds a file by its path relative to the bundle root, or nil.
func (b *bundle) lookup(rel string) *zipsafe.File {
	return b.a.Lookup(b.root + rel)
}

// read reads a file relative to the root; a missing file gives nil, nil.
func (b *bundle) read(rel string, max int64) ([]byte, error) {
	f := b.lookup(rel)
	if f == nil || f.IsDir() {
		return nil, nil
	}
	return b.a.ReadAll(f, max)
}

// files lists the regular files of the bundle, relative to its root.
func (b *bundle) files() []string {
	var out []string
	for _, f := range b.a.Files() {
		if rel, ok := strings.CutPrefix(f.Name, b.root); ok && rel != "" && !f.IsDir() {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// isPlainName reports whether s names one file in a directory.
func isPlainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00") && path.Base(s) == s
}
