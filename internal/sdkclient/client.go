// Package sdkclient is the reference client of the public configuration
// endpoint, for installed apps: it starts from the configuration the app
// embeds, fetches and verifies updates (signature, account, never an older
// version, a fresh challenge each time), persists the latest atomically,
// and pins connections with whatever configuration it holds at the time
// of each handshake, so a pin rotation needs no new transport.
package sdkclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// Wire names of the endpoint (docs/sdk-config.md, "Fetching updates").
const (
	HeaderChallenge    = sdkconfig.HeaderChallenge
	HeaderChallengeSig = sdkconfig.HeaderChallengeSig
	challengeSize      = 32
)

// Options configure a Client.
type Options struct {
	URL       string           // the endpoint: https://host/v1/accounts/{id}/sdk-config
	PublicKey *ecdsa.PublicKey // the configuration key the app embeds
	Account   string           // the account the app is built for
	Initial   string           // the configuration the app embeds (JWT); may be empty with Path holding one
	Path      string           // where the latest configuration is kept; "" keeps it in memory only
	HTTP      *http.Client     // for fetches (default: http.DefaultClient)
	// Empty lets a client start with no configuration at all (version 0,
	// nothing pinned): for tools that show what the endpoint serves, never
	// for an app, which must embed its first configuration.
	Empty bool
}

// Client holds the current verified configuration.
type Client struct {
	opt  Options
	mu   sync.RWMutex
	jwt  string
	cur  sdkconfig.Config
	etag string
}

// New verifies the initial configuration, and the persisted one when it
// is there and not older, and holds the newer of the two.
func New(opt Options) (*Client, error) {
	if opt.PublicKey == nil || opt.Account == "" {
		return nil, fault.New(fault.Usage, "an SDK client needs the configuration public key and the account")
	}
	if opt.HTTP == nil {
		opt.HTTP = http.DefaultClient
	}
	c := &Client{opt: opt}
	if opt.Initial != "" {
		if err := c.accept(opt.Initial, nil, nil); err != nil {
			return nil, fmt.Errorf("the embedded configuration: %w", err)
		}
	}
	if err := c.loadPersisted(); err != nil {
		return nil, err
	}
	if c.jwt == "" && !opt.Empty {
		return nil, fault.New(fault.Invalid, "no configuration: neither an embedded one nor a kept one")
	}
	return c, nil
}

// loadPersisted adopts the kept configuration if it verifies and is not
// older; a damaged or older file is ignored (the next fetch replaces it).
func (c *Client) loadPersisted() error {
	if c.opt.Path == "" {
		return nil
	}
	data, err := os.ReadFile(c.opt.Path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	if err := c.accept(string(bytes.TrimSpace(data)), nil, nil); err != nil && c.jwt == "" {
		return fmt.Errorf("the kept configuration %s: %w", c.opt.Path, err)
	}
	return nil
}

// Current returns the configuration held now and its JWT.
func (c *Client) Current() (sdkconfig.Config, string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cur, c.jwt
}

// accept verifies token (and, with a challenge, its signature) and holds
// it when it is not older than what is held. It does not persist.
func (c *Client) accept(token string, challenge, sig []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cfg, err := sdkconfig.Verify(token, c.opt.PublicKey, sdkconfig.VerifyOptions{Account: c.opt.Account, MinVersion: c.cur.Version})
	if err != nil {
		return err
	}
	if challenge != nil {
		if err := sdkconfig.VerifyChallenge(c.opt.PublicKey, challenge, token, sig); err != nil {
			return err
		}
	}
	c.jwt, c.cur = strings.TrimSpace(token), cfg
	c.etag = sdkconfig.ETag(cfg.Version, c.jwt)
	return nil
}

// Fetch asks the endpoint for the latest configuration with a fresh
// challenge and adopts it if it verifies. It reports whether the held
// configuration changed. A 304 must carry a challenge signature over the
// configuration held; anything unverified leaves the client as it was.
func (c *Client) Fetch(ctx context.Context) (bool, error) {
	challenge := make([]byte, challengeSize)
	rand.Read(challenge)
	resp, err := c.get(ctx, challenge)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	sig, err := base64.RawURLEncoding.DecodeString(resp.Header.Get(HeaderChallengeSig))
	if err != nil {
		return false, fault.New(fault.Invalid, "the answer's challenge signature is not base64url")
	}
	switch resp.StatusCode {
	case http.StatusNotModified:
		return false, c.confirm(challenge, sig)
	case http.StatusOK:
		return c.update(resp.Body, challenge, sig)
	}
	return false, fault.New(fault.Network, "the configuration endpoint answered %s", resp.Status)
}

func (c *Client) get(ctx context.Context, challenge []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.opt.URL, nil)
	if err != nil {
		return nil, fault.New(fault.Usage, "bad configuration URL %q", c.opt.URL)
	}
	req.Header.Set(HeaderChallenge, base64.RawURLEncoding.EncodeToString(challenge))
	c.mu.RLock()
	if c.etag != "" {
		req.Header.Set("If-None-Match", c.etag)
	}
	c.mu.RUnlock()
	resp, err := c.opt.HTTP.Do(req)
	if err != nil {
		return nil, fault.Wrap(fault.Network, err)
	}
	return resp, nil
}

// confirm checks a 304: the challenge signature must cover the
// configuration held, which proves it is still the latest.
func (c *Client) confirm(challenge, sig []byte) error {
	_, jwt := c.Current()
	if jwt == "" {
		return fault.New(fault.Invalid, "the endpoint answered 304 to a client holding no configuration")
	}
	return sdkconfig.VerifyChallenge(c.opt.PublicKey, challenge, jwt, sig)
}

// update reads a 200, verifies and adopts it, persists it, and keeps its
// ETag for the next fetch.
func (c *Client) update(body io.Reader, challenge, sig []byte) (bool, error) {
	data, err := io.ReadAll(io.LimitReader(body, sdkconfig.MaxConfigSize+1))
	if err != nil {
		return false, fault.Wrap(fault.Network, err)
	}
	before, _ := c.Current()
	if err := c.accept(string(data), challenge, sig); err != nil {
		return false, err
	}
	cur, jwt := c.Current()
	if err := c.persist(jwt); err != nil {
		return false, err
	}
	return cur.Version != before.Version, nil
}

// persist writes the configuration beside its final path, syncs it and
// renames it over: a crash leaves the old file or the new one.
func (c *Client) persist(jwt string) error {
	if c.opt.Path == "" {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(c.opt.Path), ".sdk-config-*")
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(jwt + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.opt.Path)
	}
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	return nil
}
