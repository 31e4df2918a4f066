// Package apk measures Android APKs: the verdict of avast/apkverifier,
// cross-checked against our own APK Signing Block parser, the content
// digests it verified (recomputed where it did not), plus the facts of the
// binary manifest.
package apk

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/cms"

	"github.com/approov-cli/approov/internal/appsig/jar"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// Measurement is the APK part of an app record. Hex is lowercase.
type Measurement struct {
	Package        string          `json:"package"`
	VersionCode    int64           `json:"version_code"`
	VersionName    string          `json:"version_name"`
	MinSDK         int             `json:"min_sdk,omitempty"`
	TargetSDK      int             `json:"target_sdk,omitempty"`
	VerifiedScheme string          `json:"verified_scheme,omitempty"` // "v1", "v2", "v3" or "v3.1": the scheme apkverifier verified
	Signers        Signers         `json:"signers"`
	Lineage        []LineageNode   `json:"lineage,omitempty"`         // v3 proof-of-rotation, oldest first
	ContentDigests []ContentDigest `json:"content_digests,omitempty"` // the file's, equal to the signed values (see checkContent)
	OtherBlocks    []BlockInfo     `json:"other_blocks,omitempty"`    // APK Signing Block entries we do not interpret
	Notes          []string        `json:"notes,omitempty"`

	v1SignedAttrs bool // some v1 signerInfo has signed attributes
}

// Signers lists the signer certificate SHA-256s of each scheme present.
type Signers struct {
	V1  []string   `json:"v1,omitempty"`
	V2  []string   `json:"v2,omitempty"`
	V3  []V3Signer `json:"v3,omitempty"`
	V31 []V3Signer `json:"v31,omitempty"`
}

// V3Signer is a v3/v3.1 signer with the platform range it applies to.
type V3Signer struct {
	CertSHA256 string `json:"cert_sha256"`
	MinSDK     uint32 `json:"min_sdk"`
	MaxSDK     uint32 `json:"max_sdk"`
}

// LineageNode is one certificate of the rotation lineage.
type LineageNode struct {
	CertSHA256 string `json:"cert_sha256"`
	Flags      uint32 `json:"flags"`
}

// ContentDigest is a v2+ content digest.
type ContentDigest struct {
	Alg string `json:"alg"`
	Hex string `json:"hex"`
}

// BlockInfo names an APK Signing Block entry that is not a signature scheme we parse.
type BlockInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int    `json:"size"`
}

// Options tune the verification.
type Options struct {
	MinSDK, MaxSDK int32 // platform range to verify for; 0 = from the manifest / any
}

// Inspect verifies and measures an APK. On a verification failure it
// returns an Invalid error and, when one could be built, the (unverified)
// measurement alongside; other errors come with a nil measurement.
//
// Our own bounded parsers read the manifest and the signing block first;
// only a file that passes them is handed to apkverifier, which would
// otherwise allocate whatever a hostile header claims. While it runs we
// check the v1 signature files. The content digests come from the signed
// data once apkverifier has checked them against the file; we recompute
// only those it did not check (see checkContent).
func Inspect(ctx context.Context, a *zipsafe.Archive, opts Options) (*Measurement, error) {
	m, sb, err := prepare(a, opts)
	if m == nil || err != nil {
		return m, err
	}
	verdictCh := make(chan verdict, 1)
	go func() { verdictCh <- runVerifier(a.ReaderAt(), a.Size(), opts.MinSDK, opts.MaxSDK) }()
	v1 := &Measurement{}
	v1.addV1(ctx, a, sb)
	var v verdict
	select {
	case v = <-verdictCh:
	case <-ctx.Done():
		// apkverifier cannot be interrupted; its goroutine finishes on its own.
		return nil, fault.Wrap(fault.Cancelled, ctx.Err())
	}
	ownErr := m.checkContent(ctx, a, sb, v)
	if fault.KindOf(ownErr) == fault.Cancelled {
		return nil, ownErr
	}
	if ownErr == nil {
		m.takeV1(v1)
	}
	if v.err != nil {
		return m, v.err
	}
	if ownErr != nil {
		return m, ownErr
	}
	m.VerifiedScheme = schemeName(v.scheme)
	if err := checkSignedAttrs(m, v, opts); err != nil {
		return m, err
	}
	return m, crossCheck(m, v)
}

// checkSignedAttrs applies a platform rule apkverifier lacks: Android
// before 4.4 (API 19) rejects JAR signatures with signed attributes.
func checkSignedAttrs(m *Measurement, v verdict, opts Options) error {
	minSDK := int(opts.MinSDK)
	if minSDK == 0 {
		minSDK = max(m.MinSDK, 1)
	}
	if v.scheme != 1 || minSDK >= 19 || !m.v1SignedAttrs {
		return nil
	}
	return fault.New(fault.Invalid, "v1 signature uses signed attributes, which Android before API 19 rejects (min SDK %d)", minSDK)
}

func schemeName(id int) string {
	switch id {
	case 31:
		return "v3.1"
	case 1, 2, 3:
		return fmt.Sprintf("v%d", id)
	}
	return fmt.Sprintf("scheme-%d", id)
}

// prepare decodes the manifest and the signing block and checks the sizes
// of what apkverifier will read into memory. A non-nil measurement with an
// error means the file parsed but failed a check.
func prepare(a *zipsafe.Archive, opts Options) (*Measurement, *SigningBlock, error) {
	mf := a.Lookup("AndroidManifest.xml")
	if mf == nil {
		return nil, nil, fault.New(fault.Invalid, "not an APK: no AndroidManifest.xml")
	}
	raw, err := a.ReadAll(mf, MaxManifestSize)
	if err != nil {
		return nil, nil, err
	}
	info, err := DecodeManifest(raw)
	if err != nil {
		return nil, nil, err
	}
	if err := checkMetaFiles(a); err != nil {
		return nil, nil, err
	}
	m := &Measurement{Package: info.Package, VersionCode: info.VersionCode, VersionName: info.VersionName,
		MinSDK: info.MinSDK, TargetSDK: info.TargetSDK}
	sb, err := readSigningBlock(a)
	if err != nil {
		return m, nil, err
	}
	m.fromBlock(sb)
	return m, sb, checkV31Present(sb, opts.MaxSDK)
}

// checkMetaFiles bounds the META-INF files a JAR verifier reads whole, and
// checks the structure of every signature block before apkverifier's own
// PKCS#7 parser (which descends from the one that stalls on crafted BER)
// sees it.
func checkMetaFiles(a *zipsafe.Archive) error {
	for _, f := range a.Files() {
		if !strings.HasPrefix(f.Name, "META-INF/") {
			continue
		}
		if f.UncompressedSize > jar.MetaLimit {
			return fault.New(fault.Invalid, "%s: %d bytes exceed the limit of %d", f.Name, f.UncompressedSize, jar.MetaLimit)
		}
		if err := checkSignatureBlock(a, f); err != nil {
			return err
		}
	}
	return nil
}

func checkSignatureBlock(a *zipsafe.Archive, f *zipsafe.File) error {
	ext := strings.ToUpper(path.Ext(f.Name))
	if ext != ".RSA" && ext != ".DSA" && ext != ".EC" {
		return nil
	}
	raw, err := a.ReadAll(f, jar.MetaLimit)
	if err != nil {
		return err
	}
	if err := cms.CheckBER(raw); err != nil {
		return fault.New(fault.Invalid, "%s: malformed PKCS#7 signature block: %v", f.Name, err)
	}
	return nil
}

// checkV31Present detects a stripped v3.1 block: a v3.0 signer that names
// a rotation-min-sdk-version promises a v3.1 block for those platforms.
func checkV31Present(sb *SigningBlock, maxSDK int32) error {
	if len(sb.V31) > 0 {
		return nil
	}
	for _, s := range sb.V3 {
		if s.RotationMinSDK != 0 && (maxSDK == 0 || s.RotationMinSDK <= uint32(maxSDK)) {
			return fault.New(fault.Invalid, "v3.1 signature missing: the v3 signer expects one from SDK %d (stripped?)", s.RotationMinSDK)
		}
	}
	return nil
}

func readSigningBlock(a *zipsafe.Archive) (*SigningBlock, error) {
	if !a.HasSigningBlock() {
		return &SigningBlock{}, nil
	}
	n := a.CentralDirectoryOffset() - a.SigningBlockOffset()
	if n > MaxSigningBlock {
		return nil, fault.New(fault.Invalid, "APK Signing Block: %d bytes exceed the limit of %d", n, MaxSigningBlock)
	}
	b := make([]byte, n)
	if k, err := a.ReaderAt().ReadAt(b, a.SigningBlockOffset()); k != len(b) {
		return nil, fault.New(fault.Invalid, "reading APK Signing Block: %v", err)
	}
	return ParseSigningBlock(b)
}

func (m *Measurement) fromBlock(sb *SigningBlock) {
	for _, s := range sb.V2 {
		m.Signers.V2 = append(m.Signers.V2, certSHA256(s.Certs[0]))
	}
	for _, s := range sb.V3 {
		m.Signers.V3 = append(m.Signers.V3, V3Signer{certSHA256(s.Certs[0]), s.MinSDK, s.MaxSDK})
	}
	for _, s := range sb.V31 {
		m.Signers.V31 = append(m.Signers.V31, V3Signer{certSHA256(s.Certs[0]), s.MinSDK, s.MaxSDK})
	}
	m.Lineage = lineageOf(sb)
	for _, o := range sb.Others {
		m.OtherBlocks = append(m.OtherBlocks, BlockInfo{ID: fmt.Sprintf("0x%08x", o.ID), Name: o.Name(), Size: o.Size})
	}
}

// lineageOf returns the lineage of the newest rotation: v3.1's if present, else v3's.
func lineageOf(sb *SigningBlock) []LineageNode {
	var out []LineageNode
	for _, list := range [][]BlockSigner{sb.V31, sb.V3} {
		for _, s := range list {
			if len(s.Lineage) > 0 && out == nil {
				for _, n := range s.Lineage {
					out = append(out, LineageNode{certSHA256(n.Cert), n.Flags})
				}
			}
		}
	}
	return out
}

// addV1 records the JAR signers. Without a v2+ block, v1 is the scheme
// apkverifier verifies (signatures and every entry digest, with Android's
// rules), and we only read the signer certificates independently for the
// cross-check. With a v2+ block the entries are covered by the content
// digest; we check the v1 signatures, .SF files and manifest ourselves and
// say so in a note if they fail, since Android then ignores v1.
func (m *Measurement) addV1(ctx context.Context, a *zipsafe.Archive, sb *SigningBlock) {
	if a.Lookup("META-INF/MANIFEST.MF") == nil {
		return
	}
	if len(sb.V2)+len(sb.V3)+len(sb.V31) == 0 {
		signers, err := jar.ListSigners(a)
		if err != nil {
			m.Notes = append(m.Notes, "v1 signers not readable: "+oneLine(err.Error()))
		}
		for _, s := range signers {
			m.Signers.V1 = append(m.Signers.V1, s.CertSHA256)
			m.v1SignedAttrs = m.v1SignedAttrs || s.SignedAttrs
		}
		return
	}
	res, err := jar.Verify(ctx, a, jar.Options{SkipEntries: true})
	if err != nil {
		m.Notes = append(m.Notes, "v1 signature not verified: "+oneLine(err.Error()))
		return
	}
	for _, s := range res.Signers {
		m.Signers.V1 = append(m.Signers.V1, s.CertSHA256)
	}
}

// takeV1 adopts what addV1 found (run on a scratch measurement while the
// verifier ran): kept, as before, only when the content checks passed.
func (m *Measurement) takeV1(v1 *Measurement) {
	m.Signers.V1, m.v1SignedAttrs = v1.Signers.V1, v1.v1SignedAttrs
	m.Notes = append(m.Notes, v1.Notes...)
}

// crossCheck requires our parser to agree with apkverifier on the signers
// of the verified scheme and on the lineage.
func crossCheck(m *Measurement, v verdict) error {
	var ours []string
	switch v.scheme {
	case 1:
		ours = m.Signers.V1
	case 2:
		ours = m.Signers.V2
	case 3:
		ours = v3Certs(m.Signers.V3)
	case 31:
		ours = v3Certs(m.Signers.V31)
	}
	if len(v.signers) == 0 {
		return fault.New(fault.Invalid, "signature verifier returned no signer")
	}
	for _, s := range v.signers {
		if !slices.Contains(ours, s) {
			return fault.New(fault.Invalid, "measurement disagrees with the verifier: %s signer %s not found by our parser", schemeName(v.scheme), s)
		}
	}
	if v.scheme <= 2 && len(ours) != len(v.signers) {
		return fault.New(fault.Invalid, "measurement disagrees with the verifier: %d %s signers, verifier found %d", len(ours), schemeName(v.scheme), len(v.signers))
	}
	return checkLineage(m, v)
}

func v3Certs(list []V3Signer) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.CertSHA256)
	}
	return out
}

// checkLineage: the verifier's lineage must be a prefix of ours (it may cut
// the lineage at the signer it selected).
func checkLineage(m *Measurement, v verdict) error {
	if len(v.lineage) > len(m.Lineage) {
		return fault.New(fault.Invalid, "measurement disagrees with the verifier on the signing lineage")
	}
	for i, c := range v.lineage {
		if m.Lineage[i].CertSHA256 != c {
			return fault.New(fault.Invalid, "measurement disagrees with the verifier on the signing lineage")
		}
	}
	return nil
}
