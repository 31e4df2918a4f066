package apitoken_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/apitoken"
)

func TestReportExplainsEveryClaim(t *testing.T) {
	payload := `{"exp":1796130000,"ip":"1.2.3.4","did":"d1","pay":"w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY=",` +
		`"iss":"acme.approov.io","sub":"com.acme.app","aud":"api.acme.com","ipk":"MFkw","anno":["debug"],"zz":"\u202e\u001b[31m"}`
	tok := forge(`{"alg":"HS256","typ":"JWT","kid":"0001"}`, payload, testSecret)
	rep, err := apitoken.Check(tok, testSecret, apitoken.CheckOptions{Now: t0.Add(59*time.Minute + 30*time.Second), Bind: []byte("Bearer abc")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExpiresInSeconds != 30 || !rep.ExpiresAt.Equal(t0.Add(time.Hour)) || rep.Binding != apitoken.Matches {
		t.Fatalf("report %+v", rep)
	}
	names := []string{}
	for _, c := range rep.Claims {
		names = append(names, c.Name)
		if c.Meaning == "" {
			t.Errorf("claim %s has no meaning", c.Name)
		}
	}
	if got := strings.Join(names, ","); got != "exp,ip,did,pay,iss,sub,aud,ipk,anno,zz" {
		t.Fatalf("claims in order %s", got)
	}
	wantNotes := map[string]string{"exp": "2026-12-01T13:00:00Z: expires in 30s", "pay": "matches the given data"}
	for _, c := range rep.Claims {
		if c.Note != wantNotes[c.Name] {
			t.Errorf("claim %s note %q, want %q", c.Name, c.Note, wantNotes[c.Name])
		}
	}
	last := rep.Claims[len(rep.Claims)-1]
	if last.Meaning != "not a claim the Approov service sets" || last.Value != `"\u202e\u001b[31m"` {
		t.Fatalf("unknown claim %+v", last)
	}
	if h := rep.Header; len(h) != 3 || h[0].Name != "alg" || h[1].Name != "typ" || h[2].Name != "kid" || h[2].Value != `"0001"` {
		t.Fatalf("header %+v", h)
	}
}

func TestReportNotes(t *testing.T) {
	tok := forge(hs256Header, `{"exp":1796126390,"ip":"nowhere","pay":"x"}`, testSecret)
	rep, err := apitoken.Check(tok, testSecret, apitoken.CheckOptions{Now: t0})
	checkInvalid(t, err)
	notes := map[string]string{}
	for _, c := range rep.Claims {
		notes[c.Name] = c.Note
	}
	want := map[string]string{
		"exp": "2026-12-01T11:59:50Z: expired 10s ago",
		"ip":  "not an IP address",
		"pay": "not checked: no data was given to check the binding against",
	}
	for k, v := range want {
		if notes[k] != v {
			t.Errorf("note of %s = %q, want %q", k, notes[k], v)
		}
	}
	if rep.ExpiresInSeconds != -10 || rep.Problem == "" || rep.Valid {
		t.Fatalf("report %+v", rep)
	}
}

// The report of an unverifiable token still shows what it claims; the JSON
// form never holds the secret or the signature.
func TestReportJSON(t *testing.T) {
	tok, err := apitoken.Example(testSecret, "k1", apitoken.ExampleOptions{Now: t0, Type: apitoken.Invalid})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := apitoken.Check(tok, testSecret, apitoken.CheckOptions{Now: t0})
	checkInvalid(t, err)
	out, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	sig := tok[strings.LastIndex(tok, ".")+1:]
	if strings.Contains(string(out), string(testSecret)) || strings.Contains(string(out), sig) {
		t.Fatalf("report JSON shows the secret or signature: %s", out)
	}
	for _, want := range []string{`"valid":false`, `"problem":"the signature does not match`, `"expires_in_seconds":3600`, `"binding":"not-bound"`, `"name":"did","value":"\"ExampleApproovTokenDID==\""`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("report JSON lacks %s:\n%s", want, out)
		}
	}
}

func TestReportBoundsValues(t *testing.T) {
	long := strings.Repeat("é", 2000)
	tok := forge(hs256Header, `{"exp":1796130000,"did":"`+long+`","`+strings.Repeat("n", 100)+`":1}`, testSecret)
	rep, err := apitoken.Check(tok, testSecret, apitoken.CheckOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Claims {
		if len(c.Value) > 300 || len(c.Name) > 90 {
			t.Fatalf("claim %q value is %d bytes", c.Name, len(c.Value))
		}
		for _, r := range c.Value + c.Name {
			if r > 0x7e && r != '…' {
				t.Fatalf("claim %q carries non-ASCII %q", c.Name, r)
			}
		}
	}
}
