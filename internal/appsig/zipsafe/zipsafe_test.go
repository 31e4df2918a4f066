package zipsafe

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

type entry struct {
	name   string
	body   string
	method uint16
}

func build(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, e.body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(b []byte) (*Archive, error) {
	return Open(bytes.NewReader(b), int64(len(b)), DefaultLimits())
}

var sample = []entry{
	{"AndroidManifest.xml", "manifest", zip.Store},
	{"assets/a.txt", strings.Repeat("hello ", 1000), zip.Deflate},
	{"dir/", "", zip.Store},
}

func TestOpenValid(t *testing.T) {
	b := build(t, sample...)
	a, err := open(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Files()) != 3 || a.Lookup("assets/a.txt") == nil || a.Lookup("nope") != nil {
		t.Fatalf("files = %v", a.Files())
	}
	for _, e := range sample {
		got, err := a.ReadAll(a.Lookup(e.name), 1<<20)
		if err != nil || string(got) != e.body {
			t.Errorf("%s: %q, %v", e.name, got, err)
		}
	}
	if a.GapOffset() != a.CentralDirectoryOffset() {
		t.Errorf("unexpected gap")
	}
	if _, err := a.ReadAll(a.Lookup("assets/a.txt"), 10); fault.KindOf(err) != fault.Invalid {
		t.Errorf("ReadAll over max: %v", err)
	}
}

// mutate returns a copy of b with fn applied.
func mutate(b []byte, fn func([]byte) []byte) []byte { return fn(bytes.Clone(b)) }

func cdOffset(b []byte) int {
	e := bytes.LastIndex(b, []byte(sigEOCD))
	return int(binary.LittleEndian.Uint32(b[e+16:]))
}

// withGap inserts gap before the central directory and fixes the offsets.
func withGap(b, gap []byte) []byte {
	cd := cdOffset(b)
	out := append(append(append([]byte{}, b[:cd]...), gap...), b[cd:]...)
	e := bytes.LastIndex(out, []byte(sigEOCD))
	binary.LittleEndian.PutUint32(out[e+16:], uint32(cd+len(gap)))
	return out
}

func sigBlock(payload int) []byte {
	var blk []byte
	size := uint64(payload + 24)
	blk = binary.LittleEndian.AppendUint64(blk, size)
	blk = append(blk, make([]byte, payload)...)
	blk = binary.LittleEndian.AppendUint64(blk, size)
	return append(blk, apkSigMagic...)
}

func TestOpenRejects(t *testing.T) {
	good := build(t, sample...)
	stored := build(t, entry{"a", "0123456789", zip.Store})
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a ZIP"},
		{"text", []byte("hello world, this is not a zip archive"), "no end-of-central-directory"},
		{"duplicate", build(t, entry{"a", "1", zip.Store}, entry{"a", "2", zip.Store}), "duplicate entry name"},
		{"dotdot", build(t, entry{"../evil", "1", zip.Store}), `contains ".."`},
		{"dotdot-inner", build(t, entry{"a/../../evil", "1", zip.Store}), `contains ".."`},
		{"absolute", build(t, entry{"/etc/passwd", "1", zip.Store}), "absolute path"},
		{"backslash-absolute", build(t, entry{`\x`, "1", zip.Store}), "absolute path"},
		{"drive", build(t, entry{`C:x`, "1", zip.Store}), "absolute path"},
		{"nul", build(t, entry{"a\x00b", "1", zip.Store}), "NUL"},
		{"prefix", append([]byte("MZ-prefix-data"), good...), "does not end where"},
		{"trailing", append(bytes.Clone(good), "junk"...), "no end-of-central-directory"},
		{"gap-not-signing-block", withGap(good, bytes.Repeat([]byte{'x'}, 64)), "unaccounted data before the central directory"},
		{"signing-block-bad-size", mutate(withGap(good, sigBlock(16)), func(b []byte) []byte {
			i := cdOffset(good)
			b[i] ^= 1
			return b
		}), "sizes are inconsistent"},
		{"local-name", mutate(stored, func(b []byte) []byte { b[localHeaderLen] = 'b'; return b }), "local header names"},
		{"local-method", mutate(stored, func(b []byte) []byte { b[8] = 8; return b }), "disagrees"},
		{"local-crc", mutate(stored, func(b []byte) []byte { b[14] ^= 1; return b }), "disagree"},
		{"no-local", mutate(stored, func(b []byte) []byte { b[0] = 'X'; return b }), "no local header"},
		{"cd-size", mutate(stored, func(b []byte) []byte {
			e := bytes.LastIndex(b, []byte(sigEOCD))
			b[e+12]++
			return b
		}), "does not end where"},
		{"method", mutate(stored, func(b []byte) []byte {
			b[8] = 12
			b[cdOffset(b)+10] = 12
			return b
		}), "method 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := open(tt.data)
			if err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want Invalid containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
		})
	}
}

func TestSigningBlockGapAccepted(t *testing.T) {
	good := build(t, sample...)
	b := withGap(good, sigBlock(40))
	a, err := open(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.GapOffset() != int64(cdOffset(good)) || a.CentralDirectoryOffset() != int64(cdOffset(good)+len(sigBlock(40))) {
		t.Errorf("gap %d cd %d", a.GapOffset(), a.CentralDirectoryOffset())
	}
}

func TestLimits(t *testing.T) {
	b := build(t, sample...)
	for name, lim := range map[string]Limits{
		"entries": {MaxEntries: 2, MaxEntrySize: 1 << 20, MaxTotalSize: 1 << 20, MaxRatio: 100},
		"entry":   {MaxEntries: 10, MaxEntrySize: 100, MaxTotalSize: 1 << 20, MaxRatio: 100},
		"total":   {MaxEntries: 10, MaxEntrySize: 1 << 20, MaxTotalSize: 6000, MaxRatio: 100},
	} {
		if _, err := Open(bytes.NewReader(b), int64(len(b)), lim); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	bomb := build(t, entry{"bomb", strings.Repeat("\x00", 4<<20), zip.Deflate})
	if _, err := open(bomb); err == nil || !strings.Contains(err.Error(), "ratio") {
		t.Errorf("bomb: %v", err)
	}
}

func TestStreamingChecks(t *testing.T) {
	stored := build(t, entry{"a", "0123456789", zip.Store})
	bad := mutate(stored, func(b []byte) []byte { b[localHeaderLen+1+3] ^= 1; return b })
	a, err := open(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReadAll(a.Lookup("a"), 100); err == nil || !strings.Contains(err.Error(), "CRC-32") {
		t.Errorf("crc: %v", err)
	}
	// A deflate stream that inflates past its declared size.
	long := build(t, entry{"d", strings.Repeat("ab", 500), zip.Deflate})
	a, err = open(long)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Lookup("d")
	f.UncompressedSize = 10
	rc, _ := a.Open(f)
	if _, err := io.Copy(io.Discard, rc); err == nil || !strings.Contains(err.Error(), "exceeds its declared size") {
		t.Errorf("overrun: %v", err)
	}
	f.UncompressedSize = 5000
	rc, _ = a.Open(f)
	_, err = io.Copy(io.Discard, rc)
	if err == nil || !strings.Contains(err.Error(), "shorter") {
		t.Errorf("short: %v", err)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Errorf("untyped %T", err)
	}
}

func assertInvalid(t *testing.T, err error) {
	t.Helper()
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("error %q has kind %v, want invalid", err, fault.KindOf(err))
	}
}

func TestSigningBlockPadding(t *testing.T) {
	good := build(t, sample...)
	padded := withGap(good, append(make([]byte, 100), sigBlock(40)...))
	a, err := open(padded)
	if err != nil {
		t.Fatal(err)
	}
	if a.SigningBlockOffset() != a.GapOffset()+100 || !a.HasSigningBlock() {
		t.Errorf("block at %d, gap at %d", a.SigningBlockOffset(), a.GapOffset())
	}
	dirty := withGap(good, append(bytes.Repeat([]byte{1}, 100), sigBlock(40)...))
	if _, err := open(dirty); err == nil || !strings.Contains(err.Error(), "unaccounted data before the APK Signing Block") {
		t.Errorf("dirty padding: %v", err)
	}
}

// withEntryGap inserts gap bytes before the second entry and shifts every
// offset after it.
func withEntryGap(t *testing.T, gap []byte) []byte {
	b := build(t, entry{"a", "first", zip.Store}, entry{"b", "second", zip.Store})
	second := bytes.Index(b[4:], []byte(sigLocal)) + 4
	out := append(append(append([]byte{}, b[:second]...), gap...), b[second:]...)
	n := uint32(len(gap))
	cd := cdOffset(out) + int(n)
	e := bytes.LastIndex(out, []byte(sigEOCD))
	binary.LittleEndian.PutUint32(out[e+16:], uint32(cd))
	secondCD := bytes.LastIndex(out[:e], []byte(sigCentral))
	binary.LittleEndian.PutUint32(out[secondCD+42:], binary.LittleEndian.Uint32(out[secondCD+42:])+n)
	return out
}

func TestGapsBetweenEntries(t *testing.T) {
	a, err := open(withEntryGap(t, make([]byte, 5000)))
	if err != nil {
		t.Fatalf("zero padding between entries: %v", err)
	}
	if got, err := a.ReadAll(a.Lookup("b"), 100); err != nil || string(got) != "second" {
		t.Errorf("entry after padding: %q, %v", got, err)
	}
	if _, err := open(withEntryGap(t, []byte("hidden payload"))); err == nil || !strings.Contains(err.Error(), `unaccounted data before entry "b"`) {
		t.Errorf("non-zero gap: %v", err)
	}
}

func TestZip64EndRecords(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	const n = 1<<16 + 2 // more entries than the classic EOCD can count
	for i := 0; i < n; i++ {
		if _, err := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%d", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	b := buf.Bytes()
	lim := DefaultLimits()
	a, err := Open(bytes.NewReader(b), int64(len(b)), lim)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Zip64() || len(a.Files()) != n {
		t.Errorf("zip64=%v files=%d", a.Zip64(), len(a.Files()))
	}
	lim.MaxEntries = n - 1
	if _, err := Open(bytes.NewReader(b), int64(len(b)), lim); err == nil || !strings.Contains(err.Error(), "exceed the limit") {
		t.Errorf("entry limit: %v", err)
	}
	// A classic EOCD that disagrees with the ZIP64 record is rejected.
	bad := bytes.Clone(b)
	e := bytes.LastIndex(bad, []byte(sigEOCD))
	binary.LittleEndian.PutUint32(bad[e+12:], 12345)
	if _, err := open(bad); err == nil || !strings.Contains(err.Error(), "disagrees") {
		t.Errorf("disagreeing EOCD: %v", err)
	}
}

// TestJanusPrefixRejected: a DEX file prepended to a valid archive, with
// every offset shifted so that ZIP readers still find the entries (the
// Janus attack, CVE-2017-13156).
func TestJanusPrefixRejected(t *testing.T) {
	b := build(t, sample...)
	prefix := append([]byte("dex\n035\x00"), make([]byte, 100)...)
	prefix[20] = 1 // not all zeros
	out := append(append([]byte{}, prefix...), b...)
	n := uint32(len(prefix))
	e := bytes.LastIndex(out, []byte(sigEOCD))
	cd := binary.LittleEndian.Uint32(out[e+16:]) + n
	binary.LittleEndian.PutUint32(out[e+16:], cd)
	for p := int(cd); p < e; {
		binary.LittleEndian.PutUint32(out[p+42:], binary.LittleEndian.Uint32(out[p+42:])+n)
		p += cdHeaderLen + int(binary.LittleEndian.Uint16(out[p+28:])) + int(binary.LittleEndian.Uint16(out[p+30:])) + int(binary.LittleEndian.Uint16(out[p+32:]))
	}
	if _, err := open(out); err == nil || !strings.Contains(err.Error(), "unaccounted data before entry") {
		t.Fatalf("err = %v", err)
	}
}
