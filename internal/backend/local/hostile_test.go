package local_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/service"
)

// fileState is what a refused code or token must leave unchanged.
type fileState struct {
	data  []byte
	mode  os.FileMode
	mtime time.Time
}

func stateOf(t *testing.T, path string) fileState {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fileState{mode: fi.Mode(), mtime: fi.ModTime()}
	if fi.Mode().IsRegular() {
		st.data, _ = os.ReadFile(path)
	}
	return st
}

func (a fileState) same(b fileState) bool {
	return bytes.Equal(a.data, b.data) && a.mode == b.mode && a.mtime.Equal(b.mtime)
}

// use follows a code or a management token naming path with fp, as init
// and APPROOV_MANAGEMENT_TOKEN do, up to its first call.
var uses = map[string]func(path string, fp auth.Fingerprint) error{
	"code": func(path string, fp auth.Fingerprint) error {
		code, err := auth.NewCode("acme", []string{auth.LocalPrefix + path}, fp)
		if err != nil {
			return err
		}
		b, err := local.ForCode(code, local.Options{Params: cheap})
		if err != nil {
			return err
		}
		_, err = b.InspectCode(context.Background(), code)
		return err
	},
	"token": func(path string, fp auth.Fingerprint) error {
		tok, err := auth.NewManagementToken("acme", "ci@example.com", []string{auth.LocalPrefix + path}, fp)
		if err != nil {
			return err
		}
		b, err := local.ForToken(tok, local.Options{Params: cheap})
		if err != nil {
			return err
		}
		_, err = b.LoginStart(context.Background(), api.LoginStartRequest{Account: "acme", User: "ci@example.com", Role: "automation"})
		return err
	},
}

// TestCraftedLocationWritesNothing: anyone can make a code or token naming
// any path. What is not an approov store is refused with one Invalid line
// and left exactly as it was; nothing is initialised, chmodded or added.
func TestCraftedLocationWritesNothing(t *testing.T) {
	targets := map[string]func(t *testing.T, path string){
		"empty file": func(t *testing.T, p string) { os.WriteFile(p, nil, 0o644) },
		"passwd-like text": func(t *testing.T, p string) {
			os.WriteFile(p, []byte("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"), 0o644)
		},
		"foreign bbolt": func(t *testing.T, p string) {
			db, err := bolt.Open(p, 0o644, nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Update(func(tx *bolt.Tx) error {
				b, _ := tx.CreateBucket([]byte("their-bucket"))
				return b.Put([]byte("k"), []byte("v"))
			})
			db.Close()
		},
		"directory": func(t *testing.T, p string) { os.Mkdir(p, 0o755) },
		"symlink to a store": func(t *testing.T, p string) {
			_, real, err := local.Create(context.Background(), filepath.Dir(p), service.CreateAccountRequest{Name: "acme", FirstUser: "o@example.com"}, local.Options{Params: cheap})
			if err != nil {
				t.Fatal(err)
			}
			os.Symlink(real, p)
		},
	}
	for use, follow := range uses {
		for name, make := range targets {
			t.Run(use+"/"+name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "target")
				make(t, path)
				before := stateOf(t, path)
				time.Sleep(10 * time.Millisecond) // a write would show in the mtime
				err := follow(path, auth.Fingerprint{1})
				if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "not an approov store") || strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q (kind %v), want one Invalid line: not an approov store", err, fault.KindOf(err))
				}
				if after := stateOf(t, path); !before.same(after) {
					t.Errorf("the file changed: mode %v → %v, %d → %d bytes", before.mode, after.mode, len(before.data), len(after.data))
				}
			})
		}
	}
}

// TestFingerprintMismatchWritesNothing: a code or token naming a real
// store under another service key is refused before any write.
func TestFingerprintMismatchWritesNothing(t *testing.T) {
	for use, follow := range uses {
		t.Run(use, func(t *testing.T) {
			_, path, err := local.Create(context.Background(), t.TempDir(), service.CreateAccountRequest{Name: "acme", FirstUser: "o@example.com"}, local.Options{Params: cheap})
			if err != nil {
				t.Fatal(err)
			}
			before := stateOf(t, path)
			time.Sleep(10 * time.Millisecond)
			err = follow(path, auth.Fingerprint{1})
			if fault.KindOf(err) != fault.Network || !strings.Contains(err.Error(), "fingerprint") {
				t.Fatalf("wrong fingerprint: %v, want a Network error about the fingerprint", err)
			}
			if after := stateOf(t, path); !before.same(after) {
				t.Errorf("the store changed before the fingerprint check: mode %v → %v, mtime %v → %v, %d → %d bytes",
					before.mode, after.mode, before.mtime, after.mtime, len(before.data), len(after.data))
			}
		})
	}
}

// TestOneOpenPerCommand: fetching the service key and the call that
// follows share one open of the store; the next call opens it again.
func TestOneOpenPerCommand(t *testing.T) {
	c, who, path := liveSession(t)
	key, _ := c.ServiceKey(context.Background())
	tr := &countingTransport{Transport: local.Transport{Path: path, Opts: local.Options{Params: cheap}}}
	fresh := backend.NewClient(tr, backend.ClientOptions{Account: who.Account, Fingerprint: auth.FingerprintOf(key)})
	if _, err := fresh.WhoAmI(context.Background(), who); err != nil {
		t.Fatal(err)
	}
	if tr.exchanges != 2 || tr.Opens() != 1 {
		t.Fatalf("a fresh client's first call: %d exchanges, %d opens; want 2 and 1", tr.exchanges, tr.Opens())
	}
	if _, err := fresh.WhoAmI(context.Background(), who); err != nil {
		t.Fatal(err)
	}
	if tr.Opens() != 2 {
		t.Fatalf("%d opens after a second call, want 2", tr.Opens())
	}
}

// TestProvenKeyNeedsNoInfo: a client given the service key a login proved
// (the session state records it) sends the call alone: one exchange, one open.
func TestProvenKeyNeedsNoInfo(t *testing.T) {
	c, who, path := liveSession(t)
	key, _ := c.ServiceKey(context.Background())
	tr := &countingTransport{Transport: local.Transport{Path: path, Opts: local.Options{Params: cheap}}}
	fresh := backend.NewClient(tr, backend.ClientOptions{Account: who.Account, Fingerprint: auth.FingerprintOf(key), ServiceKey: key})
	if _, err := fresh.WhoAmI(context.Background(), who); err != nil {
		t.Fatal(err)
	}
	if tr.exchanges != 1 || tr.Opens() != 1 {
		t.Fatalf("a call with a proven key: %d exchanges, %d opens; want 1 and 1", tr.exchanges, tr.Opens())
	}
}

type countingTransport struct {
	local.Transport
	exchanges int
}

func (c *countingTransport) Exchange(ctx context.Context, op api.Operation, req *auth.Request) (*auth.Response, error) {
	c.exchanges++
	return c.Transport.Exchange(ctx, op, req)
}
