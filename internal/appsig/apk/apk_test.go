package apk

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
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
// (index out of range in its vendored pkcs7 BER reader), with CERT.RSA's
// deflated data "c 0" completed to "c\x00\x00": the same one zero byte,
// without the truncated stream that klauspost/compress since v1.20.1
// reports as unexpected EOF before the BER reader is reached.
func crasher() []byte {
	return []byte(strings.Repeat("0", 282) + "PK\x03\x040000000000000000000000\x10\x0000META-INF/CERT.SF" +
		strings.Repeat("0", 88) + "PK\x03\x040000000000000000000000\x11\x00\x00\x00META-INF/CERT.RSAc\x00\x00")
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

// TestContentFromVerdict: the content digests Inspect takes from the
// verified signed data equal our own recomputation over the file.
func TestContentFromVerdict(t *testing.T) {
	for _, name := range []string{"v123.apk", "rotated.apk", "v2-ec.apk", "v2-only.apk", "v3-only.apk", "v2-twosigners.apk"} {
		a := openAPK(t, name)
		m, err := Inspect(context.Background(), a, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sums, err := ContentDigests(context.Background(), a, []int{ChunkedSHA256, ChunkedSHA512}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.ContentDigests) == 0 {
			t.Fatalf("%s: no content digest", name)
		}
		for _, d := range m.ContentDigests {
			k := map[string]int{"CHUNKED_SHA256": ChunkedSHA256, "CHUNKED_SHA512": ChunkedSHA512}[d.Alg]
			if d.Hex != hex.EncodeToString(sums[k]) {
				t.Errorf("%s: %s %s, recomputed %x", name, d.Alg, d.Hex, sums[k])
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ContentDigests(ctx, openAPK(t, "v123.apk"), []int{ChunkedSHA256}, nil); fault.KindOf(err) != fault.Cancelled {
		t.Errorf("cancelled: %v", err)
	}
}

// TestVerifiedDigests: only a digest apkverifier must have compared with
// the file counts as the file's; anything else is recomputed.
func TestVerifiedDigests(t *testing.T) {
	x, y := []byte("xxxx"), []byte("yyyy")
	pure := func(alg uint32, v []byte) BlockSigner { return BlockSigner{Digests: []Digest{{SigAlg: alg, Value: v}}} }
	mixed := BlockSigner{Digests: []Digest{{SigAlg: 0x0103, Value: x}, {SigAlg: 0x0421, Value: y}}}
	twoValues := BlockSigner{Digests: []Digest{{SigAlg: 0x0103, Value: x}, {SigAlg: 0x0101, Value: y}}}
	sb := &SigningBlock{V2: []BlockSigner{pure(0x0103, x)}, V3: []BlockSigner{pure(0x0104, y)}, V31: []BlockSigner{pure(0x0103, y)}}
	tests := []struct {
		name string
		sb   *SigningBlock
		v    verdict
		want map[int][]byte
	}{
		{"v2", sb, verdict{scheme: 2}, map[int][]byte{ChunkedSHA256: x}},
		{"v3", sb, verdict{scheme: 3}, map[int][]byte{ChunkedSHA512: y}},
		{"v3.1 checks the v3 block", sb, verdict{scheme: 31}, map[int][]byte{ChunkedSHA512: y}},
		{"v1 checks none", sb, verdict{scheme: 1}, map[int][]byte{}},
		{"failed verdict", sb, verdict{scheme: 2, err: errors.New("no")}, map[int][]byte{}},
		{"mixed kinds", &SigningBlock{V2: []BlockSigner{mixed}}, verdict{scheme: 2}, map[int][]byte{}},
		{"two values", &SigningBlock{V2: []BlockSigner{twoValues}}, verdict{scheme: 2}, map[int][]byte{}},
		{"signers disagree", &SigningBlock{V2: []BlockSigner{pure(0x0103, x), pure(0x0201, y), pure(0x0103, x)}}, verdict{scheme: 2}, map[int][]byte{}},
		{"unknown algorithm", &SigningBlock{V2: []BlockSigner{pure(0x0999, x)}}, verdict{scheme: 2}, map[int][]byte{}},
	}
	for _, tt := range tests {
		got := verifiedDigests(tt.sb, tt.v)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %x, want %x", tt.name, got, tt.want)
			continue
		}
		for k, d := range tt.want {
			if !bytes.Equal(got[k], d) {
				t.Errorf("%s: %x, want %x", tt.name, got, tt.want)
			}
		}
	}
}
