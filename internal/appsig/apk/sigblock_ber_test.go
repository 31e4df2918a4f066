package apk

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// deepBER nests indefinite-length SEQUENCEs far past cms.MaxBERDepth: the
// shape that makes pkcs7's BER-to-DER conversion explode.
func deepBER() []byte {
	var b bytes.Buffer
	for i := 0; i < 200; i++ {
		b.Write([]byte{0x30, 0x80})
	}
	b.Write(bytes.Repeat([]byte{0, 0}, 200))
	return b.Bytes()
}

// withEntry rewrites a fixture APK with one entry's content replaced.
func withEntry(t *testing.T, fixture, name string, content []byte) *zipsafe.Archive {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join(fixtures, fixture))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			_, err = w.Write(content)
		} else {
			err = copyEntry(w, f)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	a, err := zipsafe.Open(bytes.NewReader(out.Bytes()), int64(out.Len()), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func copyEntry(w io.Writer, f *zip.File) error {
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

// A crafted v1 signature block must be refused by our structure check
// before apkverifier's PKCS#7 parser ever sees it.
func TestCraftedV1SignatureBlockIsRefusedFirst(t *testing.T) {
	if _, err := os.Stat(filepath.Join(fixtures, "v1-only.apk")); err != nil {
		t.Fatal(err)
	}
	a := withEntry(t, "v1-only.apk", "META-INF/K1.RSA", deepBER())
	_, err := Inspect(context.Background(), a, Options{})
	if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "META-INF/K1.RSA: malformed PKCS#7 signature block") {
		t.Fatalf("err = %v", err)
	}
}
