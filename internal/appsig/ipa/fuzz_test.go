package ipa

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign/codesigntest"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

const fuzzInfo = `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>com.example.synth</string>
<key>CFBundleExecutable</key><string>A</string></dict></plist>`

// fuzzIPA stores an Info.plist, an executable and optional CodeResources and
// profile in Payload/A.app/ (stored, so any content is a valid zip).
func fuzzIPA(t testing.TB, info, exe, resources, profile []byte) *zipsafe.Archive {
	return fuzzIPAWith(t, zip.Store, info, exe, resources, profile)
}

// fuzzIPAWith is fuzzIPA with the executable compressed by method.
func fuzzIPAWith(t testing.TB, method uint16, info, exe, resources, profile []byte) *zipsafe.Archive {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		if data == nil {
			return
		}
		m := zip.Store
		if name == "A" {
			m = method
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: "Payload/A.app/" + name, Method: m})
		if err == nil {
			_, err = f.Write(data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	add("Info.plist", info)
	add("A", exe)
	add("_CodeSignature/CodeResources", resources)
	add("embedded.mobileprovision", profile)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a, err := zipsafe.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSynthIPA(t *testing.T) {
	m, err := Inspect(context.Background(), fuzzIPA(t, []byte(fuzzInfo), codesigntest.Synth(codesigntest.CPUARM64, 9000, nil), nil, nil))
	if err != nil || !m.AdHoc || len(m.Executable.Slices) != 1 {
		t.Fatalf("Inspect = %+v, %v", m, err)
	}
}

// FuzzInspect: arbitrary Info.plist, executable, CodeResources and profile
// contents inside a well-formed IPA end in a measurement that encodes as
// JSON or a typed error, never a panic.
func FuzzInspect(f *testing.F) {
	exe := codesigntest.Synth(codesigntest.CPUARM64, 9000, nil)
	f.Add([]byte(fuzzInfo), exe, []byte(nil), []byte(nil))
	f.Add([]byte(fuzzInfo), codesigntest.Fat(exe, codesigntest.Synth(codesigntest.CPUX86_64, 500, nil)),
		[]byte(`<plist><dict><key>files2</key><dict><key>x</key><dict><key>hash2</key><data>AA==</data></dict></dict></dict></plist>`), []byte("x"))
	f.Fuzz(func(t *testing.T, info, exe, resources, profile []byte) {
		a := fuzzIPA(t, info, exe, resources, profile)
		var m *Measurement
		var err error
		n := alloctest.Bytes(func() { m, err = Inspect(context.Background(), a) })
		if size := uint64(a.Size()); n > 64*size+4<<20 {
			t.Fatalf("inspecting %d bytes allocated %d", size, n)
		}
		if err != nil && fault.KindOf(err) != fault.Invalid {
			t.Fatalf("untyped error: %v", err)
		}
		if err == nil && m == nil {
			t.Fatal("no measurement and no error")
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("measurement does not encode: %v", err)
		}
	})
}

// FuzzStreamedExecutable: a deflated executable checked in one streamed
// pass (pages from the parse pass's digests) gets the verdict and record
// it gets when inflated into memory and read twice.
func FuzzStreamedExecutable(f *testing.F) {
	exe := codesigntest.Synth(codesigntest.CPUARM64, 9000, nil)
	f.Add(exe)
	f.Add(codesigntest.Fat(exe, codesigntest.Synth(codesigntest.CPUX86_64, 500, nil)))
	f.Fuzz(func(t *testing.T, exe []byte) {
		a := fuzzIPAWith(t, zip.Deflate, []byte(fuzzInfo), exe, nil, nil)
		streamed := DefaultLimits()
		streamed.MaxInflatedInMemory = 0
		m1, err1 := InspectWith(context.Background(), a, streamed)
		m2, err2 := InspectWith(context.Background(), a, DefaultLimits())
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("streamed: %v; in memory: %v", err1, err2)
		}
		j1, _ := json.Marshal(m1)
		j2, _ := json.Marshal(m2)
		if err1 == nil && !bytes.Equal(j1, j2) {
			t.Fatalf("records differ:\n%s\n%s", j1, j2)
		}
	})
}

// TestNestedDiscovery: nested code is found at any depth, dylibs only
// directly in Frameworks/.
func TestNestedDiscovery(t *testing.T) {
	exe := codesigntest.Synth(codesigntest.CPUARM64, 5000, nil)
	plist := func(id, exe string) []byte {
		return []byte(`<plist><dict><key>CFBundleIdentifier</key><string>` + id +
			`</string><key>CFBundleExecutable</key><string>` + exe + `</string></dict></plist>`)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{
		"Info.plist": []byte(fuzzInfo), "A": exe,
		"PlugIns/W.appex/Info.plist": plist("w", "W"), "PlugIns/W.appex/W": exe,
		"PlugIns/W.appex/Frameworks/F.framework/Info.plist": plist("f", "F"),
		"PlugIns/W.appex/Frameworks/F.framework/F":          exe,
		"Frameworks/libx.dylib":                             exe,
		"Resources/Frameworks/readme.txt":                   []byte("not code"),
	} {
		f, err := w.CreateHeader(&zip.FileHeader{Name: "Payload/A.app/" + name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	a, err := zipsafe.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), zipsafe.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Inspect(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range m.Nested {
		got = append(got, n.Path+"|"+n.BundleID)
	}
	want := []string{"Frameworks/libx.dylib|", "PlugIns/W.appex/W|w", "PlugIns/W.appex/Frameworks/F.framework/F|f"}
	if !slices.Equal(got, want) {
		t.Fatalf("nested = %v, want %v", got, want)
	}
}
