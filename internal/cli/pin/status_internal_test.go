package pin

import (
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
)

// settleUnconfirmed tells the three outcomes of a push whose answer never
// came back, and moves the staging area onto the version only when the
// push took effect.
func TestSettleUnconfirmed(t *testing.T) {
	pushed := &pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{{Name: "a.test"}}}
	other := &pins.PinSet{Schema: pins.SchemaVersion, Domains: []pins.Domain{{Name: "b.test"}}}
	for _, tc := range []struct {
		name     string
		cfg      api.PinConfig
		want     string
		wantBase uint64
	}{
		{"took effect", api.PinConfig{Version: 4, Set: pushed}, "took effect: it is version 4", 4},
		{"did not", api.PinConfig{Version: 3, Set: stage.Clone(nil)}, "did not take effect: version 3 is still the latest", 3},
		{"someone else's", api.PinConfig{Version: 5, Set: other}, "now at version 5, which is not the set it sent", 3},
	} {
		base := stage.Clone(nil)
		base.BaseVersion = 3
		s := &Staged{Base: base, Work: stage.Clone(pushed)}
		u := &UnconfirmedPush{At: time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), BaseVersion: 3, Set: stage.Clone(pushed)}
		msg := settleUnconfirmed(s, u, tc.cfg)
		if !strings.Contains(msg, tc.want) || s.Base.BaseVersion != tc.wantBase {
			t.Errorf("%s: %q, base version %d", tc.name, msg, s.Base.BaseVersion)
		}
		if tc.wantBase == 4 && !stage.Compare(s.Base, s.Work).Empty() {
			t.Errorf("%s: the pushed work is still staged", tc.name)
		}
	}
}
