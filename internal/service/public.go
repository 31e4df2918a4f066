package service

import (
	"context"
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

// PublicSDKConfig returns the latest signed SDK configuration of account
// for installed apps, which hold no credential: the configuration is
// public, signed, and verified by the app with its embedded key. With a
// challenge (16 to 64 bytes) it also signs the challenge and the
// configuration, so a replayed answer cannot pass as a fresh one.
func (s *Service) PublicSDKConfig(ctx context.Context, account string, challenge []byte) (PublicConfig, error) {
	var out PublicConfig
	err := s.view(ctx, func(tx store.Tx) error {
		acct := &accountRec{}
		ok, err := getJSON(tx, store.Accounts, account, acct)
		if err == nil && !ok {
			return ErrNoPublicConfig
		}
		if err == nil {
			out.Version, err = currentPinVersion(tx, acct.ID)
		}
		if err == nil && out.Version == 0 {
			return ErrNoPublicConfig
		}
		if err != nil {
			return err
		}
		rec, err := loadPinVersion(tx, acct.ID, out.Version)
		if err != nil {
			return err
		}
		out.Config = rec.Config
		if challenge == nil {
			return nil
		}
		key, err := configKey(tx, acct, false)
		if err != nil || key == nil {
			return fault.New(fault.Internal, "account %s has a configuration but no configuration key", acct.ID)
		}
		out.ChallengeSig, err = sdkconfig.SignChallenge(key, challenge, out.Config)
		return err
	})
	return out, err
}
