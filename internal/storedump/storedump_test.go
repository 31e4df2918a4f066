package storedump_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/storedump"
)

func sample() *storedump.Dump {
	d := storedump.New("acme")
	d.Add(store.Users, "acme\x00bob@example.com", []byte(`{"email":"bob@example.com"}`))
	d.Add(store.Accounts, "acme", []byte(`{"id":"acme"}`))
	d.Add(store.Expiry, "00000000001700000000\x00sessions\x00s1", nil)
	return d
}

func encoded(t testing.TB, d *storedump.Dump) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := storedump.Encode(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip: Encode sorts the records and writes an empty value as
// "", and what it writes parses back to bytes that encode the same.
func TestRoundTrip(t *testing.T) {
	raw := encoded(t, sample())
	d, err := storedump.Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if d.Records[0].Bucket != store.Accounts || d.Records[1].Bucket != store.Expiry || len(d.Records[1].Value) != 0 {
		t.Fatalf("records %+v", d.Records)
	}
	if again := encoded(t, d); !bytes.Equal(again, raw) {
		t.Fatalf("re-encoded:\n%s\nwant:\n%s", again, raw)
	}
	if !strings.Contains(string(raw), `"key": "acme\u0000bob@example.com"`) {
		t.Fatalf("keys are not readable strings:\n%s", raw)
	}
}

func TestParseRefuses(t *testing.T) {
	good := string(encoded(t, sample()))
	swap := func(old, new string) string { return strings.Replace(good, old, new, 1) }
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", "truncated"},
		{"truncated", good[:len(good)/2], "truncated"},
		{"not JSON", "approov\n", "not JSON"},
		{"trailing data", good + "{}", "after the end"},
		{"other format", swap(storedump.Format, "pg_dump"), "not an approov account dump"},
		{"newer version", swap(`"version": 1`, `"version": 2`), "newer than this approovd's"},
		{"version zero", swap(`"version": 1`, `"version": 0`), "unknown version 0"},
		{"version as text", swap(`"version": 1`, `"version": "1"`), `field "version"`},
		{"other store format", swap(`"store_format": "1"`, `"store_format": "0"`), "store format"},
		{"bad account", swap(`"account": "acme"`, `"account": "../etc"`), "invalid account name"},
		{"unknown field", swap(`"account": "acme"`, `"account": "acme", "extra": 1`), "unknown field"},
		{"unknown bucket", swap(`"bucket": "users"`, `"bucket": "zzz"`), "unknown bucket"},
		{"empty key", swap(`"key": "acme"`, `"key": ""`), "key empty"},
		{"null value", swap(`"value": ""`, `"value": null`), "no value"},
		{"value not base64", swap(`"value": ""`, `"value": "!!"`), "value"},
		{"out of order", swap(`"bucket": "accounts"`, `"bucket": "users"`), "out of order"},
	} {
		_, err := storedump.Parse(strings.NewReader(tt.in))
		if err == nil || fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v (kind %v), want a one-line invalid error with %q", tt.name, err, fault.KindOf(err), tt.want)
		}
	}
}

func TestParseBounds(t *testing.T) {
	d := sample()
	d.Add(store.Pins, "acme\x00"+strings.Repeat("k", storedump.MaxKey), nil)
	if err := storedump.Encode(&bytes.Buffer{}, d); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("long key: %v", err)
	}
	d = sample()
	d.Add(store.Pins, "acme\x00v", make([]byte, storedump.MaxValue+1))
	if err := storedump.Encode(&bytes.Buffer{}, d); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("large value: %v", err)
	}
}

// FuzzParse: any input is refused with a one-line invalid error or
// accepted, and an accepted dump encodes to bytes that parse back and
// encode the same (what makes dump → restore → dump byte-identical).
func FuzzParse(f *testing.F) {
	good := encoded(f, sample())
	f.Add(good)
	f.Add(good[:len(good)-20])
	f.Add([]byte(`{"format":"approov-account-dump","version":1,"store_format":"1","account":"acme","records":[]}`))
	f.Add([]byte(`{"format":"approov-account-dump","version":1,"store_format":"1","account":"acme","records":[{"bucket":"users","key":"\u0000","value":"AA=="}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := storedump.Parse(bytes.NewReader(in))
		if err != nil {
			if fault.KindOf(err) != fault.Invalid || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q (kind %v)", err, fault.KindOf(err))
			}
			return
		}
		raw := encoded(t, d)
		d2, err := storedump.Parse(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("encoded dump refused: %v", err)
		}
		if again := encoded(t, d2); !bytes.Equal(again, raw) {
			t.Fatal("not canonical")
		}
	})
}
