package signcert

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestIterationCounts: the walk finds every count keytool and openssl write:
// the certificate safe's PBES2 parameters, the shrouded key's, and the MAC's
// (openssl pkcs12 -info lists the same), and legacy PBE parameters.
func TestIterationCounts(t *testing.T) {
	for file, want := range map[string][]uint64{
		"iterations.p12":     {3002, 3001, 3003},
		"release-legacy.p12": {50000, 50000, 100000},
		"openssl-aes.p12":    {2048, 2048, 2048},
	} {
		data, err := os.ReadFile("../../testdata/appsigncert/" + file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := iterationCounts(data)
		slices.Sort(got)
		slices.Sort(want)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v %v, want %v", file, got, err, want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want uint64
		ok   bool
	}{
		{[]byte{0x08, 0x00}, 2048, true},
		{[]byte{0x00, 0x80}, 128, true},
		{[]byte{0x80}, 0, false},
		{nil, 0, false},
		{[]byte{0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ^uint64(0), true},
		{[]byte{0x01, 0, 0, 0, 0, 0, 0, 0, 0}, ^uint64(0), true},
	} {
		if got, ok := count(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("count(% x) = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestWalkLimits(t *testing.T) {
	deep := []byte{0x02, 0x01, 0x01}
	for range maxWalkDepth + 2 {
		deep = append([]byte{0x30, byte(len(deep))}, deep...)
		if len(deep) > 120 {
			break
		}
	}
	if _, err := iterationCounts(deep); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("deep: %v", err)
	}
	wide := bytes.Repeat([]byte{0x05, 0x00}, maxWalkElements+1) // NULLs
	wide = append([]byte{0x30, 0x83, byte(len(wide) >> 16), byte(len(wide) >> 8), byte(len(wide))}, wide...)
	if _, err := iterationCounts(wide); err == nil || !strings.Contains(err.Error(), "elements") {
		t.Errorf("wide: %v", err)
	}
}
