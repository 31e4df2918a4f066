package ipa

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/approov-cli/approov/internal/appsig/ipa/plists"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// Inspect verifies and measures the app in an IPA archive with the default
// limits. See InspectWith.
func Inspect(ctx context.Context, a *zipsafe.Archive) (*Measurement, error) {
	return InspectWith(ctx, a, DefaultLimits())
}

// MainExecutable returns the archive's main executable entry, or nil when
// Inspect would find none; it lets a caller plan its reads of the file.
func MainExecutable(a *zipsafe.Archive) *zipsafe.File {
	root, err := findApp(a)
	if err != nil {
		return nil
	}
	b := &bundle{a: a, root: root, lim: DefaultLimits()}
	info, _, err := b.readInfo("")
	if err != nil {
		return nil
	}
	return b.lookup(info.Executable)
}

// InspectWith verifies and measures the app in an IPA archive. On a
// verification failure it returns an Invalid error and, once the main
// executable has been parsed, the (unverified) measurement alongside, for
// callers that print it only when asked to and marked as such; other errors
// come with a nil measurement. Cancelling ctx stops the work (Cancelled).
func InspectWith(ctx context.Context, a *zipsafe.Archive, lim Limits) (*Measurement, error) {
	root, err := findApp(a)
	if err != nil {
		return nil, err
	}
	b := &bundle{a: a, root: root, lim: lim}
	defer b.close()
	info, infoRaw, err := b.readInfo("")
	if err != nil {
		return nil, err
	}
	main, err := b.parseCode(info.Executable)
	if err != nil {
		return nil, err
	}
	m := &Measurement{BundleID: info.BundleID, Version: info.Version, Build: info.Build, MinimumOS: info.MinimumOS,
		AdHoc: main.adhoc, Executable: Executable{Name: info.Executable, Slices: main.slices}}
	for _, s := range main.exe.Slices {
		if s.Encrypted {
			m.Notes = append(m.Notes, "slice "+s.CPU+" is FairPlay-encrypted (an App Store download): its signature is Apple's, not the developer's")
		}
	}
	if err := b.verify(ctx, m, main, infoRaw); err != nil {
		if fault.KindOf(err) == fault.Cancelled {
			return nil, err
		}
		return m, err
	}
	return m, nil
}

// verify runs the checks in order, filling m as facts are established.
func (b *bundle) verify(ctx context.Context, m *Measurement, main *code, infoRaw []byte) error {
	resources, err := b.read("_CodeSignature/CodeResources", b.lim.MaxCodeResourcesSize)
	if err != nil {
		return err
	}
	if err := main.verify(ctx, infoRaw, resources); err != nil {
		return err
	}
	m.Sealed.InfoPlist, m.Sealed.Resources = main.infoBound, main.resourcesBound
	if err := b.describeEntitlements(m, main.entitlements); err != nil {
		return err
	}
	if main.signer != nil {
		m.Signer = describeSigner(main.signer)
	}
	prof, err := b.readProfile(m)
	if err != nil {
		return err
	}
	if err := checkIdentity(m, main, prof); err != nil {
		return err
	}
	nested, err := b.verifyNested(ctx, m, main)
	if err != nil {
		return err
	}
	if main.resourcesBound {
		if m.Sealed.ResourceFiles, err = b.verifyResources(ctx, resources, main, nested); err != nil {
			return err
		}
	} else if resources != nil {
		m.Notes = append(m.Notes, "_CodeSignature/CodeResources is present but not bound by the signature; resources are not sealed")
	}
	return cancelled(ctx)
}

// infoPlist holds the Info.plist keys the measurement uses.
type infoPlist struct {
	BundleID   string `plist:"CFBundleIdentifier"`
	Executable string `plist:"CFBundleExecutable"`
	Version    string `plist:"CFBundleShortVersionString"`
	Build      string `plist:"CFBundleVersion"`
	MinimumOS  string `plist:"MinimumOSVersion"`
}

// readInfo reads and decodes dir/Info.plist (dir "" is the bundle root).
func (b *bundle) readInfo(dir string) (*infoPlist, []byte, error) {
	raw, err := b.read(dir+"Info.plist", b.lim.MaxPlistSize)
	if err != nil {
		return nil, nil, err
	}
	if raw == nil {
		return nil, nil, invalid("%sInfo.plist is missing", b.root+dir)
	}
	var info infoPlist
	if err := plists.Decode(raw, &info, b.root+dir+"Info.plist", b.lim.Plist); err != nil {
		return nil, nil, err
	}
	if dir == "" && info.BundleID == "" {
		return nil, nil, invalid("Info.plist has no CFBundleIdentifier")
	}
	if !isPlainName(info.Executable) {
		return nil, nil, invalid("%sInfo.plist: CFBundleExecutable %q is not a file name", b.root+dir, info.Executable)
	}
	info.Executable = dir + info.Executable
	return &info, raw, nil
}

// describeEntitlements decodes the signed entitlements and records their hash.
func (b *bundle) describeEntitlements(m *Measurement, raw []byte) error {
	if raw == nil {
		return nil
	}
	var ents map[string]any
	if err := plists.Decode(raw, &ents, "entitlements", b.lim.Plist); err != nil {
		return err
	}
	if plists.Depth(ents) > b.lim.Plist.MaxDepth {
		return invalid("entitlements nested too deeply")
	}
	sum := sha256.Sum256(raw)
	m.EntitlementsSHA256 = hexOf(sum[:])
	if j, ok := plists.JSON(ents).(map[string]any); ok {
		m.Entitlements = j
	}
	return nil
}

func cancelled(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fault.Wrap(fault.Cancelled, fmt.Errorf("inspection stopped: %w", err))
	}
	return nil
}
