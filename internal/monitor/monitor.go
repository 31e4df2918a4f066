// Package monitor runs approovd's monitoring loop: every Every it asks the
// service for one monitoring round (service.MonitorRound), which claims
// the due domains of every account with a lease in the store, so several
// approovd instances on one store check each domain once per interval
// between them. The domain rules (what is due, what is notified) are the
// service's; this package only keeps time and logs.
package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"time"

	"github.com/approov-cli/approov/internal/service"
)

// DefaultEvery is how often the loop looks for due checks: well under the
// shortest interval (a minute), so a check is at most this late.
const DefaultEvery = 10 * time.Second

// Loop is the monitoring loop of one instance.
type Loop struct {
	Service *service.Service
	Logger  *slog.Logger
	Every   time.Duration // 0: DefaultEvery
	// Owner names this instance in leases; "": host name and a random suffix.
	Owner string
	// Ticks, when set, replaces the real ticker (tests).
	Ticks <-chan time.Time
}

// Run runs rounds until ctx ends. A failed round is logged and the next
// one tries again: a store hiccup must not stop monitoring.
func (l *Loop) Run(ctx context.Context) {
	owner, log := l.owner(), l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ticks := l.Ticks
	if ticks == nil {
		t := time.NewTicker(orDefault(l.Every, DefaultEvery))
		defer t.Stop()
		ticks = t.C
	}
	log.Info("monitoring", "owner", owner)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			l.round(ctx, log, owner)
		}
	}
}

func (l *Loop) round(ctx context.Context, log *slog.Logger, owner string) {
	start := time.Now()
	st, err := l.Service.MonitorRound(ctx, owner)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("monitoring round", "err", err.Error())
	case st.Checked > 0:
		log.Info("monitoring round", "checked", st.Checked, "failing", st.Failing, "notified", st.Notices,
			"duration", time.Since(start))
	}
}

func (l *Loop) owner() string {
	if l.Owner != "" {
		return l.Owner
	}
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
