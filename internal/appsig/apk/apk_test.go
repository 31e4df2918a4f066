package apk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

const fixtures = "../../../testdata/apps/android"

func openAPK(t testing.TB, name string) *zipsafe.Archive {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := zipsafe.Open(bytes.NewReader(b), int64(len(b)), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// crasher is the input from security.md §4.1 that panics apkverifier
// (index out of range in its vendored pkcs7 BER reader).
func crasher() []byte {
	return []byte(strings.Repeat("0", 282) + "PK\x03\x040000000000000000000000\x10\x0000META-INF/CERT.SF" +
		strings.Repeat("0", 88) + "PK\x03\x040000000000000000000000\x11\x00\x00\x00META-INF/CERT.RSAc 0")
}

func TestVerifierCrasherBecomesTypedError(t *testing.T) {
	b := crasher()
	if len(b) != 466 {
		t.Fatalf("crasher is %d bytes, want 466", len(b))
	}
	v := runVerifier(bytes.NewReader(b), int64(len(b)), 0, 0)
	if v.err == nil || fault.KindOf(v.err) != fault.Invalid {
		t.Fatalf("err = %v, want Invalid", v.err)
	}
	if !strings.Contains(v.err.Error(), "failed on malformed input") {
		t.Errorf("expected the recovered panic, got %v", v.err)
	}
	// The front door rejects it before apkverifier ever sees it.
	if _, err := zipsafe.Open(bytes.NewReader(b), int64(len(b)), zipsafe.DefaultLimits()); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("zipsafe: %v", err)
	}
}

func TestContentDigestMatchesApksigner(t *testing.T) {
	// Value printed by `apksigner verify` for the tampered copy of v123.apk
	// ("Expected: <...>"), i.e. the digest signed into v123.apk.
	a := openAPK(t, "v123.apk")
	sums, err := ContentDigests(context.Background(), a, []int{ChunkedSHA256, ChunkedSHA512}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := readSigningBlock(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sb.V2[0].Digests[0].Value, sums[ChunkedSHA256]) || len(sums[ChunkedSHA512]) != 64 {
		t.Fatalf("digest %x, signed %x", sums[ChunkedSHA256], sb.V2[0].Digests[0].Value)
	}
}

func TestParseSigningBlockRejects(t *testing.T) {
	a := openAPK(t, "rotated.apk")
	good := make([]byte, a.CentralDirectoryOffset()-a.SigningBlockOffset())
	a.ReaderAt().ReadAt(good, a.SigningBlockOffset())
	if _, err := ParseSigningBlock(good); err != nil {
		t.Fatal(err)
	}
	mut := func(fn func(b []byte)) []byte { b := bytes.Clone(good); fn(b); return b }
	cases := map[string][]byte{
		"short":      good[:20],
		"no-magic":   mut(func(b []byte) { b[len(b)-1] = 'x' }),
		"size":       mut(func(b []byte) { b[0]++ }),
		"pair-len":   mut(func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 1<<40) }),
		"signer-len": mut(func(b []byte) { binary.LittleEndian.PutUint32(b[20:], 0xffffff) }),
	}
	for name, b := range cases {
		if _, err := ParseSigningBlock(b); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestDecodeManifest(t *testing.T) {
	a := openAPK(t, "v2-only.apk")
	raw, err := a.ReadAll(a.Lookup("AndroidManifest.xml"), MaxManifestSize)
	if err != nil {
		t.Fatal(err)
	}
	info, err := DecodeManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := ManifestInfo{Package: "com.example.fixture", VersionCode: 42, VersionName: "1.2.3", MinSDK: 24, TargetSDK: 33}
	if *info != want {
		t.Errorf("got %+v, want %+v", *info, want)
	}
	for name, b := range map[string][]byte{"empty": nil, "text": []byte("<manifest package=\"x\"/>"), "truncated": raw[:len(raw)/2]} {
		if _, err := DecodeManifest(b); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func FuzzParseSigningBlock(f *testing.F) {
	for _, n := range []string{"rotated.apk", "v2-twosigners.apk", "v2-ec.apk"} {
		a := openAPK(f, n)
		b := make([]byte, a.CentralDirectoryOffset()-a.SigningBlockOffset())
		a.ReaderAt().ReadAt(b, a.SigningBlockOffset())
		f.Add(b)
	}
	f.Add(smallSigningBlock())
	f.Fuzz(func(t *testing.T, b []byte) {
		var sb *SigningBlock
		var err error
		alloctest.Bound(t, len(b), 16, 64<<10, func() { sb, err = ParseSigningBlock(b) })
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		for _, list := range [][]BlockSigner{sb.V2, sb.V3, sb.V31} {
			for _, s := range list {
				if len(s.Certs) == 0 {
					t.Fatal("signer without certificate accepted")
				}
			}
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	a := openAPK(f, "v2-only.apk")
	raw, _ := a.ReadAll(a.Lookup("AndroidManifest.xml"), MaxManifestSize)
	f.Add(raw)
	f.Add(raw[:100])
	f.Add([]byte{3, 0, 8, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var info *ManifestInfo
		var err error
		alloctest.Bound(t, len(b), 16, 64<<10, func() { info, err = DecodeManifest(b) })
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		if info.VersionCode < 0 || info.MinSDK < 0 || info.TargetSDK < 0 {
			t.Fatalf("negative values in %+v", *info)
		}
		again, err := DecodeManifest(b)
		if err != nil || *again != *info {
			t.Fatalf("second decode differs: %+v, %v", again, err)
		}
	})
}

// TestDecodeManifestHugeStringClaim: a string whose length header claims
// more than the pool holds is rejected up front (apkparser, which
// apkverifier runs on the same bytes, would allocate the claimed size).
func TestDecodeManifestHugeStringClaim(t *testing.T) {
	a := openAPK(t, "v2-only.apk")
	raw, _ := a.ReadAll(a.Lookup("AndroidManifest.xml"), MaxManifestSize)
	le := binary.LittleEndian
	pool := int(le.Uint16(raw[2:])) // the string pool is the first chunk
	if le.Uint16(raw[pool:]) != chunkStringPool {
		t.Fatal("fixture layout changed")
	}
	last := le.Uint32(raw[pool+8:]) - 1
	at := pool + int(le.Uint32(raw[pool+20:])) + int(le.Uint32(raw[pool+28+4*int(last):]))
	bad := bytes.Clone(raw)
	copy(bad[at:], []byte{0xff, 0xff, 0xff, 0xff})
	if _, err := DecodeManifest(bad); err == nil || !strings.Contains(err.Error(), "out of bounds") {
		t.Fatalf("err = %v", err)
	}
}

func TestContentDigestsOnePass(t *testing.T) {
	for _, name := range []string{"v123.apk", "rotated.apk", "v2-ec.apk"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		a := openAPK(t, name)
		kinds := []int{ChunkedSHA256, ChunkedSHA512}
		want, err := ContentDigests(context.Background(), a, kinds, nil)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		var last int64
		got, err := ContentDigestsOnePass(context.Background(), a, kinds, h, func(d int64) { last = d })
		if err != nil {
			t.Fatal(err)
		}
		fileSum := sha256.Sum256(b)
		if !bytes.Equal(got[ChunkedSHA256], want[ChunkedSHA256]) || !bytes.Equal(got[ChunkedSHA512], want[ChunkedSHA512]) ||
			!bytes.Equal(h.Sum(nil), fileSum[:]) || last != int64(len(b)) {
			t.Errorf("%s: one-pass digests or file hash differ (progress %d of %d)", name, last, len(b))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ContentDigestsOnePass(ctx, openAPK(t, "v123.apk"), []int{ChunkedSHA256}, sha256.New(), nil); fault.KindOf(err) != fault.Cancelled {
		t.Errorf("cancelled: %v", err)
	}
}
