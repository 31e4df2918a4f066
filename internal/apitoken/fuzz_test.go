package apitoken_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"
	"github.com/approov-cli/approov/internal/apitoken"
)

// Run with: go test -run XXX -fuzz '^FuzzCheck$' -fuzztime 60s ./internal/apitoken/
//
// The committed seeds (testdata/fuzz/FuzzCheck) are the tokens fuzzSeeds
// makes; TestFuzzSeedsAreCommitted keeps them in step (-update rewrites them).
func FuzzCheck(f *testing.F) {
	f.Add("", "")
	f.Add("a.b.c", "x")
	f.Fuzz(func(t *testing.T, token, bind string) {
		opts := apitoken.CheckOptions{Now: t0}
		if bind != "" {
			opts.Bind = []byte(bind)
		}
		var rep apitoken.Report
		var err error
		alloctest.Bound(t, len(token)+len(bind), 64, 1<<20, func() { rep, err = apitoken.Check(token, testSecret, opts) })
		checkReport(t, rep, err)
		if err != nil {
			checkInvalid(t, err)
			return
		}
		if _, err := apitoken.Check(token, []byte("another-account-secret-000000000"), opts); err == nil {
			t.Fatal("a token valid under one secret is valid under another")
		}
	})
}

func checkReport(t *testing.T, rep apitoken.Report, err error) {
	t.Helper()
	if rep.Valid != (err == nil) || (err != nil && rep.Problem != err.Error()) {
		t.Fatalf("report %+v disagrees with error %v", rep, err)
	}
	out, jerr := json.Marshal(rep)
	if jerr != nil || strings.Contains(string(out), string(testSecret)) {
		t.Fatalf("report JSON %s (%v)", out, jerr)
	}
}

var update = flag.Bool("update", false, "rewrite the committed fuzz seed corpus")

// fuzzSeeds are valid tokens of each shape and the attacks the tests refuse.
func fuzzSeeds(t *testing.T) map[string][2]string {
	seeds := map[string][2]string{}
	for _, kid := range []string{"", "0001"} {
		for _, bind := range []string{"", "Bearer abc"} {
			opts := apitoken.ExampleOptions{Now: t0}
			if bind != "" {
				opts.Bind = []byte(bind)
			}
			tok, err := apitoken.Example(testSecret, kid, opts)
			if err != nil {
				t.Fatal(err)
			}
			seeds[fmt.Sprintf("valid_kid%q_bind%t", kid, bind != "")] = [2]string{tok, bind}
		}
	}
	seeds["none"] = [2]string{b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + b64.EncodeToString([]byte(goodPayload)) + ".", ""}
	seeds["rs256_labelled"] = [2]string{forge(`{"alg":"RS256"}`, goodPayload, testSecret), ""}
	seeds["expired"] = [2]string{forge(hs256Header, `{"exp":1796126399}`, testSecret), ""}
	seeds["claims_of_every_type"] = [2]string{forge(`{"alg":"HS256","crit":[]}`, `{"exp":1e10,"nbf":"x","aud":["a"],"anno":{"a":[1,null,true]}}`, testSecret), "x"}
	return seeds
}

func TestFuzzSeedsAreCommitted(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzCheck")
	for name, seed := range fuzzSeeds(t) {
		name = strings.NewReplacer(`"`, "", " ", "_").Replace(name)
		want := "go test fuzz v1\nstring(" + strconv.Quote(seed[0]) + ")\nstring(" + strconv.Quote(seed[1]) + ")\n"
		path := filepath.Join(dir, name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("seed %s is not committed or out of date (go test -run TestFuzzSeeds -update): %v", path, err)
		}
	}
}
