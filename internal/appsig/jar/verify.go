package jar

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/cms"

	_ "crypto/sha1" // digest algorithms named by JAR manifests
	_ "crypto/sha512"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// MetaLimit bounds the META-INF files read into memory.
const MetaLimit = 64 << 20

const manifestName = "META-INF/MANIFEST.MF"

// digestAlgs are the manifest digest algorithms we accept, strongest first.
// MD5 is not accepted.
var digestAlgs = []struct {
	attr string
	hash crypto.Hash
}{{"sha-512", crypto.SHA512}, {"sha-384", crypto.SHA384}, {"sha-256", crypto.SHA256}, {"sha1", crypto.SHA1}, {"sha-1", crypto.SHA1}}

// Signer is one verified JAR signer.
type Signer struct {
	Name          string            // base name of the .SF file, e.g. "CERT"
	Cert          *x509.Certificate // the certificate whose key made the signature
	CertSHA256    string            // lowercase hex SHA-256 of the DER certificate
	APKSignedWith string            // the .SF's X-Android-APK-Signed attribute, "" if absent
	SignedAttrs   bool              // ListSigners only: the signerInfo carries signed attributes
}

// Options select how much of the archive is checked.
type Options struct {
	// SkipEntries checks signatures, .SF and manifest but not the entry
	// digests; for APKs whose v2+ content digest already covers every entry.
	SkipEntries bool
	// EntryHashes records the SHA-256 of every digested entry.
	EntryHashes bool
}

// Result is a verified JAR signature.
type Result struct {
	Signers     []Signer            // sorted by Name
	EntrySHA256 map[string][32]byte // with Options.EntryHashes: every entry covered by the manifest
}

// Verify checks the JAR signature of a. Every signer must verify and every
// entry must be listed in the manifest with a matching digest.
func Verify(ctx context.Context, a *zipsafe.Archive, opts Options) (*Result, error) {
	names := signatureFiles(a)
	mf := a.Lookup(manifestName)
	if mf == nil {
		return nil, invalid("no %s", manifestName)
	}
	if len(names) == 0 {
		return nil, invalid("no signature (META-INF/*.SF with a .RSA, .DSA or .EC block)")
	}
	if err := checkSignerCount(names); err != nil {
		return nil, err
	}
	mfRaw, err := a.ReadAll(mf, MetaLimit)
	if err != nil {
		return nil, err
	}
	man, err := ParseManifest(mfRaw)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, n := range names {
		s, err := verifySigner(a, n, mfRaw, man)
		if err != nil {
			return nil, err
		}
		res.Signers = append(res.Signers, *s)
	}
	if opts.SkipEntries {
		return res, nil
	}
	res.EntrySHA256, err = verifyEntries(ctx, a, man, opts.EntryHashes)
	return res, err
}

// MaxSigners bounds the JAR signers read: each one costs a read and a hash
// of the whole manifest (up to MetaLimit), so thousands of copies of one
// small signer would cost hours. Real APKs and bundles have one or two.
const MaxSigners = 16

func checkSignerCount(names [][2]string) error {
	if len(names) > MaxSigners {
		return invalid("%d JAR signers; at most %d are accepted", len(names), MaxSigners)
	}
	return nil
}

// signatureFiles returns the base names X with META-INF/X.SF and a block
// META-INF/X.RSA, .DSA or .EC, sorted.
func signatureFiles(a *zipsafe.Archive) [][2]string {
	var out [][2]string
	for _, f := range a.Files() {
		base, ok := strings.CutPrefix(f.Name, "META-INF/")
		if !ok || strings.Contains(base, "/") {
			continue
		}
		for _, ext := range []string{".RSA", ".DSA", ".EC"} {
			if stem, ok := strings.CutSuffix(base, ext); ok && a.Lookup("META-INF/"+stem+".SF") != nil {
				out = append(out, [2]string{stem, f.Name})
			}
		}
	}
	slices.SortFunc(out, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	return out
}

// verifySigner checks the PKCS#7 block over the .SF and the .SF over the manifest.
func verifySigner(a *zipsafe.Archive, n [2]string, mfRaw []byte, man *Manifest) (*Signer, error) {
	sfName := "META-INF/" + n[0] + ".SF"
	sf, err := a.ReadAll(a.Lookup(sfName), MetaLimit)
	if err != nil {
		return nil, err
	}
	block, err := a.ReadAll(a.Lookup(n[1]), MetaLimit)
	if err != nil {
		return nil, err
	}
	cert, err := verifyBlock(n[1], block, sf)
	if err != nil {
		return nil, err
	}
	sig, err := ParseManifest(sf)
	if err != nil {
		return nil, fault.New(fault.Invalid, "%s: %w", sfName, err)
	}
	if err := checkSF(sfName, sig, mfRaw, man); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(cert.Raw)
	return &Signer{Name: n[0], Cert: cert, CertSHA256: hex.EncodeToString(sum[:]),
		APKSignedWith: signedWith(sig)}, nil
}

// signedWith is the .SF's X-Android-APK-Signed attribute, "" when absent.
func signedWith(sig *Manifest) string {
	v, _ := sig.Main.Attrs.Get("x-android-apk-signed")
	return v
}

func verifyBlock(name string, block, content []byte) (cert *x509.Certificate, err error) {
	p7, err := cms.Parse(block)
	if err != nil {
		return nil, invalid("%s: malformed PKCS#7 signature block: %v", name, err)
	}
	if len(p7.Signers) != 1 {
		return nil, invalid("%s: %d signer infos, expected 1", name, len(p7.Signers))
	}
	p7.Content = content
	if err := p7.Verify(); err != nil {
		return nil, invalid("%s: signature does not verify: %v", name, err)
	}
	if cert = p7.GetOnlySigner(); cert == nil {
		return nil, invalid("%s: signer certificate is missing", name)
	}
	return cert, nil
}

// checkSF accepts the .SF if its whole-manifest digest matches, else if its
// main-attributes digest and one digest per manifest section all match.
func checkSF(sfName string, sig *Manifest, mfRaw []byte, man *Manifest) error {
	if ok, found := checkDigest(sig.Main.Attrs, "-digest-manifest", mfRaw); found && ok {
		return nil
	}
	if ok, found := checkDigest(sig.Main.Attrs, "-digest-manifest-main-attributes", man.Main.Raw); found && !ok {
		return invalid("%s does not match the manifest's main attributes", sfName)
	}
	for _, s := range man.Sections {
		ss := sig.ByName[s.Name]
		if ss == nil {
			return invalid("%q is not signed by %s", s.Name, sfName)
		}
		if ok, found := checkDigest(ss.Attrs, "-digest", s.Raw); !found || !ok {
			return invalid("%s: digest of manifest section %q does not match", sfName, s.Name)
		}
	}
	return nil
}

// checkDigest compares the strongest "<alg><suffix>" attribute with the digest of data.
func checkDigest(attrs Attrs, suffix string, data []byte) (ok, found bool) {
	for _, alg := range digestAlgs {
		want, present := attrs.Get(alg.attr + suffix)
		if !present {
			continue
		}
		h := alg.hash.New()
		h.Write(data)
		return base64.StdEncoding.EncodeToString(h.Sum(nil)) == strings.TrimSpace(want), true
	}
	return false, false
}

// entryDigest returns the strongest digest attribute of a manifest section.
func entryDigest(s *Section) (crypto.Hash, []byte, bool) {
	for _, alg := range digestAlgs {
		if v, ok := s.Attrs.Get(alg.attr + "-digest"); ok {
			d, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
			return alg.hash, d, err == nil
		}
	}
	return 0, nil, false
}

// NeedsDigest reports whether a JAR entry must be listed in the manifest:
// every file except directories and META-INF's own signature files
// (the rule of Android's apksig V1SchemeVerifier).
func NeedsDigest(name string) bool {
	if strings.HasSuffix(name, "/") {
		return false
	}
	base, ok := strings.CutPrefix(name, "META-INF/")
	if !ok || strings.Contains(base, "/") {
		return true
	}
	l := strings.ToLower(base)
	for _, ext := range []string{".sf", ".rsa", ".dsa", ".ec"} {
		if strings.HasSuffix(l, ext) {
			return false
		}
	}
	return l != "manifest.mf" && !strings.HasPrefix(l, "sig-")
}

// ErrNotCovered marks a rejection because the archive's entries and its
// manifest's sections differ: found without reading any entry, so callers
// need not hash entries to describe a bundle that is refused anyway.
var ErrNotCovered = errors.New("entries and manifest differ")

// notCovered is an Invalid error that also matches ErrNotCovered.
type notCovered struct{ error }

func (e notCovered) Unwrap() error        { return e.error }
func (e notCovered) Is(target error) bool { return target == ErrNotCovered }

func verifyEntries(ctx context.Context, a *zipsafe.Archive, man *Manifest, keep bool) (map[string][32]byte, error) {
	// Membership first, from the central directory alone: a crafted archive
	// must not get thousands of entries inflated before its rejection.
	if err := checkCoverage(a, man); err != nil {
		return nil, err
	}
	sums := map[string][32]byte{}
	for _, f := range a.Files() {
		if !NeedsDigest(f.Name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fault.Wrap(fault.Cancelled, err)
		}
		sum, err := checkEntry(a, f, man.ByName[f.Name])
		if err != nil {
			return nil, err
		}
		if keep {
			sums[f.Name] = sum
		}
	}
	return sums, nil
}

// checkCoverage: every entry needing a digest has a manifest section, and
// every section names such an entry.
func checkCoverage(a *zipsafe.Archive, man *Manifest) error {
	seen := 0
	for _, f := range a.Files() {
		if !NeedsDigest(f.Name) {
			continue
		}
		if man.ByName[f.Name] == nil {
			return notCovered{invalid("entry %q is not in the manifest", f.Name)}
		}
		seen++
	}
	if seen != len(man.Sections) {
		for _, s := range man.Sections {
			if f := a.Lookup(s.Name); f == nil || !NeedsDigest(f.Name) {
				return notCovered{invalid("manifest lists %q, which is not in the archive", s.Name)}
			}
		}
	}
	return nil
}

// checkEntry streams one entry through its manifest digest and SHA-256.
func checkEntry(a *zipsafe.Archive, f *zipsafe.File, s *Section) ([32]byte, error) {
	var sum [32]byte
	alg, want, ok := entryDigest(s)
	if !ok {
		return sum, invalid("manifest section %q has no supported digest", f.Name)
	}
	rc, err := a.Open(f)
	if err != nil {
		return sum, err
	}
	defer rc.Close()
	h, s256 := alg.New(), sha256.New()
	var w io.Writer = h
	if alg != crypto.SHA256 {
		w = io.MultiWriter(h, s256)
	}
	if _, err := io.Copy(w, rc); err != nil {
		return sum, err
	}
	got := h.Sum(nil)
	if !bytes.Equal(got, want) {
		return sum, invalid("entry %q does not match its manifest digest", f.Name)
	}
	if alg == crypto.SHA256 {
		copy(sum[:], got)
	} else {
		copy(sum[:], s256.Sum(nil))
	}
	return sum, nil
}
