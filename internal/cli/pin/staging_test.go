package pin

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

const testPin = "YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg="

func stagedSet(t *testing.T, version uint64) *pins.PinSet {
	t.Helper()
	p, _, err := pins.Parse(testPin)
	if err != nil {
		t.Fatal(err)
	}
	return &pins.PinSet{Schema: pins.SchemaVersion, BaseVersion: version, Domains: []pins.Domain{{Name: "api.example.com",
		Pins: []pins.PinEntry{{SHA256: p, Label: pins.Primary, Type: pins.Leaf}}}}}
}

func TestStagingRoundTrip(t *testing.T) {
	home := filepath.Join(t.TempDir(), ".approov")
	repo := t.TempDir()
	for name, st := range map[string]*Staging{
		"home": {Home: home, Account: "acme"},
		"file": {Home: home, Account: "acme", File: filepath.Join(repo, "pins.json")},
	} {
		t.Run(name, func(t *testing.T) {
			empty, err := st.Load()
			if err != nil || empty.Base.BaseVersion != 0 || len(empty.Work.Domains) != 0 {
				t.Fatalf("missing area = %+v, %v; want empty at version 0", empty, err)
			}
			err = st.Update(context.Background(), func(s *Staged) error {
				s.Base, s.Work = stage.Clone(nil), stagedSet(t, 0)
				s.Base.BaseVersion = 7
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Load()
			if err != nil || got.Base.BaseVersion != 7 || got.Work.BaseVersion != 7 || !stage.Equal(got.Work, stagedSet(t, 0)) {
				t.Fatalf("loaded %+v, %v", got, err)
			}
		})
	}
	if fi, err := os.Stat(filepath.Join(home, "staging", "acme.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("staging file: %v, %v; want mode 0600", fi, err)
	}
	if _, err := os.Stat(filepath.Join(repo, "pins.json.base")); err != nil {
		t.Fatalf("--file keeps no base beside it: %v", err)
	}
}

func TestStagingRefusesDamage(t *testing.T) {
	home := filepath.Join(t.TempDir(), ".approov")
	st := &Staging{Home: home, Account: "acme"}
	if _, err := st.Load(); err != nil { // creates the directory
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"not json":      "{",
		"unknown field": `{"account":"acme","base":{"schema":1,"domains":[]},"work":{"schema":1,"domains":[]},"x":1}`,
		"no work":       `{"account":"acme","base":{"schema":1,"domains":[]}}`,
		"invalid pin":   `{"account":"acme","base":{"schema":1,"domains":[]},"work":{"schema":1,"domains":[{"domain":"a.example","pins":[{"sha256":"AAAA","label":"primary","type":"leaf"}]}]}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(home, "staging", "acme.json"), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Load(); fault.KindOf(err) != fault.Invalid {
				t.Fatalf("Load = %v, want an invalid error", err)
			}
		})
	}
}

// A pin-set file written by hand (no FILE.base) counts as based on nothing
// at its base_version: every domain is a staged change.
func TestStagingFileWithoutBase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pins.json")
	if err := writeAtomic(path, stagedSet(t, 3)); err != nil {
		t.Fatal(err)
	}
	got, err := (&Staging{File: path, Account: "acme"}).Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Base.BaseVersion != 3 || len(got.Base.Domains) != 0 || len(stage.Compare(got.Base, got.Work).Domains) != 1 {
		t.Fatalf("loaded %+v", got)
	}
}

func FuzzStagingLoad(f *testing.F) {
	f.Add([]byte(`{"account":"acme","base":{"schema":1,"base_version":2,"domains":[]},"work":{"schema":1,"base_version":2,"domains":[]}}`))
	f.Add([]byte(`{"account":"acme","base":null,"work":{}}`))
	f.Add([]byte(`[]`))
	home := filepath.Join(f.TempDir(), ".approov")
	st := &Staging{Home: home, Account: "acme"}
	if _, err := st.Load(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(home, "staging", "acme.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := st.Load()
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("error of kind %s: %v", fault.KindOf(err), err)
			}
			return
		}
		if stage.Validate(s.Base) != nil || stage.Validate(s.Work) != nil {
			t.Fatalf("accepted an invalid staging area: %+v", s)
		}
	})
}
