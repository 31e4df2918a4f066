package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/store"
)

// sdkOps are the operations on the signed SDK configuration.
var sdkOps = []endpoint{
	serve(api.OpSDKConfig, (*Service).sdkConfig),
}

// configKeyRec holds a configuration key made lazily, for an account whose
// record has none.
type configKeyRec struct {
	Key []byte `json:"key"` // PKCS#8
}

func configKeyKey(account string) string { return account + "\x00configkey" }

// configKey returns the account's P-256 configuration key: the one made
// with the account, else one made on first use (in a write transaction) and
// kept in the pins bucket.
func configKey(tx store.Tx, acct *accountRec, create bool) (*ecdsa.PrivateKey, error) {
	der := acct.ConfigKey
	if len(der) == 0 {
		var rec configKeyRec
		if _, err := getJSON(tx, store.Pins, configKeyKey(acct.ID), &rec); err != nil {
			return nil, err
		}
		der = rec.Key
	}
	if len(der) == 0 {
		if !create {
			return nil, nil
		}
		return newConfigKey(tx, acct.ID)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	key, ok := k.(*ecdsa.PrivateKey)
	if err != nil || !ok {
		return nil, fault.New(fault.Internal, "account %s has a damaged configuration key", acct.ID)
	}
	return key, nil
}

func newConfigKey(tx store.Tx, account string) (*ecdsa.PrivateKey, error) {
	key, err := sdkconfig.GenerateKey()
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err)
	}
	return key, putJSON(tx, store.Pins, configKeyKey(account), configKeyRec{Key: der})
}

// signConfig signs the SDK configuration of version v of set.
func (s *Service) signConfig(tx store.Tx, acct *accountRec, v uint64, set *pins.PinSet, apis map[string]apiOptions) (string, error) {
	key, err := configKey(tx, acct, true)
	if err != nil {
		return "", err
	}
	c := sdkconfig.Config{Account: acct.ID, Version: v, IssuedAt: s.now(), Domains: configDomains(set, apis)}
	return sdkconfig.Sign(key, c)
}

// sdkConfig returns the signed configuration of a version (the latest when
// zero) and the public key apps embed. Before the first push there is no
// configuration yet, but the key is already fixed, unless it is made lazily.
func (s *Service) sdkConfig(ctx context.Context, c *call, req api.SDKConfigRequest) (api.SDKConfig, error) {
	var out api.SDKConfig
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		key, err := configKey(tx, c.acct, false)
		if err != nil {
			return err
		}
		if out.Version, err = currentPinVersion(tx, c.acct.ID); err != nil {
			return err
		}
		if req.Version > 0 {
			if req.Version > out.Version {
				return fault.New(fault.Invalid, "the pin configuration has no version %d (the latest is %d)", req.Version, out.Version)
			}
			out.Version = req.Version
		}
		return s.fillConfig(tx, c.acct.ID, key, &out)
	})
	return out, err
}

func (s *Service) fillConfig(tx store.Tx, account string, key *ecdsa.PrivateKey, out *api.SDKConfig) error {
	if key != nil {
		pem, err := sdkconfig.MarshalPublicKey(&key.PublicKey)
		if err != nil {
			return err
		}
		out.PublicKey = string(pem)
	}
	if out.Version == 0 {
		return nil
	}
	rec, err := loadPinVersion(tx, account, out.Version)
	if err == nil {
		out.Config = rec.Config
	}
	return err
}
