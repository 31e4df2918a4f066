// Package aab measures Android App Bundles: the JAR (v1) signature, which is
// the developer's upload key, the protobuf manifest and a canonical hash of
// the bundle's entries.
package aab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/approov-cli/approov/internal/appsig/jar"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// ManifestPath is where a bundle keeps the base module's protobuf manifest.
const ManifestPath = "base/manifest/AndroidManifest.xml"

// SignerRole states what the bundle's signer is: Play re-signs the APKs it
// serves with the app signing key, so this is not the certificate devices see.
const SignerRole = "upload-key"

// Measurement is the AAB part of an app record. Hex is lowercase.
type Measurement struct {
	Package           string  `json:"package"`
	VersionCode       int64   `json:"version_code"`
	VersionName       string  `json:"version_name"`
	MinSDK            int     `json:"min_sdk,omitempty"`
	TargetSDK         int     `json:"target_sdk,omitempty"`
	BundletoolVersion string  `json:"bundletool_version,omitempty"`
	Signers           Signers `json:"signers"`
	SignerRole        string  `json:"signer_role"`    // always "upload-key"
	EntriesSHA256     string  `json:"entries_sha256"` // see EntriesDigest
	EntryCount        int     `json:"entry_count"`    // entries covered by entries_sha256
}

// Signers lists the JAR signer certificate SHA-256s.
type Signers struct {
	V1 []string `json:"v1"`
}

// Inspect verifies and measures a bundle. On a verification failure it
// returns an Invalid error together with the (unverified) measurement.
func Inspect(ctx context.Context, a *zipsafe.Archive) (*Measurement, error) {
	m, err := readFacts(a)
	if err != nil {
		return nil, err
	}
	res, verr := jar.Verify(ctx, a, jar.Options{EntryHashes: true})
	if fault.KindOf(verr) == fault.Cancelled {
		return nil, verr
	}
	if errors.Is(verr, jar.ErrNotCovered) {
		// Refused from the central directory alone: inflating every entry
		// for an entries hash would hand a crafted bundle the CPU.
		return m, fault.New(fault.Invalid, "bundle signature does not verify: %w", verr)
	}
	var sums map[string][32]byte
	if verr == nil {
		sums = res.EntrySHA256
		for _, s := range res.Signers {
			m.Signers.V1 = append(m.Signers.V1, s.CertSHA256)
		}
	} else if sums, err = hashEntries(ctx, a); err != nil {
		return nil, err
	}
	m.EntriesSHA256, m.EntryCount = EntriesDigest(sums)
	if verr != nil {
		return m, fault.New(fault.Invalid, "bundle signature does not verify: %w", verr)
	}
	return m, nil
}

func readFacts(a *zipsafe.Archive) (*Measurement, error) {
	cfg, mf := a.Lookup("BundleConfig.pb"), a.Lookup(ManifestPath)
	if cfg == nil || mf == nil {
		return nil, fault.New(fault.Invalid, "not an app bundle: BundleConfig.pb and %s are required", ManifestPath)
	}
	raw, err := a.ReadAll(mf, MaxManifestSize)
	if err != nil {
		return nil, err
	}
	info, err := DecodeManifest(raw)
	if err != nil {
		return nil, err
	}
	cb, err := a.ReadAll(cfg, MaxManifestSize)
	if err != nil {
		return nil, err
	}
	bt, err := BundletoolVersion(cb)
	if err != nil {
		return nil, err
	}
	return &Measurement{Package: info.Package, VersionCode: info.VersionCode, VersionName: info.VersionName,
		MinSDK: info.MinSDK, TargetSDK: info.TargetSDK, BundletoolVersion: bt, SignerRole: SignerRole,
		Signers: Signers{V1: []string{}}}, nil
}

// hashEntries computes the SHA-256 of every entry the JAR manifest must
// cover, for a measurement of an unverified bundle.
func hashEntries(ctx context.Context, a *zipsafe.Archive) (map[string][32]byte, error) {
	sums := map[string][32]byte{}
	for _, f := range a.Files() {
		if !jar.NeedsDigest(f.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fault.Wrap(fault.Cancelled, err)
		}
		rc, err := a.Open(f)
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		sums[f.Name] = [32]byte(h.Sum(nil))
	}
	return sums, nil
}

// EntriesDigest is the canonical entries hash: SHA-256 over the lines
// "<hex sha256 of content>  <name>\n" of every entry except directories and
// META-INF signature files (MANIFEST.MF, *.SF, *.RSA, *.DSA, *.EC, SIG-*),
// sorted by name (byte order). It does not depend on compression, entry
// order, timestamps or who signed the bundle.
func EntriesDigest(sums map[string][32]byte) (string, int) {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		s := sums[n]
		fmt.Fprintf(h, "%s  %s\n", hex.EncodeToString(s[:]), n)
	}
	return hex.EncodeToString(h.Sum(nil)), len(names)
}
