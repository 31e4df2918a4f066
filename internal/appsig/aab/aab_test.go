package aab

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

func openAAB(t testing.TB, name string) *zipsafe.Archive {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../../testdata/apps/android", name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := zipsafe.Open(bytes.NewReader(b), int64(len(b)), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func manifestOf(t testing.TB) []byte {
	a := openAAB(t, "bundle.aab")
	raw, err := a.ReadAll(a.Lookup(ManifestPath), MaxManifestSize)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestDecodeManifest(t *testing.T) {
	info, err := DecodeManifest(manifestOf(t))
	if err != nil {
		t.Fatal(err)
	}
	want := ManifestInfo{Package: "com.example.bundle", VersionCode: 42, VersionName: "1.2.3", MinSDK: 24, TargetSDK: 33}
	if *info != want {
		t.Errorf("got %+v, want %+v", *info, want)
	}
}

// element builds an XmlNode{element{name, attributes...}} by hand.
func xmlElement(name string, attrs ...[]byte) []byte {
	var el []byte
	el = protowire.AppendTag(el, 3, protowire.BytesType)
	el = protowire.AppendString(el, name)
	for _, a := range attrs {
		el = protowire.AppendTag(el, 4, protowire.BytesType)
		el = protowire.AppendBytes(el, a)
	}
	var node []byte
	node = protowire.AppendTag(node, 1, protowire.BytesType)
	return protowire.AppendBytes(node, el)
}

func rawAttr(name, value string, resID uint64) []byte {
	var a []byte
	a = protowire.AppendTag(a, 2, protowire.BytesType)
	a = protowire.AppendString(a, name)
	a = protowire.AppendTag(a, 3, protowire.BytesType)
	a = protowire.AppendString(a, value)
	if resID != 0 {
		a = protowire.AppendTag(a, 5, protowire.VarintType)
		a = protowire.AppendVarint(a, resID)
	}
	return a
}

func TestDecodeManifestByResourceID(t *testing.T) {
	// Obfuscated attribute names: only the resource IDs identify them.
	b := xmlElement("manifest", rawAttr("package", "com.x", 0), rawAttr("a", "7", resVersionCode),
		rawAttr("b", "2", resVersionCodeMajor), rawAttr("c", "@string/v", resVersionName))
	info, err := DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if info.Package != "com.x" || info.VersionCode != 2<<32|7 || info.VersionName != "@string/v" {
		t.Errorf("got %+v", *info)
	}
}

func TestDecodeManifestRejects(t *testing.T) {
	cases := map[string][]byte{
		"empty":      nil,
		"not-proto":  []byte("\xff\xff\xff"),
		"wrong-root": xmlElement("application"),
		"group":      {0x0b},
	}
	for name, b := range cases {
		if _, err := DecodeManifest(b); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestInspect(t *testing.T) {
	m, err := Inspect(context.Background(), openAAB(t, "bundle.aab"))
	if err != nil {
		t.Fatal(err)
	}
	if m.SignerRole != "upload-key" || len(m.Signers.V1) != 1 || m.EntryCount != 4 {
		t.Errorf("got %+v", m)
	}
	// Same entries, unsigned: same entries hash, no signer, an error.
	u, err := Inspect(context.Background(), openAAB(t, "bundle-unsigned.aab"))
	if err == nil || u == nil || u.EntriesSHA256 != m.EntriesSHA256 || len(u.Signers.V1) != 0 {
		t.Errorf("unsigned: %+v, %v", u, err)
	}
	if _, err := Inspect(context.Background(), openAAB(t, "v2-only.apk")); err == nil || !strings.Contains(err.Error(), "not an app bundle") {
		t.Errorf("apk as aab: %v", err)
	}
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add(manifestOf(f))
	f.Add(xmlElement("manifest", rawAttr("package", "p", 0)))
	f.Add(manyEmpty(8))
	f.Fuzz(func(t *testing.T, b []byte) {
		var info *ManifestInfo
		var err error
		alloctest.Bound(t, len(b), 8, 64<<10, func() { info, err = DecodeManifest(b) })
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped %v", err)
			}
			return
		}
		again, err := DecodeManifest(b)
		if err != nil || *again != *info {
			t.Fatalf("second decode differs: %+v, %v", again, err)
		}
	})
}
