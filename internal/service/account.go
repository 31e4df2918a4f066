package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base32"
	"strings"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// CreateAccountRequest bootstraps an account.
type CreateAccountRequest struct {
	Name      string // account id; empty: a random "acct-xxxxxxxx"
	FirstUser string // the first user's email (or login name)
}

// CreatedAccount is the new account and its first onboarding code.
type CreatedAccount struct {
	Account     string
	Fingerprint auth.Fingerprint
	Invitation  api.Invitation
}

// CreateAccount makes an account with its keys (service Ed25519 signing
// key, HS256 token secret, P-256 config key) and a first user holding admin
// and dev, and returns that user's onboarding code. It is not a Backend
// operation: only whoever holds the store (account create --local, or the
// server's own command) may create accounts.
func (s *Service) CreateAccount(ctx context.Context, req CreateAccountRequest) (CreatedAccount, error) {
	acct, err := newAccount(req.Name, s.opt.Location)
	if err != nil {
		return CreatedAccount{}, err
	}
	req.FirstUser = normUser(req.FirstUser)
	if err := validUser(req.FirstUser); err != nil {
		return CreatedAccount{}, err
	}
	acct.Created = s.now()
	var inv api.Invitation
	err = s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(store.Accounts, acct.ID); err == nil {
			return fault.New(fault.Conflict, "account %q already exists", acct.ID)
		}
		if err := putJSON(tx, store.Accounts, acct.ID, acct); err != nil {
			return err
		}
		u := newUser(req.FirstUser, s.now())
		inv, err = s.issueCode(tx, acct, u, onboardingCode, []role.Role{role.Admin, role.Dev}, timeZero, 0, "")
		if err != nil {
			return err
		}
		return s.record(tx, acct.ID, event{op: "account.create", target: acct.ID, outcome: outcomeOK})
	})
	return CreatedAccount{Account: acct.ID, Fingerprint: auth.FingerprintOf(acct.serviceKey().Public().(ed25519.PublicKey)), Invitation: inv}, err
}

func newAccount(name string, loc []string) (*accountRec, error) {
	if name == "" {
		name = RandomAccountName()
	}
	if err := ValidAccountName(name); err != nil {
		return nil, err
	}
	if err := auth.ValidateLocations(loc); err != nil {
		return nil, err
	}
	cfg, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(cfg)
	if err != nil {
		return nil, err
	}
	return &accountRec{
		ID: name, ServiceSeed: randBytes(ed25519.SeedSize), ConfigKey: der,
		FakeSaltSecret: randBytes(32), ChallengeSecret: randBytes(32), Location: loc,
	}, nil
}

// RandomAccountName returns a fresh name of the form "acct-xxxxxxxx".
func RandomAccountName() string {
	return "acct-" + strings.ToLower(base32.StdEncoding.EncodeToString(randBytes(5)))
}

// ValidAccountName checks an account name: lower-case letters, digits and
// dashes, at most 40 characters, not starting with a dash.
func ValidAccountName(name string) error {
	if !auth.ValidAccountID(name) {
		return fault.New(fault.Usage, "invalid account name %q (lower-case letters, digits, dashes; at most 40)", truncate(name, 60))
	}
	return nil
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// accountOps are the operations on the account itself.
var accountOps = []endpoint{
	serve(api.OpInfo, (*Service).info),
}

// info answers Info.
func (s *Service) info(_ context.Context, c *call, _ api.Empty) (api.ServiceInfo, error) {
	return api.ServiceInfo{Account: c.acct.ID, ServiceKey: c.acct.serviceKey().Public().(ed25519.PublicKey), Params: s.opt.Params}, nil
}

// Accounts lists the ids of the accounts in the store.
func (s *Service) Accounts(ctx context.Context) ([]string, error) {
	var out []string
	err := s.view(ctx, func(tx store.Tx) error {
		return tx.Scan(store.Accounts, "", "", func(k string, _ []byte) error {
			out = append(out, k)
			return nil
		})
	})
	return out, err
}
