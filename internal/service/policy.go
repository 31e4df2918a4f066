package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// policyOps are the operations on the account's attestation policy.
var policyOps = []endpoint{
	serve(api.OpPolicyShow, (*Service).showPolicy),
	serve(api.OpPolicySet, (*Service).setPolicy),
}

// Token lifetimes: the defaults of a new account and the bounds a policy
// may set.
const (
	DefaultTokenLifetime = 5 * time.Minute
	DefaultTokenGrace    = 10 * time.Second
	DefaultRiskyLifetime = 2 * time.Minute
	minTokenLifetime     = time.Minute
	maxTokenLifetime     = time.Hour
	maxTokenGrace        = 5 * time.Minute
	minRiskyLifetime     = 30 * time.Second
)

// policyRec is the account's policy, keyed by account id. Version 0 is the
// policy of an account that never set one: the default preset.
type policyRec struct {
	Version       uint64        `json:"version"`
	Reject        []string      `json:"reject"`
	Claims        []string      `json:"claims"`
	Reasons       bool          `json:"reasons"`
	Lifetime      time.Duration `json:"lifetime"`
	Grace         time.Duration `json:"grace"`
	RiskyLifetime time.Duration `json:"risky_lifetime"`
	UpdatedBy     string        `json:"updated_by,omitempty"`
	UpdatedAt     time.Time     `json:"updated_at,omitzero"`
}

func defaultPolicy() *policyRec {
	return &policyRec{Reject: slices.Clone(api.Presets[api.PresetDefault]), Claims: []string{},
		Lifetime: DefaultTokenLifetime, Grace: DefaultTokenGrace, RiskyLifetime: DefaultRiskyLifetime}
}

func loadPolicy(tx store.Tx, account string) (*policyRec, error) {
	p := defaultPolicy()
	_, err := getJSON(tx, store.Policies, account, p)
	return p, err
}

func (p *policyRec) view() api.TokenPolicy {
	return api.TokenPolicy{Version: p.Version, Preset: presetOf(p.Reject), Reject: slices.Clone(p.Reject),
		Claims: slices.Clone(p.Claims), Reasons: p.Reasons, Lifetime: p.Lifetime, Grace: p.Grace,
		RiskyLifetime: p.RiskyLifetime, UpdatedBy: p.UpdatedBy, UpdatedAt: p.UpdatedAt}
}

// presetOf names the preset that rejects exactly reject ("" for none).
func presetOf(reject []string) string {
	for _, name := range api.PresetNames {
		if slices.Equal(api.Presets[name], reject) {
			return name
		}
	}
	return ""
}

func (p *policyRec) rejects(prop string) bool { return slices.Contains(p.Reject, prop) }

func (p *policyRec) claim(name string) bool { return slices.Contains(p.Claims, name) }

func (s *Service) showPolicy(ctx context.Context, c *call, _ api.Empty) (api.TokenPolicy, error) {
	var out api.TokenPolicy
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		p, err := loadPolicy(tx, c.acct.ID)
		out = p.view()
		return err
	})
	return out, err
}

// setPolicy replaces the policy when the caller read the current version:
// a change made meanwhile by another admin fails with a conflict.
func (s *Service) setPolicy(ctx context.Context, c *call, req api.PolicySetRequest) (api.TokenPolicy, error) {
	next, err := validPolicy(req)
	if err != nil {
		s.recordAlone(ctx, c.acct.ID, c.event("failed: "+fault.KindOf(err).String()))
		return api.TokenPolicy{}, err
	}
	var out api.TokenPolicy
	err = s.mutateEvent(ctx, c, "policy", func(tx store.Tx, e *event) error {
		cur, err := loadPolicy(tx, c.acct.ID)
		if err != nil {
			return err
		}
		e.fromVersion = int64(req.BaseVersion)
		if req.BaseVersion != cur.Version {
			return fault.WithHint(fault.New(fault.Conflict, "the policy is at version %d; your change is based on version %d", cur.Version, req.BaseVersion),
				"run `approov policy show` and set it again")
		}
		next.Version, next.UpdatedBy, next.UpdatedAt = cur.Version+1, c.sess.User, s.now()
		e.toVersion, e.detail = int64(next.Version), policyChange(cur, next)
		out = next.view()
		return putJSON(tx, store.Policies, c.acct.ID, next)
	})
	return out, err
}

// validPolicy checks a requested policy and returns it in canonical form
// (properties and claims in their documented order, no duplicates).
func validPolicy(req api.PolicySetRequest) (*policyRec, error) {
	reject, err := canonicalSet(req.Reject, api.Properties, "property")
	if err != nil {
		return nil, err
	}
	claims, err := canonicalSet(req.Claims, api.Claims, "claim")
	if err != nil {
		return nil, err
	}
	p := &policyRec{Reject: reject, Claims: claims, Reasons: req.Reasons, Lifetime: req.Lifetime, Grace: req.Grace, RiskyLifetime: req.RiskyLifetime}
	return p, p.checkLifetimes()
}

func (p *policyRec) checkLifetimes() error {
	switch {
	case p.Lifetime < minTokenLifetime || p.Lifetime > maxTokenLifetime:
		return fault.New(fault.Usage, "token lifetime %s is not between %s and %s", p.Lifetime, minTokenLifetime, maxTokenLifetime)
	case p.Grace < 0 || p.Grace > maxTokenGrace:
		return fault.New(fault.Usage, "grace %s is not between 0s and %s", p.Grace, maxTokenGrace)
	case p.RiskyLifetime < minRiskyLifetime || p.RiskyLifetime > p.Lifetime:
		return fault.New(fault.Usage, "risky-device lifetime %s is not between %s and the token lifetime %s", p.RiskyLifetime, minRiskyLifetime, p.Lifetime)
	}
	return nil
}

// canonicalSet returns names in the order of known, refusing unknown ones.
func canonicalSet(names, known []string, what string) ([]string, error) {
	out := []string{}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fault.New(fault.Usage, "unknown %s %q; known: %s", what, truncate(n, 40), strings.Join(known, ", "))
		}
	}
	for _, k := range known {
		if slices.Contains(names, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// policyChange is the audit detail: what the new version changed.
func policyChange(old, next *policyRec) string {
	var parts []string
	add := func(name, from, to string) {
		if from != to {
			parts = append(parts, fmt.Sprintf("%s %s → %s", name, from, to))
		}
	}
	add("reject", listOrNone(old.Reject), listOrNone(next.Reject))
	add("claims", listOrNone(old.Claims), listOrNone(next.Claims))
	add("reasons", onOff(old.Reasons), onOff(next.Reasons))
	add("lifetime", old.Lifetime.String(), next.Lifetime.String())
	add("grace", old.Grace.String(), next.Grace.String())
	add("risky lifetime", old.RiskyLifetime.String(), next.RiskyLifetime.String())
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ",")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
