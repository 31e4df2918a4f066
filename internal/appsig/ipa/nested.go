package ipa

import (
	"context"
	"slices"
	"sort"
	"strings"
)

// nestedContainers are the bundle directories that hold nested code.
var nestedContainers = []string{"Frameworks/", "PlugIns/", "Extensions/", "Watch/", "AppClips/"}

var nestedBundleExts = []string{".framework", ".appex", ".app"}

// nestedItem is a piece of nested code found in the bundle.
type nestedItem struct {
	dir string // bundle directory ("PlugIns/W.appex/"), "" for a bare dylib
	exe string // executable path relative to the app root
}

// findNested lists the nested bundles and dylibs at any depth (a framework
// inside an extension too), sorted by path.
func (b *bundle) findNested() ([]nestedItem, error) {
	seen := map[nestedItem]bool{}
	var items []nestedItem
	for _, rel := range b.files() {
		parts := strings.Split(rel, "/")
		for i := 0; i+1 < len(parts); i++ {
			if !slices.Contains(nestedContainers, parts[i]+"/") {
				continue
			}
			var it nestedItem
			switch name := parts[i+1]; {
			case i+2 < len(parts) && hasAnySuffix(name, nestedBundleExts):
				it.dir = strings.Join(parts[:i+2], "/") + "/"
			case i+2 == len(parts) && parts[i] == "Frameworks" && strings.HasSuffix(name, ".dylib"):
				it.exe = rel
			default:
				continue
			}
			if !seen[it] {
				seen[it] = true
				items = append(items, it)
			}
		}
	}
	if len(items) > b.lim.MaxNestedCode {
		return nil, invalid("bundle holds more than %d pieces of nested code", b.lim.MaxNestedCode)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].dir+items[i].exe < items[j].dir+items[j].exe })
	return items, nil
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) && s != x {
			return true
		}
	}
	return false
}

// verifyNested verifies every piece of nested code like the main executable
// (pages, special slots, CMS, then its own sealed resources, which may name
// deeper nested code) and requires CMS-signed nested code to come from the
// main executable's team.
func (b *bundle) verifyNested(ctx context.Context, m *Measurement, main *code) ([]*nestedCode, error) {
	items, err := b.findNested()
	if err != nil {
		return nil, err
	}
	var out []*nestedCode
	for _, it := range items {
		if err := cancelled(ctx); err != nil {
			return nil, err
		}
		n, err := b.verifyNestedItem(ctx, it)
		if err != nil {
			return nil, err
		}
		m.Nested = append(m.Nested, n.describe())
		if !n.adhoc && m.TeamID != "" && n.teamID() != m.TeamID {
			return nil, invalid("nested code %s is signed by team %s, not %s", n.rel, n.teamID(), m.TeamID)
		}
		if n.adhoc && !main.adhoc {
			m.Notes = append(m.Notes, "nested code "+n.rel+" is ad-hoc signed")
		}
		out = append(out, n)
	}
	for _, n := range out {
		if n.resourcesBound {
			if _, err := b.verifySeal(ctx, n.item.dir, n.resources, n.code, out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// nestedCode is a verified piece of nested code.
type nestedCode struct {
	*code
	item      nestedItem
	bundleID  string
	resources []byte // its CodeResources, nil if none
}

func (b *bundle) verifyNestedItem(ctx context.Context, it nestedItem) (*nestedCode, error) {
	n := &nestedCode{item: it}
	var infoRaw, resources []byte
	exe := it.exe
	if it.dir != "" {
		info, raw, err := b.readInfo(it.dir)
		if err != nil {
			return nil, err
		}
		exe, infoRaw, n.bundleID = info.Executable, raw, info.BundleID
		if resources, err = b.read(it.dir+"_CodeSignature/CodeResources", b.lim.MaxCodeResourcesSize); err != nil {
			return nil, err
		}
	}
	c, err := b.parseCode(exe)
	if err != nil {
		return nil, err
	}
	n.code = c
	if err := c.verify(ctx, infoRaw, resources); err != nil {
		return nil, err
	}
	n.resources = resources
	return n, nil
}

// teamID is the team of CMS-signed code: the CD team, else the signer OU.
func (c *code) teamID() string {
	if c.team != "" || c.signer == nil {
		return c.team
	}
	if ou := c.signer.Leaf.Subject.OrganizationalUnit; len(ou) > 0 {
		return ou[0]
	}
	return ""
}

func (n *nestedCode) describe() NestedCode {
	return NestedCode{Path: n.rel, BundleID: n.bundleID, AdHoc: n.adhoc, TeamID: n.teamID(), Slices: n.slices}
}

// cdhashes lists every 20-byte cdhash of every slice.
func (c *code) cdhashes() map[string]bool {
	out := map[string]bool{}
	for _, s := range c.slices {
		for _, cd := range s.CodeDirectories {
			out[cd.CDHash] = true
		}
	}
	return out
}
