package service

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/store"
)

// apiOps are the operations on the account's API domains: each change is
// a new version of the pin configuration, under the same invariants as a push.
var apiOps = []endpoint{
	serve(api.OpAPIAdd, (*Service).addAPI),
	serve(api.OpAPIList, (*Service).listAPIs),
	serve(api.OpAPIRemove, (*Service).removeAPI),
}

// apiOptions are an API domain's options that differ from the default.
type apiOptions struct {
	NoToken bool `json:"no_token,omitempty"`
	NoPins  bool `json:"no_pins,omitempty"` // an API domain without pins (not in the pin set)
}

// carryAPIs keeps the options of the domains next still has, and the
// domains without pins (which a pin set cannot hold).
func carryAPIs(apis map[string]apiOptions, next *pins.PinSet) map[string]apiOptions {
	out := map[string]apiOptions{}
	for name, o := range apis {
		if o.NoPins || slices.ContainsFunc(next.Domains, func(d pins.Domain) bool { return d.Name == name }) {
			out[name] = o
		}
	}
	return out
}

// apiChanges says how the options changed, for the version's summary.
func apiChanges(old, next map[string]apiOptions) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(next)) {
		if o, ok := old[name]; !ok || o != next[name] {
			out = append(out, name+": "+describeAPI(next[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(old)) {
		if _, ok := next[name]; !ok && old[name].NoPins {
			out = append(out, name+": removed (no pins)")
		}
	}
	return out
}

func describeAPI(o apiOptions) string {
	switch {
	case o.NoPins && o.NoToken:
		return "API domain without pins or tokens"
	case o.NoPins:
		return "API domain without pins"
	case o.NoToken:
		return "API domain without tokens"
	}
	return "API domain"
}

// configDomains are the SDK configuration's domains: the pinned ones of
// set with their token option, then those without pins.
func configDomains(set *pins.PinSet, apis map[string]apiOptions) []sdkconfig.Domain {
	out := []sdkconfig.Domain{}
	for _, d := range set.Domains {
		out = append(out, sdkconfig.DomainFromPins(d, !apis[d.Name].NoToken))
	}
	for _, name := range slices.Sorted(maps.Keys(apis)) {
		if o := apis[name]; o.NoPins {
			out = append(out, sdkconfig.Domain{Name: name, Token: !o.NoToken, Pins: []pins.Pin{}})
		}
	}
	return out
}

func (s *Service) addAPI(ctx context.Context, c *call, req api.APIAddRequest) (api.PinPushResult, error) {
	name, err := pins.NormalizeHostname(req.Domain)
	if err == nil && req.NoPins != (len(req.Pins) == 0) {
		err = fault.New(fault.Usage, "give the domain's pins, or no pins with no_pins")
	}
	if err != nil {
		s.recordAlone(ctx, c.acct.ID, c.event("failed: "+fault.KindOf(err).String()))
		return api.PinPushResult{}, err
	}
	var live stage.Live
	if !req.NoPins {
		live = s.probe(ctx, []string{name})
	}
	var res api.PinPushResult
	err = s.pinMutate(ctx, c, func(tx store.Tx, ev *event) error {
		ev.target = name
		old, err := s.currentRec(tx, c.acct.ID)
		if err != nil {
			return err
		}
		next, apis, err := withAPI(old, name, req)
		if err != nil {
			return err
		}
		vs := s.pushViolations(old.Set, next, live, req.View)
		if err := refuse(vs, false); err != nil {
			return err
		}
		res, err = s.commitVersion(tx, c, old, next, apis, "", nil, ev)
		return err
	})
	return res, err
}

func (s *Service) currentRec(tx store.Tx, account string) (*pinVersionRec, error) {
	cur, err := currentPinVersion(tx, account)
	if err != nil {
		return nil, err
	}
	return loadPinVersion(tx, account, cur)
}

// withAPI returns the set and options of old with the domain added.
func withAPI(old *pinVersionRec, name string, req api.APIAddRequest) (*pins.PinSet, map[string]apiOptions, error) {
	if slices.ContainsFunc(old.Set.Domains, func(d pins.Domain) bool { return d.Name == name }) || old.APIs[name].NoPins {
		return nil, nil, fault.WithHint(fault.New(fault.Conflict, "%s is already an API domain", name),
			"change its pins with approov pin add/rotate/retire, or approov api remove it first")
	}
	next := stage.Clone(old.Set)
	if !req.NoPins {
		next.Domains = append(next.Domains, pins.Domain{Name: name, Pins: req.Pins})
		next.Sort()
	}
	apis := carryAPIs(old.APIs, next)
	if o := (apiOptions{NoToken: req.NoToken, NoPins: req.NoPins}); o != (apiOptions{}) {
		apis[name] = o
	}
	return next, apis, stage.Validate(next)
}

func (s *Service) listAPIs(ctx context.Context, c *call, _ api.Empty) (api.APIDomains, error) {
	rec, cur, err := s.readPins(ctx, c, 0)
	if err != nil {
		return api.APIDomains{}, err
	}
	out := api.APIDomains{Version: cur, Domains: []api.APIDomain{}}
	for _, d := range rec.Set.Domains {
		out.Domains = append(out.Domains, api.APIDomain{Domain: d.Name, Token: !rec.APIs[d.Name].NoToken, Pinning: true, Pins: d.Pins, Expires: d.Expires})
	}
	for _, name := range slices.Sorted(maps.Keys(rec.APIs)) {
		if o := rec.APIs[name]; o.NoPins {
			out.Domains = append(out.Domains, api.APIDomain{Domain: name, Token: !o.NoToken, Pins: []pins.PinEntry{}})
		}
	}
	slices.SortFunc(out.Domains, func(a, b api.APIDomain) int { return strings.Compare(a.Domain, b.Domain) })
	return out, nil
}

// removeAPI removes a domain and its pins. Removal needs no live check: no
// client breaks on a domain it stops pinning.
func (s *Service) removeAPI(ctx context.Context, c *call, req api.APIRemoveRequest) (api.PinPushResult, error) {
	name, err := pins.NormalizeHostname(req.Domain)
	if err != nil {
		return api.PinPushResult{}, err
	}
	var res api.PinPushResult
	err = s.pinMutate(ctx, c, func(tx store.Tx, ev *event) error {
		ev.target = name
		old, err := s.currentRec(tx, c.acct.ID)
		if err != nil {
			return err
		}
		next := stage.Clone(old.Set)
		next.Domains = slices.DeleteFunc(next.Domains, func(d pins.Domain) bool { return d.Name == name })
		apis := carryAPIs(old.APIs, next)
		if len(next.Domains) == len(old.Set.Domains) && !old.APIs[name].NoPins {
			return fault.New(fault.Invalid, "%s is not an API domain of the account", name)
		}
		delete(apis, name)
		res, err = s.commitVersion(tx, c, old, next, apis, "", nil, ev)
		return err
	})
	return res, err
}
