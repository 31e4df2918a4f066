package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/store"
)

func goodMeasurement() api.Measurement {
	return api.Measurement{Format: "apk", AppID: "com.example.app", VersionCode: 3, Version: "1.3", Scheme: "v2",
		Signers: []string{strings.Repeat("ab", 32)}, Digests: []string{"CHUNKED_SHA256:" + strings.Repeat("01", 32)},
		FileSHA256: strings.Repeat("cd", 32), FileName: "app.apk"}
}

func TestValidMeasurement(t *testing.T) {
	ipa := api.Measurement{Format: "ipa", AppID: "com.example.ios", Version: "2.0", Build: "41", TeamID: "ABCDE12345",
		Signers: []string{}, Digests: []string{"cdhash-sha256:" + strings.Repeat("ef", 32)}, FileSHA256: strings.Repeat("cd", 32), FileName: "App.ipa"}
	tests := []struct {
		name string
		mod  func(*api.Measurement)
		ok   bool
	}{
		{"good APK", func(*api.Measurement) {}, true},
		{"good ad-hoc IPA", func(m *api.Measurement) { *m = ipa }, true},
		{"AAB without scheme", func(m *api.Measurement) { m.Format, m.Scheme = "aab", "" }, true},
		{"AAB with scheme", func(m *api.Measurement) { m.Format = "aab" }, false},
		{"IPA with version code", func(m *api.Measurement) { *m = ipa; m.VersionCode = 1 }, false},
		{"IPA with two signers", func(m *api.Measurement) {
			*m = ipa
			m.Signers = []string{strings.Repeat("ab", 32), strings.Repeat("ac", 32)}
		}, false},
		{"lower-case team id", func(m *api.Measurement) { *m = ipa; m.TeamID = "abcde12345" }, false},
		{"negative version code", func(m *api.Measurement) { m.VersionCode = -1 }, false},
		{"odd hex", func(m *api.Measurement) { m.Digests = []string{"sha256:" + strings.Repeat("a", 41)} }, false},
		{"long digest", func(m *api.Measurement) { m.Digests = []string{"sha256:" + strings.Repeat("ab", 65)} }, false},
		{"17 digests", func(m *api.Measurement) { m.Digests = make([]string, 17) }, false},
		{"invalid UTF-8 version", func(m *api.Measurement) { m.Version = "\xff" }, false},
		{"long version", func(m *api.Measurement) { m.Version = strings.Repeat("1", 129) }, false},
		{"backslash file name", func(m *api.Measurement) { m.FileName = `a\b.apk` }, false},
		{"empty file name", func(m *api.Measurement) { m.FileName = "" }, false},
		{"space in app id", func(m *api.Measurement) { m.AppID = "com example" }, false},
	}
	for _, tt := range tests {
		m := goodMeasurement()
		tt.mod(&m)
		_, err := validMeasurement(m)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestMeasurementID: the id depends on the build, not on the file's name
// or hash, nor on the order of signers and digests.
func TestMeasurementID(t *testing.T) {
	a, _ := validMeasurement(goodMeasurement())
	renamed := goodMeasurement()
	renamed.FileName, renamed.FileSHA256 = "other.apk", strings.Repeat("ee", 32)
	b, _ := validMeasurement(renamed)
	two := goodMeasurement()
	two.Signers = []string{strings.Repeat("ff", 32), strings.Repeat("ab", 32)}
	swapped := goodMeasurement()
	swapped.Signers = []string{strings.Repeat("ab", 32), strings.Repeat("ff", 32)}
	c, _ := validMeasurement(two)
	d, _ := validMeasurement(swapped)
	newer := goodMeasurement()
	newer.VersionCode = 4
	e, _ := validMeasurement(newer)
	if measurementID(a) != measurementID(b) || measurementID(c) != measurementID(d) || len(measurementID(a)) != 16 {
		t.Fatalf("ids differ for the same build: %s %s %s %s", measurementID(a), measurementID(b), measurementID(c), measurementID(d))
	}
	if measurementID(a) == measurementID(e) || measurementID(a) == measurementID(c) {
		t.Fatal("different builds share an id")
	}
}

// TestRegistered: the decision the token service will call, on every path.
func TestRegistered(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	st, err := store.CreateBolt(filepath.Join(t.TempDir(), "s.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st, Options{Now: func() time.Time { return now }})
	der, digest := testCert(t)
	m, _ := validMeasurement(goodMeasurement())
	signed := goodMeasurement()
	signed.Signers, signed.Digests = []string{digest}, []string{"CHUNKED_SHA256:" + strings.Repeat("02", 32)}
	signed, _ = validMeasurement(signed)
	put := func(b store.Bucket, key string, v any) {
		if err := st.Update(context.Background(), func(tx store.Tx) error { return putJSON(tx, b, key, v) }); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, m api.Measurement, want bool, why string) {
		t.Helper()
		_ = st.View(context.Background(), func(tx store.Tx) error {
			got, ok, err := s.registered(tx, "acme", m)
			if err != nil || ok != want || !strings.Contains(got, why) {
				t.Errorf("%s: registered = %q, %v, %v; want %v with %q", name, got, ok, err, want, why)
			}
			return nil
		})
	}
	check("nothing", m, false, "")
	put(store.Registrations, regKey("acme", measurementID(m)), regRec{ID: measurementID(m), Measurement: measureRec(m), ExpiresAt: now.Add(time.Hour)})
	check("registered", m, true, "registration "+measurementID(m))
	put(store.Registrations, regKey("other", measurementID(signed)), regRec{ID: measurementID(signed), Measurement: measureRec(signed)})
	check("another account's registration", signed, false, "")
	now = now.Add(2 * time.Hour)
	check("expired", m, false, "")
	put(store.AppSignCerts, certKey("acme", digest[:16]), certRec{DER: der})
	check("certificate without auto-register", signed, false, "")
	put(store.AppSignCerts, certKey("acme", digest[:16]), certRec{DER: der, AutoRegister: true})
	check("auto-register certificate", signed, true, "auto-register certificate "+digest[:16])
	check("other signer", m, false, "")
}

func testCert(t *testing.T) ([]byte, string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Release"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return der, hex.EncodeToString(sum[:])
}

// FuzzValidMeasurement: any JSON either is refused or gives a canonical
// measurement that validates again unchanged, fits its operation's body
// limit and has a stable 16-digit id.
func FuzzValidMeasurement(f *testing.F) {
	seed, _ := json.Marshal(goodMeasurement())
	f.Add(seed)
	f.Add(maxMeasurement())
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m api.Measurement
		if json.Unmarshal(raw, &m) != nil {
			return
		}
		canon, err := validMeasurement(m)
		if err != nil {
			return
		}
		again, err := validMeasurement(canon)
		if err != nil || measurementID(again) != measurementID(canon) || len(measurementID(canon)) != 16 {
			t.Fatalf("canonical form does not validate again: %v", err)
		}
		body, _ := json.Marshal(api.AddRegistrationRequest{Measurement: canon})
		if len(body) > api.OpRegistrationAdd.MaxBody {
			t.Fatalf("a valid measurement of %d bytes", len(body))
		}
		_ = recordOf(canon)
	})
}

// maxMeasurement is the largest valid measurement: every bound reached,
// with characters JSON escapes six-fold.
func maxMeasurement() []byte {
	m := goodMeasurement()
	m.AppID, m.Version, m.FileName = strings.Repeat("a", api.MaxAppID), strings.Repeat("<", api.MaxVersionText), strings.Repeat("&", api.MaxFileName)
	m.Signers, m.Digests = nil, nil
	for i := range api.MaxSigners {
		m.Signers = append(m.Signers, strings.Repeat(hex.EncodeToString([]byte{byte(i)}), 32))
		m.Digests = append(m.Digests, strings.Repeat("a", api.MaxDigestAlg)+":"+strings.Repeat(hex.EncodeToString([]byte{byte(i)}), 64))
	}
	raw, _ := json.Marshal(m)
	return raw
}

func TestLargestMeasurementFits(t *testing.T) {
	var m api.Measurement
	if err := json.Unmarshal(maxMeasurement(), &m); err != nil {
		t.Fatal(err)
	}
	canon, err := validMeasurement(m)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(api.AddRegistrationRequest{Measurement: canon, ExpireAfter: maxExpireAfter})
	if len(body) > api.OpRegistrationAdd.MaxBody {
		t.Fatalf("the largest valid measurement takes %d bytes, over the %d limit", len(body), api.OpRegistrationAdd.MaxBody)
	}
}
