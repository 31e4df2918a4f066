package jar

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

func get(a Attrs, k string) string {
	v, _ := a.Get(k)
	return v
}

// TestParseManifestTinySections: a map per section made a manifest of many
// "Name: x" sections (or blank lines) allocate about fifty times its size;
// MetaLimit lets a manifest reach 64 MiB.
func TestParseManifestTinySections(t *testing.T) {
	var named, blank bytes.Buffer
	named.WriteString("Manifest-Version: 1.0\n\n")
	for i := 0; i < 50_000; i++ {
		fmt.Fprintf(&named, "Name: %x\n\n", i)
		blank.WriteString("\n")
	}
	for _, b := range [][]byte{named.Bytes(), blank.Bytes()} {
		var err error
		n := alloctest.Bytes(func() { _, err = ParseManifest(b) })
		if err != nil {
			t.Fatal(err)
		}
		if n > 16*uint64(len(b)) {
			t.Errorf("parsing %d bytes allocated %d", len(b), n)
		}
	}
}

func TestParseManifestAttributes(t *testing.T) {
	m, err := ParseManifest([]byte("B: 2\nA: 1\n c\nName: x\n\nName: y\nX: 1\nx: 2\n"))
	if err == nil {
		t.Fatalf("repeated attribute in another case accepted: %+v", m)
	}
	m, err = ParseManifest([]byte("B: 2\nA: 1\n c\nName: x\n"))
	if err != nil || get(m.Main.Attrs, "a") != "1c" || get(m.Main.Attrs, "b") != "2" || m.Main.Name != "x" {
		t.Fatalf("%+v, %v", m, err)
	}
	if _, ok := m.Main.Attrs.Get("c"); ok {
		t.Error("absent attribute found")
	}
}

// TestTooManySigners: every JAR signer costs a hash of the whole manifest,
// so the count is bounded before any is read.
func TestTooManySigners(t *testing.T) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	add := func(name, body string) {
		fw, _ := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		io.WriteString(fw, body)
	}
	add("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n\n")
	for i := range MaxSigners + 1 {
		add(fmt.Sprintf("META-INF/S%d.SF", i), "Signature-Version: 1.0\n\n")
		add(fmt.Sprintf("META-INF/S%d.RSA", i), "x")
	}
	w.Close()
	a, err := zipsafe.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d JAR signers; at most %d", MaxSigners+1, MaxSigners)
	if _, err := Verify(context.Background(), a, Options{}); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), want) {
		t.Errorf("Verify: %v", err)
	}
	if _, err := ListSigners(a); fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), want) {
		t.Errorf("ListSigners: %v", err)
	}
}
