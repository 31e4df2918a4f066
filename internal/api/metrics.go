package api

import "time"

// Dimensions a metrics answer can break attestations down by
// (MetricsQuery.By).
const (
	MetricsByOutcome  = "outcome"  // pass, pass-risky, fail
	MetricsByReason   = "reason"   // each policy reason, "none" for a clean pass
	MetricsByApp      = "app"      // package name or bundle id
	MetricsByVersion  = "version"  // app id and version
	MetricsByPlatform = "platform" // android, ios
	MetricsByNetwork  = "network"  // the client's network, truncated to /24 or /48
)

// MetricsBy lists the dimensions, the default first.
var MetricsBy = []string{MetricsByOutcome, MetricsByReason, MetricsByApp, MetricsByVersion, MetricsByPlatform, MetricsByNetwork}

// Bucket sizes of a metrics answer (MetricsQuery.Step).
const (
	MetricsStepHour = "hour"
	MetricsStepDay  = "day"
)

// MaxMetricsRange is the longest period one metrics query covers: the
// retention of the hourly counts.
const MaxMetricsRange = 400 * 24 * time.Hour

// MetricsQuery selects attestation metrics. Zero Until: now; zero Since:
// 24 hours before Until; empty By: outcome; empty Step: hour for up to 3
// days, day beyond.
type MetricsQuery struct {
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	By    string    `json:"by,omitempty"`
	Step  string    `json:"step,omitempty"`
}

// Metrics counts the attestations of [Since, Until), rounded out to whole
// hours (days for Step "day"), in UTC.
type Metrics struct {
	Since   time.Time      `json:"since"`
	Until   time.Time      `json:"until"`
	By      string         `json:"by"`
	Step    string         `json:"step"`
	Total   int64          `json:"total"`   // attestations in the period
	Series  []MetricSeries `json:"series"`  // each value of By, most attestations first
	Buckets []MetricBucket `json:"buckets"` // every step of the period, oldest first, empty ones too
	Days    []UniqueCount  `json:"days"`    // unique installations per day of the period
	Months  []UniqueCount  `json:"months"`  // and per month it touches
}

// MetricSeries is one value of the breakdown and its attestations. By
// reason, an attestation with two reasons counts in both.
type MetricSeries struct {
	Key   string `json:"key"`
	Total int64  `json:"total"`
}

// MetricBucket is one hour or day: its attestations, and those of each
// series (zero ones left out).
type MetricBucket struct {
	Start  time.Time        `json:"start"`
	Total  int64            `json:"total"`
	Counts map[string]int64 `json:"counts"`
}

// UniqueCount is how many distinct installations attested in a period
// ("2026-12-01" or "2026-12").
type UniqueCount struct {
	Period        string `json:"period"`
	Installations int64  `json:"installations"`
}
