package service

import (
	"context"
	"crypto/ecdsa"
	"errors"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/store"
)

// ErrNoPublicConfig is the public endpoint's one refusal for an account:
// unknown, or without a configuration yet. The two look the same, so the
// endpoint tells nobody which account ids exist beyond that.
var ErrNoPublicConfig = errors.New("no SDK configuration")

// PublicConfig is what the public configuration endpoint serves: the
// latest signed configuration, and a challenge signature when asked.
type PublicConfig struct {
	Version      uint64
	Config       string // the JWT, exactly as signed
	ChallengeSig []byte // ES256 r||s over sdkconfig.Transcript; nil without a challenge
}

// publicEntry is an account's latest configuration and its key, kept in
// memory: versions only go up and the configuration key never changes, so
// an entry is current exactly while its version is the stored head's.
type publicEntry struct {
	version uint64
	config  string
	key     *ecdsa.PrivateKey
}

// PublicSDKConfig returns the latest signed SDK configuration of account
// for installed apps, which hold no credential: the configuration is
// public, signed, and verified by the app with its embedded key. With a
// challenge (16 to 64 bytes) it also signs the challenge and the
// configuration, so a replayed answer cannot pass as a fresh one.
func (s *Service) PublicSDKConfig(ctx context.Context, account string, challenge []byte) (PublicConfig, error) {
	e, err := s.publicEntry(ctx, account)
	if err != nil {
		return PublicConfig{}, err
	}
	out := PublicConfig{Version: e.version, Config: e.config}
	if challenge != nil {
		out.ChallengeSig, err = sdkconfig.SignChallenge(e.key, challenge, e.config)
	}
	return out, err
}

// publicEntry reads the head version (one small record) and reloads the
// configuration only when it moved.
func (s *Service) publicEntry(ctx context.Context, account string) (*publicEntry, error) {
	var e *publicEntry
	err := s.view(ctx, func(tx store.Tx) error {
		v, err := currentPinVersion(tx, account)
		if err != nil {
			return err
		}
		if v == 0 {
			return ErrNoPublicConfig
		}
		if cached, ok := s.public.Load(account); ok && cached.(*publicEntry).version == v {
			e = cached.(*publicEntry)
			return nil
		}
		e, err = loadPublicEntry(tx, account, v)
		return err
	})
	if err == nil {
		s.public.Store(account, e)
	}
	return e, err
}

func loadPublicEntry(tx store.Tx, account string, v uint64) (*publicEntry, error) {
	acct := &accountRec{}
	ok, err := getJSON(tx, store.Accounts, account, acct)
	if err == nil && !ok {
		return nil, ErrNoPublicConfig
	}
	if err != nil {
		return nil, err
	}
	rec, err := loadPinVersion(tx, acct.ID, v)
	if err != nil {
		return nil, err
	}
	key, err := configKey(tx, acct, false)
	if err == nil && key == nil {
		err = fault.New(fault.Internal, "account %s has a configuration but no configuration key", acct.ID)
	}
	if err != nil {
		return nil, err
	}
	return &publicEntry{version: v, config: rec.Config, key: key}, nil
}
