package plists

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/approov-cli/approov/internal/fault"
)

const xmlInfo = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>CFBundleIdentifier</key><string>com.example</string>
<key>List</key><array><integer>1</integer><data>AAE=</data><date>2026-01-01T00:00:00Z</date></array></dict></plist>`

// bplistDAG builds a binary plist of n nested arrays, each holding the next
// one twice: n+1 objects that expand to 2^(n+1)-1 values.
func bplistDAG(n int) []byte {
	b := []byte("bplist00")
	var offsets []int
	for i := 0; i < n; i++ { // object i = [i+1, i+1]
		offsets = append(offsets, len(b))
		b = append(b, 0xA2, byte(i+1), byte(i+1))
	}
	offsets = append(offsets, len(b))
	b = append(b, 0x09) // true
	table := len(b)
	for _, o := range offsets {
		b = binary.BigEndian.AppendUint16(b, uint16(o))
	}
	t := make([]byte, 32)
	t[6], t[7] = 2, 1
	binary.BigEndian.PutUint64(t[8:], uint64(len(offsets)))
	binary.BigEndian.PutUint64(t[24:], uint64(table))
	return append(b, t...)
}

func TestDecode(t *testing.T) {
	var v map[string]any
	if err := Decode([]byte(xmlInfo), &v, "Info.plist", DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	if v["CFBundleIdentifier"] != "com.example" {
		t.Fatalf("decoded %v", v)
	}
	j := JSON(v).(map[string]any)["List"].([]any)
	if j[1] != "0001" || j[2] != "2026-01-01T00:00:00Z" {
		t.Fatalf("JSON form %v", j)
	}
	var arr []any
	if err := Decode(bplistDAG(10), &arr, "small DAG", DefaultLimits()); err != nil {
		t.Fatalf("a small shared binary plist is fine: %v", err)
	}
	var reals map[string]any
	if err := Decode([]byte(`<plist><dict><key>a</key><real>nan</real><key>b</key><real>-inf</real></dict></plist>`), &reals, "reals", DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(JSON(reals)); err != nil {
		t.Fatalf("JSON form of NaN/Inf does not encode: %v", err)
	}
	if d := Depth(map[string]any{"a": []any{map[string]any{}}}); d != 3 {
		t.Fatalf("Depth = %d, want 3", d)
	}
}

func TestDecodeRejects(t *testing.T) {
	lim := DefaultLimits()
	deep := strings.Repeat("<array>", 100) + strings.Repeat("</array>", 100)
	cyclic := bplistDAG(3)
	cyclic[8+3*2+1] = 0 // the last array refers back to the first
	tests := []struct {
		name, data, want string
	}{
		{"too large", strings.Repeat(" ", lim.MaxSize+1), "larger than"},
		{"openstep", `{ a = b; }`, "not an XML or binary property list"},
		{"deep xml", `<plist>` + deep + `</plist>`, "nested too deeply"},
		{"unclosed xml", `<plist><dict>`, "not a valid property list"},
		{"bad xml", `<plist><a b=></plist>`, "malformed XML"},
		{"shared bomb", string(bplistDAG(60)), "nested too deeply"},
		{"cycle", string(cyclic), "refers to itself"},
		{"bad trailer", "bplist00" + strings.Repeat("\xff", 40), "malformed binary"},
		{"not a plist", `<html></html>`, "not a valid property list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			err := Decode([]byte(tt.data), &v, "x", lim)
			if err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want invalid containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeWideBomb(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxDepth = 64
	var v any
	err := Decode(bplistDAG(40), &v, "x", lim)
	if err == nil || !strings.Contains(err.Error(), "too many values") {
		t.Fatalf("error = %v, want too many values", err)
	}
}

// FuzzDecode: any input decodes or fails with a typed error; the decoded
// value stays within the limits. Seeds in testdata/fuzz/FuzzDecode are the
// fixtures' XML and binary Info.plist, entitlements and CodeResources.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(xmlInfo))
	f.Add(bplistDAG(5))
	f.Add(bplistDAG(19))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxSize: 1 << 20, MaxDepth: 16, MaxValues: 10000}
		var v any
		var err error
		alloctest.Bound(t, len(data), 64, 1<<20, func() { err = Decode(data, &v, "fuzz", lim) })
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if d := Depth(v); d > lim.MaxDepth+1 {
			t.Fatalf("decoded depth %d beyond the limit", d)
		}
		if _, err := json.Marshal(JSON(v)); err != nil {
			t.Fatalf("JSON form does not encode: %v", err)
		}
	})
}
