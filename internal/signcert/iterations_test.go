package signcert

import (
	"os"
	"slices"
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
