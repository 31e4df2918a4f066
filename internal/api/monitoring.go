package api

import (
	"log/slog"
	"time"
)

// Monitoring states of a domain.
const (
	MonitorUnknown = "unknown" // not checked yet
	MonitorOK      = "ok"
	MonitorWarning = "warning" // reachable and pinned, but a certificate or the pin set expires soon
	MonitorFailing = "failing" // unreachable, unverified, or no pin matches
)

// MonitoringSettings are an account's monitoring settings as answered: the
// webhook secret is never in them, only whether one is set.
type MonitoringSettings struct {
	Interval         time.Duration `json:"interval"` // nanoseconds
	Emails           []string      `json:"emails"`
	Webhook          string        `json:"webhook,omitempty"`
	WebhookSecretSet bool          `json:"webhook_secret_set"`
	Page             bool          `json:"page"` // a status-page link is enabled
}

// MonitoringSetRequest changes the settings; an absent field keeps its
// value. Emails replaces the whole list (an empty list clears it); Webhook
// "" removes the webhook (and its secret).
type MonitoringSetRequest struct {
	Interval      time.Duration `json:"interval,omitempty"`
	Emails        *[]string     `json:"emails,omitempty"`
	Webhook       *string       `json:"webhook,omitempty"`
	WebhookSecret []byte        `json:"webhook_secret,omitzero"`
}

// String hides the webhook secret from %v and %s.
func (r MonitoringSetRequest) String() string {
	return "MonitoringSetRequest{webhook_secret: (hidden)}"
}

// GoString hides the webhook secret from %#v.
func (r MonitoringSetRequest) GoString() string { return r.String() }

// LogValue hides the webhook secret from slog.
func (r MonitoringSetRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MonitoredDomain is a domain's monitoring state: its last result, since
// when it is in that state, and when it is checked next.
type MonitoredDomain struct {
	Domain       string        `json:"domain"`
	State        string        `json:"state"`
	Since        time.Time     `json:"since,omitzero"`
	LastCheck    time.Time     `json:"last_check,omitzero"`
	NextCheck    time.Time     `json:"next_check,omitzero"`
	Latency      time.Duration `json:"latency,omitempty"` // nanoseconds
	Error        string        `json:"error,omitempty"`
	Warnings     []string      `json:"warnings,omitempty"`
	Pins         []string      `json:"pins"`    // the domain's pins (base64 SHA-256)
	Matched      []string      `json:"matched"` // the pins a served chain matched
	CertSubject  string        `json:"cert_subject,omitempty"`
	CertExpiry   time.Time     `json:"cert_expiry,omitzero"`
	PinSetExpiry time.Time     `json:"pin_set_expiry,omitzero"`
}

// MonitoringStatus answers monitoring.status.
type MonitoringStatus struct {
	Settings   MonitoringSettings `json:"settings"`
	Domains    []MonitoredDomain  `json:"domains"`
	Deliveries []Delivery         `json:"deliveries"` // the latest notifications, newest first
}

// Delivery is one notification sent (or not) to a webhook or by email.
type Delivery struct {
	Time     time.Time         `json:"time"`
	Kind     string            `json:"kind"` // "webhook" or "email"
	Target   string            `json:"target"`
	Event    string            `json:"event"` // "failing", "recovered", "reminder", "expiry", "test"
	OK       bool              `json:"ok"`
	Error    string            `json:"error,omitempty"`
	Attempts []DeliveryAttempt `json:"attempts,omitempty"`
}

// DeliveryAttempt is one try of a webhook delivery.
type DeliveryAttempt struct {
	Time    time.Time     `json:"time"`
	Status  int           `json:"status,omitempty"`
	Error   string        `json:"error,omitempty"`
	Latency time.Duration `json:"latency"`
}

// MonitoringHistoryRequest filters the check history; Limit zero means
// all (capped at 10000).
type MonitoringHistoryRequest struct {
	Domain string    `json:"domain,omitempty"`
	Since  time.Time `json:"since,omitzero"`
	Limit  int       `json:"limit,omitempty"`
}

// MonitoringCheck is one check in the history.
type MonitoringCheck struct {
	Time    time.Time     `json:"time"`
	Domain  string        `json:"domain"`
	State   string        `json:"state"`
	Latency time.Duration `json:"latency"`
	Error   string        `json:"error,omitempty"`
}

// MonitoringRun answers monitoring.run: every domain checked now.
type MonitoringRun struct {
	Domains []MonitoredDomain `json:"domains"`
}

// MonitoringTest answers monitoring.test: the test notification's deliveries.
type MonitoringTest struct {
	Deliveries []Delivery `json:"deliveries"`
}

// StatusPageLink is a new status-page link: the token is answered once,
// the service keeps only its hash.
type StatusPageLink struct {
	Token string `json:"token"`
	Path  string `json:"path"` // "/status/<token>" on approovd
}
