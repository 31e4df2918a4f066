package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/approov-cli/approov/internal/fault"
)

// Policy says where session keys may be stored (--storage, APPROOV_STORAGE).
type Policy string

// The storage policies.
const (
	// PolicyAuto uses the OS keyring when one is reachable and falls back to
	// a 0600 file, with a warning, when it is not.
	PolicyAuto Policy = "auto"
	// PolicyKeyring uses only the OS keyring and fails closed without it.
	PolicyKeyring Policy = "keyring"
	// PolicyFile uses only 0600 files under the approov directory.
	PolicyFile Policy = "file"
)

// ParsePolicy accepts auto, keyring or file; empty means auto.
func ParsePolicy(s string) (Policy, error) {
	switch p := Policy(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return PolicyAuto, nil
	case PolicyAuto, PolicyKeyring, PolicyFile:
		return p, nil
	}
	return "", fault.New(fault.Usage, "unknown storage %q (want auto, keyring or file)", s)
}

// Where a secret was stored.
type Where string

// The places a secret can live.
const (
	InKeyring Where = "keyring"
	InFile    Where = "file"
)

// KeyringTimeout bounds every keyring call: a locked or absent Secret Service
// must never hang the CLI.
const KeyringTimeout = 3 * time.Second

// keyringService names approov's entries in the OS keyring.
const keyringService = "approov"

// Keyring is the part of go-keyring we use; tests pass keyring.MockInit's
// global provider through the default implementation.
type Keyring interface {
	Set(service, user, secret string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

type osKeyring struct{}

func (osKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (osKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// ErrKeyringTimeout is returned when the keyring did not answer in time.
var ErrKeyringTimeout = errors.New("the OS keyring did not answer within 3s")

// ErrSecretNotFound is returned when a stored secret is missing.
var ErrSecretNotFound = errors.New("secret not found")

// validSecretName: 1–128 of A–Z, a–z, 0–9, '_', '.', '-' (a loop rather
// than a regexp, whose `{1,128}` compiles 128 copies at every process start).
func validSecretName(name string) bool {
	if len(name) == 0 || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// KeyringReachable reports whether the OS keyring may be called at all. On
// Linux and the BSDs the Secret Service needs a D-Bus session; without one
// go-keyring would try to launch a dbus-daemon that outlives us, so we do
// not call it.
func (s *Store) KeyringReachable() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return s.getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// PutSecret stores a secret according to policy and says where it went.
func (s *Store) PutSecret(ctx context.Context, name, value string, p Policy) (Where, error) {
	if !validSecretName(name) {
		return "", fmt.Errorf("session: bad secret name %q", name)
	}
	if p == PolicyFile {
		return InFile, s.putFileSecret(name, value)
	}
	err := errors.New("DBUS_SESSION_BUS_ADDRESS is empty, so there is no Secret Service to ask")
	if s.KeyringReachable() {
		err = s.keyringCall(ctx, func(k Keyring) error { return k.Set(keyringService, s.keyringUser(name), value) })
		if err == nil {
			return InKeyring, nil
		}
	}
	if p == PolicyKeyring {
		return "", fault.WithHint(fault.New(fault.Internal, "cannot store the session key in the OS keyring: %v", err),
			"use --storage file (or APPROOV_STORAGE=file) to keep it in a 0600 file instead")
	}
	s.warnOnce("keyring", "no OS keyring: %v; the session key is kept in a 0600 file under %s", err, filepath.Join(s.dir, secretsDir))
	return InFile, s.putFileSecret(name, value)
}

// GetSecret reads a secret from where it was stored.
func (s *Store) GetSecret(ctx context.Context, name string, w Where) (string, error) {
	if !validSecretName(name) {
		return "", fmt.Errorf("session: bad secret name %q", name)
	}
	if w == InFile {
		return s.getFileSecret(name)
	}
	if !s.KeyringReachable() {
		return "", fmt.Errorf("session key is in the OS keyring, which is not reachable here (no D-Bus session)")
	}
	var v string
	err := s.keyringCall(ctx, func(k Keyring) error {
		var err error
		v, err = k.Get(keyringService, s.keyringUser(name))
		return err
	})
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrSecretNotFound
	}
	return v, err
}

// DeleteSecret removes a secret; a missing one is not an error.
func (s *Store) DeleteSecret(ctx context.Context, name string, w Where) error {
	if !validSecretName(name) {
		return fmt.Errorf("session: bad secret name %q", name)
	}
	if w == InFile {
		err := os.Remove(filepath.Join(s.dir, secretsDir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	if !s.KeyringReachable() {
		return nil
	}
	err := s.keyringCall(ctx, func(k Keyring) error { return k.Delete(keyringService, s.keyringUser(name)) })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

// SecretFile is where a secret stored InFile lives (for whoami).
func (s *Store) SecretFile(name string) string { return filepath.Join(s.dir, secretsDir, name) }

// keyringUser scopes entries to this approov directory, so two APPROOV_HOMEs
// never see each other's keys.
func (s *Store) keyringUser(name string) string { return s.dir + "#" + name }

// keyringCall runs fn with KeyringTimeout. On timeout the call is abandoned
// (go-keyring cannot be interrupted); its goroutine ends when the call does.
func (s *Store) keyringCall(ctx context.Context, fn func(Keyring) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.keyTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(s.keyring) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ErrKeyringTimeout
	}
}

func (s *Store) putFileSecret(name, value string) error {
	d, err := s.state.Sub(secretsDir)
	if err != nil {
		return err
	}
	return d.WriteFile(name, []byte(value))
}

func (s *Store) getFileSecret(name string) (string, error) {
	if _, err := os.Lstat(filepath.Join(s.dir, secretsDir)); errors.Is(err, os.ErrNotExist) {
		return "", ErrSecretNotFound // reading creates nothing
	}
	d, err := s.state.Sub(secretsDir)
	if err != nil {
		return "", err
	}
	b, err := d.ReadFile(name, maxStateSize)
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrSecretNotFound
	}
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// warnOnce reports a keyring problem once per store.
func (s *Store) warnOnce(key, format string, a ...any) {
	s.mu.Lock()
	seen := s.warned[key]
	s.warned[key] = true
	s.mu.Unlock()
	if !seen {
		s.warnf(format, a...)
	}
}
