package jar

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

func openFixture(t testing.TB, name string) *zipsafe.Archive {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "testdata", "apps", "android", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	a, err := zipsafe.Open(f, st.Size(), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestVerifyFixtures(t *testing.T) {
	tests := []struct {
		file    string
		signers int
		apk     string
		err     string
	}{
		{"v1-only.apk", 1, "", ""},
		{"v123.apk", 1, "2, 3", ""},
		{"rotated.apk", 1, "2, 3", ""},
		{"bundle.aab", 1, "", ""},
		{"bundle-ec.aab", 1, "", ""},
		{"bundle-tampered.aab", 0, "", `entry "base/assets/hello.txt" does not match its manifest digest`},
		{"bundle-unsigned.aab", 0, "", "no META-INF/MANIFEST.MF"},
		{"v2-only.apk", 0, "", "no META-INF/MANIFEST.MF"},
		{"tampered.apk", 0, "", "CRC-32"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := Verify(context.Background(), openFixture(t, tt.file), Options{EntryHashes: true})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || fault.KindOf(err) != fault.Invalid {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Signers) != tt.signers || res.Signers[0].APKSignedWith != tt.apk || len(res.Signers[0].CertSHA256) != 64 {
				t.Fatalf("signers = %+v", res.Signers)
			}
			if len(res.EntrySHA256) == 0 {
				t.Errorf("no entry hashes")
			}
		})
	}
}

func TestParseManifest(t *testing.T) {
	good := "Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\nName: a/very/long/na\r\n me.txt\r\nSHA-256-Digest: abc\r\n\r\n"
	m, err := ParseManifest([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	s := m.ByName["a/very/long/name.txt"]
	if s == nil || get(s.Attrs, "sha-256-digest") != "abc" || get(m.Main.Attrs, "manifest-version") != "1.0" {
		t.Fatalf("parsed %+v", m)
	}
	if string(m.Main.Raw) != "Manifest-Version: 1.0\r\nCreated-By: x\r\n\r\n" {
		t.Errorf("main raw %q", m.Main.Raw)
	}
	for name, bad := range map[string]string{
		"dup-section":  "M: 1\n\nName: a\nX: 1\n\nName: a\nX: 2\n",
		"dup-attr":     "M: 1\n\nName: a\nX: 1\nx: 2\n",
		"no-name":      "M: 1\n\nX: 1\n",
		"continuation": " x\n",
		"no-colon":     "M 1\n",
	} {
		if _, err := ParseManifest([]byte(bad)); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte("Manifest-Version: 1.0\r\n\r\nName: a\r\nSHA-256-Digest: abc\r\n\r\n"))
	f.Add([]byte("Signature-Version: 1.0\nSHA-256-Digest-Manifest: x\nX-Android-APK-Signed: 2, 3\n\nName: b\n c\nSHA1-Digest: y\n"))
	f.Add([]byte("\r\r\n\n Name"))
	f.Add([]byte("A: 1\n\nName: x\nB: 2\n\n\n\nName: y\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m *Manifest
		var err error
		alloctest.Bound(t, len(b), 32, 64<<10, func() { m, err = ParseManifest(b) })
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		n := len(m.Main.Raw)
		for i := range m.Sections {
			s := &m.Sections[i]
			n += len(s.Raw)
			if name, _ := s.Attrs.Get("name"); s.Name == "" || name != s.Name || m.ByName[s.Name] != s {
				t.Fatalf("section %d: name %q, attribute %q, indexed %v", i, s.Name, name, m.ByName[s.Name] == s)
			}
		}
		if n > len(b) || len(m.ByName) != len(m.Sections) {
			t.Fatalf("sections cover %d > %d bytes or are indexed twice", n, len(b))
		}
	})
}
