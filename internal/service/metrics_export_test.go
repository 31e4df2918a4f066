package service

import (
	"context"

	"github.com/approov-cli/approov/internal/store"
)

// AttestationFact and RecordAttestation let the external tests drive the
// metrics as the attestation endpoint does, one transaction per attestation.
type AttestationFact = attestationFact

func (s *Service) RecordAttestation(ctx context.Context, account string, f AttestationFact) error {
	return s.update(ctx, func(tx store.Tx) error { return s.recordAttestation(tx, account, f) })
}
