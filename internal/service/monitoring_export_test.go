package service

import (
	"context"

	"github.com/approov-cli/approov/internal/pins"
)

// ClaimOnly leases the account's due domains to owner and checks nothing:
// an instance that dies in the middle of its checks.
func ClaimOnly(ctx context.Context, s *Service, account, owner string) int {
	jobs, err := s.claimChecks(ctx, account, owner, false)
	if err != nil {
		panic(err)
	}
	return len(jobs)
}

// LiveOf is how s reaches API domains.
func LiveOf(s *Service) pins.CheckOptions { return s.opt.Live }
