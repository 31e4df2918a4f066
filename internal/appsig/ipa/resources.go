package ipa

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/approov-cli/approov/internal/appsig/ipa/plists"
)

// seal is the part of _CodeSignature/CodeResources that is checked.
type seal struct {
	Files2 map[string]any `plist:"files2"`
	Rules2 map[string]any `plist:"rules2"`
}

const maxRulePattern = 1024

// verifyResources checks the main bundle's seal, returning how many files
// were hash-checked.
func (b *bundle) verifyResources(ctx context.Context, raw []byte, main *code, nested []*nestedCode) (int, error) {
	return b.verifySeal(ctx, "", raw, main, nested)
}

// verifySeal checks the CodeResources of the bundle at dir: every file it
// lists has the listed hash (nested code: the listed cdhash), and every
// other file of the bundle is either excluded by an omit rule, the
// executable, the seal itself, or nested code sealed separately.
func (b *bundle) verifySeal(ctx context.Context, dir string, raw []byte, c *code, nested []*nestedCode) (int, error) {
	var s seal
	lim := b.lim.Plist // a seal lists every file: allow its own size and more values
	lim.MaxSize, lim.MaxValues = int(b.lim.MaxCodeResourcesSize), max(lim.MaxValues, b.lim.MaxResourceValues)
	if err := plists.Decode(raw, &s, b.root+dir+"_CodeSignature/CodeResources", lim); err != nil {
		return 0, err
	}
	rules, err := parseRules(s.Rules2, b.lim.MaxResourceRules)
	if err != nil {
		return 0, err
	}
	v := &sealCheck{b: b, dir: dir, nested: nested, covered: map[string]bool{}, sealedNested: map[*nestedCode]bool{}}
	if err := v.checkListed(ctx, s.Files2); err != nil {
		return 0, err
	}
	return v.checked, v.checkUnlisted(rules, c.rel)
}

type sealCheck struct {
	b       *bundle
	dir     string
	nested  []*nestedCode
	covered map[string]bool // paths (relative to dir) that are sealed
	// sealedNested is the nested code the seal covers by cdhash; its files
	// are sealed by its own CodeResources.
	sealedNested map[*nestedCode]bool
	checked      int
}

func (v *sealCheck) checkListed(ctx context.Context, files2 map[string]any) error {
	paths := make([]string, 0, len(files2))
	for p := range files2 {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := cancelled(ctx); err != nil {
			return err
		}
		if err := canonicalName(p); err != nil || strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			return invalid("CodeResources lists a bad path %q", p)
		}
		if err := v.checkEntry(p, files2[p]); err != nil {
			return err
		}
		v.covered[p] = true
	}
	return nil
}

func (v *sealCheck) checkEntry(p string, entry any) error {
	e, _ := entry.(map[string]any)
	if legacy, ok := entry.([]byte); ok {
		e = map[string]any{"hash": legacy}
	}
	if e == nil {
		return invalid("CodeResources entry for %s is malformed", p)
	}
	if cdhash, ok := e["cdhash"].([]byte); ok {
		return v.checkNestedEntry(p, cdhash)
	}
	if _, ok := e["symlink"]; ok {
		return invalid("CodeResources seals %s as a symbolic link, which an IPA cannot carry verifiably", p)
	}
	f := v.b.lookup(v.dir + p)
	if f == nil || f.IsDir() {
		if optional, _ := e["optional"].(bool); optional {
			return nil
		}
		return invalid("sealed resource %s is missing", v.dir+p)
	}
	return v.checkHash(p, e)
}

func (v *sealCheck) checkHash(p string, e map[string]any) error {
	want, isSHA256 := e["hash2"].([]byte)
	if !isSHA256 {
		if want, _ = e["hash"].([]byte); want == nil {
			return invalid("CodeResources entry for %s has no hash", p)
		}
	}
	rc, err := v.b.a.Open(v.b.lookup(v.dir + p))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha1.New()
	if isSHA256 {
		h = sha256.New()
	}
	if _, err := io.Copy(h, rc); err != nil {
		return err
	}
	if !bytes.Equal(h.Sum(nil), want) {
		return invalid("sealed resource %s does not match its hash in CodeResources", v.dir+p)
	}
	v.checked++
	return nil
}

// checkNestedEntry matches a nested-code entry against the verified nested code.
func (v *sealCheck) checkNestedEntry(p string, cdhash []byte) error {
	for _, n := range v.nested {
		if n.item.dir == v.dir+p+"/" || n.rel == v.dir+p {
			if !n.cdhashes()[hexOf(cdhash)] {
				return invalid("nested code %s does not match its cdhash in CodeResources", v.dir+p)
			}
			v.sealedNested[n] = n.resourcesBound || n.item.dir == ""
			return nil
		}
	}
	return invalid("CodeResources seals nested code %s that the bundle lacks", v.dir+p)
}

// checkUnlisted requires every file of the bundle to be sealed or excluded.
func (v *sealCheck) checkUnlisted(rules []rule, exe string) error {
	for _, rel := range v.b.files() {
		p, ok := strings.CutPrefix(rel, v.dir)
		if !ok || v.covered[p] || rel == exe || strings.HasPrefix(p, "_CodeSignature/") || v.inNested(rel) {
			continue
		}
		if r := bestRule(rules, p); r == nil || r.omit || r.nested {
			continue
		}
		return invalid("%s is not sealed by CodeResources", v.b.root+rel)
	}
	return nil
}

// inNested reports whether rel belongs to nested code that this seal
// covers by cdhash and that seals its own files.
func (v *sealCheck) inNested(rel string) bool {
	for n, ok := range v.sealedNested {
		if ok && ((n.item.dir != "" && strings.HasPrefix(rel, n.item.dir)) || rel == n.rel) {
			return true
		}
	}
	return false
}

// rule is one rules2 entry: a regular expression and what it does.
type rule struct {
	re     *regexp.Regexp
	weight float64
	omit   bool
	nested bool
}

func parseRules(rules2 map[string]any, maxRules int) ([]rule, error) {
	if len(rules2) > maxRules {
		return nil, invalid("CodeResources has more than %d rules", maxRules)
	}
	var out []rule
	for pat, val := range rules2 {
		if len(pat) > maxRulePattern {
			return nil, invalid("CodeResources rule is longer than %d bytes", maxRulePattern)
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, invalid("CodeResources rule %q is not a supported regular expression", pat)
		}
		r := rule{re: re, weight: 1}
		if d, ok := val.(map[string]any); ok {
			r.omit, _ = d["omit"].(bool)
			r.nested, _ = d["nested"].(bool)
			if w, ok := d["weight"].(float64); ok {
				r.weight = w
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].re.String() < out[j].re.String() })
	return out, nil
}

// bestRule is the matching rule of highest weight, as codesign applies them.
func bestRule(rules []rule, p string) *rule {
	var best *rule
	for i := range rules {
		if rules[i].re.MatchString(p) && (best == nil || rules[i].weight > best.weight) {
			best = &rules[i]
		}
	}
	return best
}
