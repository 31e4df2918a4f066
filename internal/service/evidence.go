package service

import (
	"context"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/api"
)

// EvidenceVerifier checks one kind of platform evidence an app sends with
// its attestation: a Play Integrity verdict, an App Attest assertion, an
// Android key attestation chain. None ships with approov: without one, the
// device properties an app reports are its own word (docs/threat-model.md).
type EvidenceVerifier interface {
	// Type is the evidence type it checks (api.Evidence.Type).
	Type() string
	// Verify checks data for this attestation. An error means the evidence
	// is not valid: the attestation fails with reason "evidence". A verifier
	// should bind the evidence to the installation key (in.InstallKeySPKI)
	// and the report's nonce, so that it cannot be replayed by another app.
	Verify(ctx context.Context, in EvidenceInput) error
}

// EvidenceInput is what a verifier sees of the attestation.
type EvidenceInput struct {
	Account        string
	Report         api.AttestReport
	InstallKeySPKI []byte
	Data           []byte
}

// Evidence claim values: what the service checked.
const (
	EvidenceServer = "server" // measurement, policy and overrides; device properties as reported
)

// checkEvidence runs the verifier of each evidence item it has one for.
// checked is the evi claim: "server", then "+type" for each type a verifier
// ran on, pass or fail (so a failing app's token has the same claim);
// failed is whether any did not verify. Evidence of a type no verifier
// knows is not checked and changes nothing.
func (s *Service) checkEvidence(ctx context.Context, account string, r api.AttestReport, spki []byte) (checked string, failed bool) {
	var types []string
	for _, ev := range r.Evidence {
		v := s.verifier(ev.Type)
		if v == nil {
			continue
		}
		if !slices.Contains(types, ev.Type) {
			types = append(types, ev.Type)
		}
		if err := v.Verify(ctx, EvidenceInput{Account: account, Report: r, InstallKeySPKI: spki, Data: ev.Data}); err != nil {
			failed = true
		}
	}
	slices.Sort(types)
	return strings.Join(append([]string{EvidenceServer}, types...), "+"), failed
}

func (s *Service) verifier(typ string) EvidenceVerifier {
	for _, v := range s.opt.Evidence {
		if v.Type() == typ {
			return v
		}
	}
	return nil
}
