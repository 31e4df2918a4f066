package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

type blockingKeyring struct{ release chan struct{} }

func (b blockingKeyring) Set(string, string, string) error { <-b.release; return nil }
func (b blockingKeyring) Get(string, string) (string, error) {
	<-b.release
	return "", nil
}
func (b blockingKeyring) Delete(string, string) error { <-b.release; return nil }

// countingKeyring fails the test if the keyring is touched.
type countingKeyring struct{ calls *int }

func (c countingKeyring) Set(string, string, string) error   { *c.calls++; return nil }
func (c countingKeyring) Get(string, string) (string, error) { *c.calls++; return "", nil }
func (c countingKeyring) Delete(string, string) error        { *c.calls++; return nil }

func storeWith(t *testing.T, k Keyring, dbus string) (*Store, *[]string) {
	var warnings []string
	s, err := Open(Options{Dir: filepath.Join(t.TempDir(), "a"), Keyring: k,
		Getenv: func(n string) string {
			if n == "DBUS_SESSION_BUS_ADDRESS" {
				return dbus
			}
			return ""
		},
		Warnf: func(f string, a ...any) { warnings = append(warnings, f) }})
	if err != nil {
		t.Fatal(err)
	}
	return s, &warnings
}

func TestSecretPolicies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		policy   Policy
		dbus     string
		keyErr   error
		want     Where
		wantErr  bool
		wantWarn bool
	}{
		{"auto with keyring", PolicyAuto, "unix:path=/x", nil, InKeyring, false, false},
		{"auto without dbus", PolicyAuto, "", nil, InFile, false, true},
		{"auto keyring locked", PolicyAuto, "unix:path=/x", errors.New("locked"), InFile, false, true},
		{"keyring locked fails closed", PolicyKeyring, "unix:path=/x", errors.New("locked"), "", true, false},
		{"keyring without dbus fails closed", PolicyKeyring, "", nil, "", true, false},
		{"file", PolicyFile, "unix:path=/x", nil, InFile, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.keyErr != nil {
				keyring.MockInitWithError(tt.keyErr)
			} else {
				keyring.MockInit()
			}
			defer keyring.MockInit()
			s, warnings := storeWith(t, nil, tt.dbus)
			got, err := s.PutSecret(ctx, "session-1", "secret-value", tt.policy)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("PutSecret = %q, %v; want %q, err %v", got, err, tt.want, tt.wantErr)
			}
			if (len(*warnings) > 0) != tt.wantWarn {
				t.Errorf("warnings = %q, want warning %v", *warnings, tt.wantWarn)
			}
			fileWritten := fileExists(filepath.Join(s.Dir(), secretsDir, "session-1"))
			if fileWritten != (got == InFile) {
				t.Errorf("file written = %v, stored in %q", fileWritten, got)
			}
			if tt.wantErr {
				return
			}
			v, err := s.GetSecret(ctx, "session-1", got)
			if err != nil || v != "secret-value" {
				t.Fatalf("GetSecret = %q, %v", v, err)
			}
			if err := s.DeleteSecret(ctx, "session-1", got); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetSecret(ctx, "session-1", got); !errors.Is(err, ErrSecretNotFound) {
				t.Errorf("after delete: %v, want ErrSecretNotFound", err)
			}
		})
	}
}

func TestNoDBusNeverCallsKeyring(t *testing.T) {
	calls := 0
	s, _ := storeWith(t, countingKeyring{&calls}, "")
	w, err := s.PutSecret(context.Background(), "session-1", "v", PolicyAuto)
	if err != nil || w != InFile {
		t.Fatal(w, err)
	}
	s.GetSecret(context.Background(), "session-1", InKeyring)
	s.DeleteSecret(context.Background(), "session-1", InKeyring)
	if calls != 0 {
		t.Fatalf("keyring called %d times without a D-Bus session", calls)
	}
}

func TestKeyringTimeout(t *testing.T) {
	k := blockingKeyring{release: make(chan struct{})}
	defer close(k.release)
	s, _ := storeWith(t, k, "unix:path=/x")
	s.keyTimeout = 200 * time.Millisecond // the production 3s, shortened
	start := time.Now()
	_, err := s.GetSecret(context.Background(), "session-1", InKeyring)
	if !errors.Is(err, ErrKeyringTimeout) {
		t.Fatalf("err = %v, want ErrKeyringTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
	w, err := s.PutSecret(context.Background(), "session-1", "v", PolicyKeyring)
	if err == nil || !strings.Contains(err.Error(), "did not answer") || w != "" {
		t.Fatalf("PutSecret with hung keyring = %q, %v", w, err)
	}
	if fileExists(filepath.Join(s.Dir(), secretsDir, "session-1")) {
		t.Fatal("fail-closed policy wrote a plaintext file")
	}
}

func TestBadSecretNames(t *testing.T) {
	s, _ := storeWith(t, nil, "")
	for _, n := range []string{"", "../x", "a/b", strings.Repeat("a", 200)} {
		if _, err := s.PutSecret(context.Background(), n, "v", PolicyFile); err == nil {
			t.Errorf("name %q accepted", n)
		}
	}
}

func TestKeyringScopedToDirectory(t *testing.T) {
	keyring.MockInit()
	a, _ := storeWith(t, nil, "unix:path=/x")
	b, _ := storeWith(t, nil, "unix:path=/x")
	if _, err := a.PutSecret(context.Background(), "session-1", "a", PolicyKeyring); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetSecret(context.Background(), "session-1", InKeyring); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("another APPROOV_HOME sees the secret: %v", err)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
