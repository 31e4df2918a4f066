package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/store"
)

// pinOps are the operations on the account's versioned pin configuration.
var pinOps = []endpoint{
	serve(api.OpPinPull, (*Service).pullPins),
	serve(api.OpPinPush, (*Service).pushPins),
	serve(api.OpPinLog, (*Service).pinLog),
	serve(api.OpPinShow, (*Service).showPins),
}

// Bounds on push requests.
const (
	maxPinLog     = 10_000
	maxReason     = 200
	maxSummary    = 300
	maxViewKeys   = 64 // keys per domain in the CLI's view
	maxViewDomain = pins.MaxDomains
)

// pinHead is the current version of an account's pin configuration.
type pinHead struct {
	Version uint64 `json:"version"`
}

// pinVersionRec is one accepted push: the whole set, who pushed it and
// why, and the SDK configuration signed for it. Versions never change.
type pinVersionRec struct {
	api.PinVersion
	Set    *pins.PinSet `json:"set"`
	Config string       `json:"config"` // the signed SDK configuration (JWT)
	// APIs holds the API domains' options that differ from the default
	// (Approov tokens on, pinned), and the domains added without pins.
	APIs map[string]apiOptions `json:"apis,omitempty"`
}

func pinHeadKey(account string) string { return account + "\x00head" }

func pinVersionPrefix(account string) string { return account + "\x00v\x00" }

func pinVersionKey(account string, v uint64) string {
	return fmt.Sprintf("%s%020d", pinVersionPrefix(account), v)
}

func emptyPinSet() *pins.PinSet {
	return &pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{}}
}

// loadPinVersion returns version v of the account's configuration; version
// 0 is the empty one, with no record.
func loadPinVersion(tx store.Tx, account string, v uint64) (*pinVersionRec, error) {
	if v == 0 {
		return &pinVersionRec{Set: emptyPinSet()}, nil
	}
	var rec pinVersionRec
	ok, err := getJSON(tx, store.Pins, pinVersionKey(account, v), &rec)
	if err == nil && !ok {
		err = fault.New(fault.Invalid, "the pin configuration has no version %d", v)
	}
	if err != nil {
		return nil, err
	}
	rec.Set.BaseVersion = v
	return &rec, nil
}

func currentPinVersion(tx store.Tx, account string) (uint64, error) {
	var h pinHead
	_, err := getJSON(tx, store.Pins, pinHeadKey(account), &h)
	return h.Version, err
}

// readPins runs fn on version v (0: the current one) after checking the session.
func (s *Service) readPins(ctx context.Context, c *call, v uint64) (*pinVersionRec, uint64, error) {
	var rec *pinVersionRec
	var cur uint64
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		var err error
		if cur, err = currentPinVersion(tx, c.acct.ID); err != nil {
			return err
		}
		if v == 0 {
			v = cur
		}
		rec, err = loadPinVersion(tx, c.acct.ID, v)
		return err
	})
	return rec, cur, err
}

func (s *Service) pullPins(ctx context.Context, c *call, _ api.Empty) (api.PinConfig, error) {
	rec, cur, err := s.readPins(ctx, c, 0)
	if err != nil {
		return api.PinConfig{}, err
	}
	return api.PinConfig{Version: cur, Set: rec.Set}, nil
}

func (s *Service) showPins(ctx context.Context, c *call, req api.PinShowRequest) (api.PinConfig, error) {
	if req.Version == 0 {
		return api.PinConfig{}, fault.New(fault.Usage, "name a version: 1 or later (version 0 is the empty configuration)")
	}
	rec, _, err := s.readPins(ctx, c, req.Version)
	if err != nil {
		return api.PinConfig{}, err
	}
	return api.PinConfig{Version: req.Version, Set: rec.Set}, nil
}

// pinLog lists the versions, newest first.
func (s *Service) pinLog(ctx context.Context, c *call, req api.PinLogRequest) ([]api.PinVersion, error) {
	limit := req.Limit
	if limit <= 0 || limit > maxPinLog {
		limit = maxPinLog
	}
	out := []api.PinVersion{}
	err := s.view(ctx, func(tx store.Tx) error {
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		cur, err := currentPinVersion(tx, c.acct.ID)
		for v := cur; err == nil && v > 0 && len(out) < limit; v-- {
			var rec *pinVersionRec
			if rec, err = loadPinVersion(tx, c.acct.ID, v); err == nil {
				out = append(out, rec.PinVersion)
			}
		}
		return err
	})
	return out, err
}

// pushPins accepts req.Set as the next version when req.BaseVersion is
// current and the invariants hold, as seen live from here (or when forced,
// with a reason). The live probe runs before the transaction: no network
// while the store is held for writing.
func (s *Service) pushPins(ctx context.Context, c *call, req api.PinPushRequest) (api.PinPushResult, error) {
	if err := validPush(&req); err != nil {
		s.recordAlone(ctx, c.acct.ID, c.event("failed: "+fault.KindOf(err).String()))
		return api.PinPushResult{}, err
	}
	base, _, err := s.readPins(ctx, c, req.BaseVersion)
	if err != nil && fault.KindOf(err) != fault.Invalid {
		return api.PinPushResult{}, err
	}
	var live stage.Live
	if base != nil {
		live = s.probe(ctx, stage.NeedsLive(base.Set, req.Set))
	}
	var res api.PinPushResult
	err = s.pinMutate(ctx, c, func(tx store.Tx, ev *event) error {
		var err error
		res, err = s.applyPush(tx, c, req, live, ev)
		return err
	})
	return res, err
}

func validPush(req *api.PinPushRequest) error {
	req.Reason = strings.TrimSpace(req.Reason)
	switch {
	case req.Set == nil:
		return fault.New(fault.Usage, "the push carries no pin set")
	case len(req.Reason) > maxReason || strings.ContainsFunc(req.Reason, isControl):
		return fault.New(fault.Usage, "the reason must be one line of at most %d bytes", maxReason)
	case req.Force && req.Reason == "":
		return fault.New(fault.Usage, "a forced push needs a reason (--reason TEXT): the audit log keeps it")
	case len(req.View) > maxViewDomain:
		return fault.New(fault.Invalid, "the live view names %d domains; at most %d are accepted", len(req.View), maxViewDomain)
	}
	for name, keys := range req.View {
		if len(keys) > maxViewKeys {
			return fault.New(fault.Invalid, "the live view of %s has %d keys; at most %d are accepted", truncate(name, 60), len(keys), maxViewKeys)
		}
	}
	return stage.Validate(req.Set)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// applyPush is the transaction of a push: optimistic concurrency, the
// invariants, the new version and its signed SDK configuration.
func (s *Service) applyPush(tx store.Tx, c *call, req api.PinPushRequest, live stage.Live, ev *event) (api.PinPushResult, error) {
	cur, err := currentPinVersion(tx, c.acct.ID)
	if err != nil {
		return api.PinPushResult{}, err
	}
	ev.fromVersion, ev.reason = int64(req.BaseVersion), req.Reason
	if req.BaseVersion != cur {
		return api.PinPushResult{}, fault.WithHint(fault.New(fault.Conflict,
			"the pin configuration is at version %d; your push is based on version %d", cur, req.BaseVersion),
			"approov pin rebase, then approov pin push again")
	}
	old, err := loadPinVersion(tx, c.acct.ID, cur)
	if err != nil {
		return api.PinPushResult{}, err
	}
	vs := s.pushViolations(old.Set, req.Set, live, req.View)
	if err := refuse(vs, req.Force); err != nil {
		return api.PinPushResult{}, err
	}
	return s.commitVersion(tx, c, old, req.Set, carryAPIs(old.APIs, req.Set), req.Reason, vs, ev)
}

// commitVersion stores next as the version after old, with its signed SDK
// configuration, and fills in the audit event.
func (s *Service) commitVersion(tx store.Tx, c *call, old *pinVersionRec, next *pins.PinSet, apis map[string]apiOptions, reason string, vs []stage.Violation, ev *event) (api.PinPushResult, error) {
	diff := stage.Compare(old.Set, next)
	rec := &pinVersionRec{Set: stage.Clone(next), APIs: apis}
	rec.PinVersion = api.PinVersion{Version: old.Version + 1, Time: s.now(), User: c.sess.User, Role: c.sess.Role,
		Reason: reason, Forced: len(vs) > 0, Summary: summarize(diff, old.APIs, apis), Domains: len(next.Domains)}
	rec.Set.BaseVersion = 0
	var err error
	if rec.Config, err = s.signConfig(tx, c.acct, rec.Version, rec.Set, apis); err != nil {
		return api.PinPushResult{}, err
	}
	if err := putJSON(tx, store.Pins, pinVersionKey(c.acct.ID, rec.Version), rec); err != nil {
		return api.PinPushResult{}, err
	}
	ev.fromVersion, ev.toVersion, ev.detail, ev.reason = int64(old.Version), int64(rec.Version), rec.Summary, reason
	if rec.Forced {
		ev.detail = truncate("forced over: "+violationList(vs)+"; "+rec.Summary, maxSummary)
	}
	res := api.PinPushResult{Version: rec.Version, Changes: orEmptyList(diff.Lines()), Forced: rec.Forced, Overridden: vs}
	return res, putJSON(tx, store.Pins, pinHeadKey(c.acct.ID), pinHead{Version: rec.Version})
}

// pushViolations are the invariants replacing old by next breaks, with the
// service's live view, and where that view differs from the CLI's.
func (s *Service) pushViolations(old, next *pins.PinSet, live stage.Live, cli stage.View) []stage.Violation {
	vs := stage.CheckInvariants(old, next, live, s.now())
	if cli != nil {
		vs = append(vs, stage.ViewViolations(stage.CompareViews(cli, stage.ViewOf(live)))...)
	}
	return vs
}

// refuse fails on violations unless forced; an invalid set is never
// stored, forced or not.
func refuse(vs []stage.Violation, force bool) error {
	if len(vs) == 0 {
		return nil
	}
	hint := "fix the staged set (approov pin diff shows what breaks), or override with --force --yes --reason TEXT"
	for _, v := range vs {
		if v.Rule == stage.RuleInvalid {
			force, hint = false, "fix the staged set: an invalid pin set cannot be pushed, even with --force"
		}
	}
	if force {
		return nil
	}
	return fault.WithHint(stage.ViolationError(vs), hint)
}

func violationList(vs []stage.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Domain + " " + string(v.Rule)
	}
	return strings.Join(parts, ", ")
}

func summarize(d stage.Diff, oldAPIs, apis map[string]apiOptions) string {
	parts := make([]string, 0, len(d.Domains))
	for _, dd := range d.Domains {
		parts = append(parts, dd.Domain+": "+dd.Summary())
	}
	parts = append(parts, apiChanges(oldAPIs, apis)...)
	if len(parts) == 0 {
		return "no change"
	}
	return truncate(strings.Join(parts, "; "), maxSummary)
}

func orEmptyList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// pinMutate is mutate for operations whose audit event carries more than a
// target: fn fills in the versions, detail and reason, for success and
// failure alike.
func (s *Service) pinMutate(ctx context.Context, c *call, fn func(tx store.Tx, ev *event) error) error {
	var ev event
	err := s.update(ctx, func(tx store.Tx) error {
		ev = c.event(outcomeOK)
		ev.target = "pins"
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		if err := fn(tx, &ev); err != nil {
			return err
		}
		return s.record(tx, c.acct.ID, ev)
	})
	if err != nil {
		ev.outcome, ev.toVersion = "failed: "+fault.KindOf(err).String(), 0
		s.recordAlone(ctx, c.acct.ID, ev)
	}
	return err
}

// probe sees the live chains of domains from where the service runs.
// Chains are verified at the time Live.Fetch.Now gives (default the wall
// clock, not the service's: certificates live in real time).
func (s *Service) probe(ctx context.Context, domains []string) stage.Live {
	return stage.Probe(ctx, domains, s.opt.Live)
}
