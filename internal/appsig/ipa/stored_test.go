package ipa

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// restore rewrites a fixture with every entry stored (uncompressed), the
// layout in which executables are verified in place; edit may change the
// stored bytes of the archive afterwards.
func restore(t *testing.T, name string) []byte {
	t.Helper()
	z, err := zip.OpenReader(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out, err := w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		out.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func inspectBytes(t *testing.T, data []byte) (*Measurement, error) {
	t.Helper()
	a, err := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return Inspect(context.Background(), a)
}

// TestStoredMatchesDeflated: reading an executable in place gives the same
// record as inflating it.
func TestStoredMatchesDeflated(t *testing.T) {
	for _, name := range []string{"fat", "sealed"} {
		m, err := inspectBytes(t, restore(t, name+".ipa"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.MarshalIndent(m, "", "  ")
		want, err := os.ReadFile(filepath.Join(fixtures, name+".golden.json"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got)+"\n" != string(want) {
			t.Errorf("%s stored: record differs from the golden file:\n%s", name, got)
		}
	}
}

// TestStoredCRC: a stored executable whose bytes no longer match the zip
// CRC-32 is rejected even when the change is in unhashed signature padding.
func TestStoredCRC(t *testing.T) {
	data := restore(t, "sealed.ipa")
	a, err := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	f := a.Lookup("Payload/Fixture.app/Fixture")
	last := f.DataOffset + int64(f.UncompressedSize) - 1 // zero padding after the SuperBlob
	data[last] ^= 0xff
	_, err = inspectBytes(t, data)
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "does not match its CRC-32") {
		t.Fatalf("error = %v, want a CRC-32 mismatch", err)
	}
}

// TestInflatedStreaming: a deflated executable re-inflated as read (as
// large ones are) gives the same record as one inflated into memory.
func TestInflatedStreaming(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxInflatedInMemory = 0
	for _, name := range []string{"fat", "sealed"} {
		data, err := os.ReadFile(filepath.Join(fixtures, name+".ipa"))
		if err != nil {
			t.Fatal(err)
		}
		a, err := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		m, err := InspectWith(context.Background(), a, lim)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.MarshalIndent(m, "", "  ")
		want, _ := os.ReadFile(filepath.Join(fixtures, name+".golden.json"))
		if string(got)+"\n" != string(want) {
			t.Errorf("%s streamed: record differs from the golden file:\n%s", name, got)
		}
	}
	// A tampered page is still found.
	data, _ := os.ReadFile(filepath.Join(fixtures, "bad-page.ipa"))
	a, _ := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
	if _, err := InspectWith(context.Background(), a, lim); err == nil || !strings.Contains(err.Error(), "code page 2") {
		t.Fatalf("bad-page streamed: %v", err)
	}
}

// TestInflatedOnce: a large deflated executable whose CodeDirectories are
// SHA-256 with 4 KiB pages is inflated once; one with a SHA-1 CodeDirectory
// (sealed) takes a second pass, and a tampered page is found either way.
func TestInflatedOnce(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxInflatedInMemory = 0
	for name, want := range map[string]int{"fat": 1, "adhoc": 1, "cms": 1, "sealed": 2} {
		data, err := os.ReadFile(filepath.Join(fixtures, name+".ipa"))
		if err != nil {
			t.Fatal(err)
		}
		a, err := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		root, _ := findApp(a)
		b := &bundle{a: a, root: root, lim: lim}
		info, _, _ := b.readInfo("")
		c, err := b.parseCode(info.Executable)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.verifyBytes(context.Background()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ir, ok := c.r.(*inflatingReaderAt)
		if !ok {
			t.Fatalf("%s: executable not streamed (stored?)", name)
		}
		if ir.passes != want {
			t.Errorf("%s: %d inflate passes, want %d", name, ir.passes, want)
		}
		b.close()
	}
}

// TestInflatedOnceCRC: with the pages checked from the parse pass, the
// zip CRC-32 of the streamed executable is still checked.
func TestInflatedOnceCRC(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "adhoc.ipa"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	f := a.Lookup("Payload/Fixture.app/Fixture")
	data[f.HeaderOffset+14] ^= 1 // CRC-32 in the local header
	for off := a.CentralDirectoryOffset(); off+46 < int64(len(data)); {
		nameLen, extra, comment := int64(binary.LittleEndian.Uint16(data[off+28:])), int64(binary.LittleEndian.Uint16(data[off+30:])), int64(binary.LittleEndian.Uint16(data[off+32:]))
		if string(data[off+46:off+46+nameLen]) == f.Name {
			data[off+16] ^= 1 // and in the central directory
			break
		}
		off += 46 + nameLen + extra + comment
	}
	a, err = zipsafe.Open(bytes.NewReader(data), int64(len(data)), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	lim.MaxInflatedInMemory = 0
	if _, err := InspectWith(context.Background(), a, lim); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "CRC-32") {
		t.Fatalf("error = %v, want a CRC-32 mismatch", err)
	}
}
