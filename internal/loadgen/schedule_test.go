package loadgen

import (
	"context"
	"testing"
	"time"
)

// TestSchedule: unpaced tickets carry no due time, so latency counts from
// the call (not from the ticket's wait in the channel); paced ones are due
// 1/rate apart from the start, so queueing behind a slow server counts.
func TestSchedule(t *testing.T) {
	cases := []struct {
		name string
		rate float64
	}{{"unpaced", 0}, {"paced", 1000}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			var due []time.Time
			for d := range schedule(context.Background(), Config{Requests: 20, Workers: 4, Rate: c.rate}) {
				due = append(due, d)
			}
			if len(due) != 20 {
				t.Fatalf("%d tickets, want 20", len(due))
			}
			for i, d := range due {
				if c.rate == 0 && !d.IsZero() {
					t.Fatalf("unpaced ticket %d due at %v, want none", i, d)
				}
				if c.rate > 0 && i > 0 && d.Sub(due[i-1]) != time.Millisecond {
					t.Fatalf("tickets %d and %d are %v apart, want 1ms", i-1, i, d.Sub(due[i-1]))
				}
				if c.rate > 0 && d.Before(start) {
					t.Fatalf("ticket %d due before the run started", i)
				}
			}
		})
	}
}
