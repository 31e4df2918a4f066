package pins_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

const goodPin = "29Fvxv+durZ2LqzzDU6bq1JZHNvx40kQJj32Fs9gEm4="

func TestParseAccepts(t *testing.T) {
	raw := mustParse(t, goodPin)
	hexPin := hex.EncodeToString(raw[:])
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(goodPin)
	tests := []struct {
		name, in, warn string
	}{
		{"bare", goodPin, ""},
		{"okhttp", "sha256/" + goodPin, ""},
		{"okhttp upper", "SHA256/" + goodPin, ""},
		{"hpkp", `pin-sha256="` + goodPin + `"`, ""},
		{"no padding", strings.TrimRight(goodPin, "="), ""},
		{"spaces", "  " + goodPin + "\n", ""},
		{"hex", hexPin, ""},
		{"hex upper with colons", colons(strings.ToUpper(hexPin)), ""},
		{"url-safe", urlSafe, "URL-safe"},
		{"url-safe okhttp", "sha256/" + urlSafe, "URL-safe"},
		{"placeholder A", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "placeholder"},
		{"placeholder B", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=", "placeholder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, warns, err := pins.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tt.name, "placeholder") && p != raw {
				t.Errorf("parsed %s, want %s", p, raw)
			}
			joined := strings.Join(warns, "\n")
			if tt.warn == "" && joined != "" || !strings.Contains(joined, tt.warn) {
				t.Errorf("warnings %q, want %q", joined, tt.warn)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"empty after prefix", "sha256/", "empty"},
		{"sha1 prefix", "sha1/" + strings.Repeat("A", 27) + "=", "SHA-1"},
		{"sha1 length", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "SHA-1"},
		{"sha1 hex", strings.Repeat("ab", 20), "SHA-1"},
		{"empty-input hash", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "empty input"},
		{"empty-input hash okhttp", "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "openssl rsa"},
		{"empty-input hash hex", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty input"},
		{"short", "AAAA", "decodes to 3 bytes"},
		{"long", goodPin + goodPin, "neither base64"},
		{"bad char", "29Fvxv+durZ2LqzzDU6bq1JZHNvx40kQJj32Fs9gEm4!", "neither base64"},
		{"mixed alphabets", "29Fvxv+durZ2LqzzDU6bq1JZHNvx40kQJj32Fs9gE_4=", "mixes"},
		{"too much padding", strings.TrimRight(goodPin, "=") + "===", "padding"},
		{"sha512", "sha512/" + goodPin, "unsupported pin algorithm"},
		{"md5", "md5:" + goodPin, "unsupported pin algorithm"},
		{"huge", strings.Repeat("A", 10000), "characters long"},
		{"control chars", "\x1b[31m" + goodPin, "neither base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := pins.Parse(tt.in)
			if err == nil {
				t.Fatal("accepted")
			}
			if fault.KindOf(err) != fault.Invalid {
				t.Errorf("kind %v", fault.KindOf(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if strings.ContainsAny(err.Error(), "\x1b\n") {
				t.Errorf("error has control characters: %q", err)
			}
		})
	}
}

func TestPinText(t *testing.T) {
	p := mustParse(t, goodPin)
	if p.OkHttp() != "sha256/"+goodPin {
		t.Errorf("okhttp form %s", p.OkHttp())
	}
	var q pins.Pin
	if err := q.UnmarshalText([]byte(goodPin)); err != nil || q != p {
		t.Errorf("round trip: %v", err)
	}
	if err := q.UnmarshalText([]byte("sha256/" + goodPin)); err == nil {
		t.Error("non-canonical text accepted by UnmarshalText")
	}
}

func mustParse(t *testing.T, s string) pins.Pin {
	t.Helper()
	p, _, err := pins.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func colons(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
