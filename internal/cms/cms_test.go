package cms

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"github.com/smallstep/pkcs7"
)

// seed reads a committed `go test fuzz v1` corpus file holding one []byte.
func seed(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(raw), "\n", 2)
	body := strings.TrimSpace(lines[1])
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// The smallstep/pkcs7 BER-to-DER conversion took 77 s and gigabytes on this
// 4 KiB input found by fuzzing; the structure check must refuse it first.
func TestParseRefusesTheSlowBERInput(t *testing.T) {
	in := seed(t, "pkcs7-ber2der-slow")
	if err := CheckBER(in); err == nil {
		t.Fatal("CheckBER accepted the input that stalls pkcs7.Parse")
	}
	if _, err := Parse(in); err == nil {
		t.Fatal("Parse accepted it")
	}
}

func TestParseRejectsOversizeAndGarbage(t *testing.T) {
	if _, err := Parse(make([]byte, MaxSize+1)); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversize: %v", err)
	}
	for _, in := range [][]byte{nil, {0x30}, {0x30, 0x03, 0x02, 0x01, 0x01}, []byte("not asn1")} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}

// FuzzParse: any input parses or fails with a one-line error, never a
// panic, and costs allocation in proportion to its size (smallstep/pkcs7's
// BER-to-DER pass re-encodes every nesting level).
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var p7 *pkcs7.PKCS7
		var err error
		alloctest.Bound(t, len(b), 64, 1<<20, func() { p7, err = Parse(b) })
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if p7 == nil {
			t.Fatal("nil result without error")
		}
	})
}
