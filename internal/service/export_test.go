package service_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
	"github.com/approov-cli/approov/internal/store/postgres"
	"github.com/approov-cli/approov/internal/store/postgres/pgtest"
	"github.com/approov-cli/approov/internal/storedump"
)

// exportHarness is acme with an enrolled owner logged in (a session and
// its replay-cache entries), a pending user (a code), and a second
// account, beta, on the same store.
func exportHarness(t testing.TB) *harness {
	h := newHarness(t, nil)
	h.enrol()
	admin, err := h.login("owner@example.com", role.Admin, "pw-admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.b.AddUser(h.ctx, admin, api.AddUserRequest{Email: "bob@example.com", Roles: []role.Role{role.Dev}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.CreateAccount(h.ctx, service.CreateAccountRequest{Name: "beta", FirstUser: "b@example.com"}); err != nil {
		t.Fatal(err)
	}
	err = h.st.Update(h.ctx, func(tx store.Tx) error { // monitoring of both, each with a status page
		for k, v := range map[string]string{"s\x00acme": `{"page_hash":"HA"}`, "p\x00HA": "acme", "h\x00acme\x00api.example.com\x0001": "{}",
			"s\x00beta": `{"page_hash":"HB"}`, "p\x00HB": "beta", "d\x00beta\x00api.example.com": "{}"} {
			if err := tx.Put(store.Monitoring, k, []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func encode(t testing.TB, d *storedump.Dump) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := storedump.Encode(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func export(t testing.TB, svc *service.Service, id string) []byte {
	t.Helper()
	d, err := svc.ExportAccount(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return encode(t, d)
}

func parse(t testing.TB, raw []byte) *storedump.Dump {
	t.Helper()
	d, err := storedump.Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestExportAccount: a dump holds every kind of acme's records and not
// one of beta's.
func TestExportAccount(t *testing.T) {
	h := exportHarness(t)
	d := parse(t, export(t, h.svc, "acme"))
	kinds := map[store.Bucket]int{}
	for _, r := range d.Records {
		kinds[r.Bucket]++
		if strings.Contains(r.Key, "beta") || strings.Contains(string(r.Value), `"beta"`) || string(r.Value) == "beta" {
			t.Errorf("beta's record in acme's dump: %s %q", r.Bucket, r.Key)
		}
	}
	if kinds[store.Monitoring] != 3 {
		t.Errorf("%d monitoring records, want acme's settings, page index and history", kinds[store.Monitoring])
	}
	for _, b := range []store.Bucket{store.Accounts, store.Users, store.Codes, store.Sessions, store.Nonces, store.NonceCounts, store.Expiry, store.Audit} {
		if kinds[b] == 0 {
			t.Errorf("no %s record in the dump (%v)", b, kinds)
		}
	}
	if _, err := h.svc.ExportAccount(h.ctx, "nobody"); fault.KindOf(err) != fault.Usage {
		t.Errorf("export of a missing account: %v", err)
	}
	ids, err := h.svc.AccountIDs(h.ctx)
	if err != nil || strings.Join(ids, ",") != "acme,beta" {
		t.Errorf("AccountIDs = %v, %v", ids, err)
	}
}

// TestImportRoundTrip: restored into a new bolt store and into
// PostgreSQL, a dump dumps again to the same bytes.
func TestImportRoundTrip(t *testing.T) {
	h := exportHarness(t)
	want := export(t, h.svc, "acme")
	bolt, err := store.CreateBolt(filepath.Join(t.TempDir(), "r.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bolt.Close() })
	pg, err := postgres.Create(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	for name, st := range map[string]store.Store{"bolt": bolt, "postgres": pg} {
		svc := service.New(st, service.Options{})
		if err := svc.ImportAccount(h.ctx, parse(t, want), false); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := export(t, svc, "acme"); !bytes.Equal(got, want) {
			t.Errorf("%s: dump after restore differs (%d bytes, want %d)", name, len(got), len(want))
		}
	}
}

// TestImportRefusals: an existing account is kept unless replace; a dump
// touching another account's keys is refused; nothing is written either
// way.
func TestImportRefusals(t *testing.T) {
	h := exportHarness(t)
	raw := export(t, h.svc, "acme")
	before, err := store.Summarize(h.ctx, h.st)
	if err != nil {
		t.Fatal(err)
	}
	beta := parse(t, export(t, h.svc, "beta"))
	var betaCode storedump.Record
	for _, r := range beta.Records {
		if r.Bucket == store.Codes {
			betaCode = r
		}
	}
	stolen := parse(t, raw)
	stolen.Records = append(stolen.Records, storedump.Record{Bucket: store.Users, Key: "beta\x00evil@example.com", Value: []byte("{}")})
	for _, tt := range []struct {
		name    string
		d       *storedump.Dump
		replace bool
		kind    fault.Kind
		want    string
	}{
		{"exists", parse(t, raw), false, fault.Conflict, "account acme already exists"},
		{"another account's user", stolen, true, fault.Invalid, "is not one of account acme's"},
		{"no account record", &storedump.Dump{Account: "acme", Records: beta.Records[1:2]}, true, fault.Invalid, "no account record"},
		{"beta's code under acme", retarget(t, beta, betaCode), true, fault.Conflict, "another account's"},
	} {
		err := h.svc.ImportAccount(h.ctx, tt.d, tt.replace)
		if fault.KindOf(err) != tt.kind || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v (kind %v), want %v %q", tt.name, err, fault.KindOf(err), tt.kind, tt.want)
		}
		if after, _ := store.Summarize(h.ctx, h.st); after != before {
			t.Errorf("%s: the store changed", tt.name)
		}
	}
	if err := h.svc.ImportAccount(h.ctx, parse(t, raw), true); err != nil {
		t.Fatalf("replace: %v", err)
	}
	if got := export(t, h.svc, "acme"); !bytes.Equal(got, raw) {
		t.Error("replace: the account differs from the dump")
	}
}

// retarget is acme's dump with beta's code record renamed to acme: its key
// is held by beta in the store.
func retarget(t *testing.T, beta *storedump.Dump, code storedump.Record) *storedump.Dump {
	d := &storedump.Dump{Account: "acme"}
	acct := beta.Records[0] // accounts sorts first
	d.Records = append(d.Records,
		storedump.Record{Bucket: store.Accounts, Key: "acme", Value: bytes.Replace(acct.Value, []byte(`"id":"beta"`), []byte(`"id":"acme"`), 1)},
		storedump.Record{Bucket: store.Codes, Key: code.Key, Value: bytes.Replace(code.Value, []byte(`"account":"beta"`), []byte(`"account":"acme"`), 1)})
	if !bytes.Contains(d.Records[1].Value, []byte(`"account":"acme"`)) {
		t.Fatalf("code record %s", code.Value)
	}
	return d
}

// FuzzImportAccount: whatever a dump holds, restoring it as acme (with
// --replace) into a store that also holds beta leaves beta exactly as it
// was, and a restore that succeeds dumps back to the same bytes.
func FuzzImportAccount(f *testing.F) {
	h := exportHarness(f)
	acme := export(f, h.svc, "acme")
	beta := export(f, h.svc, "beta")
	f.Add(acme)
	f.Add(beta)
	f.Add(bytes.Replace(acme, []byte(`"account": "acme"`), []byte(`"account": "beta"`), 1))
	f.Add(acme[:len(acme)/3])
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := storedump.Parse(bytes.NewReader(in))
		if err != nil || d.Account != "acme" {
			return
		}
		err = h.svc.ImportAccount(h.ctx, d, true)
		if k := fault.KindOf(err); err != nil && k != fault.Invalid && k != fault.Conflict {
			t.Fatalf("import: %v (kind %v)", err, k)
		}
		if got := export(t, h.svc, "beta"); !bytes.Equal(got, beta) {
			t.Fatal("restoring acme changed beta")
		}
		if err == nil {
			if got := export(t, h.svc, "acme"); !bytes.Equal(got, encode(t, d)) {
				t.Fatal("the restored account dumps differently")
			}
		}
	})
}
