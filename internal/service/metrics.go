package service

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Attestation metrics (docs/metrics.md). Every attestation writes rows of
// its own and none that another attestation writes, so concurrent
// attestations never conflict under SERIALIZABLE PostgreSQL:
//
//	<account>\x00e\x00<hour>\x00<random>  one attestation (metricEventRec)
//	<account>\x00h\x00<hour>              the hour's roll-up (metricHourRec), made by compaction
//	<account>\x00d\x00<yyyymmdd>\x00<mask> an installation seen that day (no value)
//	<account>\x00m\x00<yyyymm>\x00<mask>   an installation seen that month (no value)
//
// <hour> is the hour's Unix seconds in 20 digits, <mask> the installation
// id's keyed hash. Only the same installation attesting twice at the same
// moment writes one row twice (its presence key), which the store's retry
// absorbs. Every row is in the Expiry index, so retention is bounded.

// Retention of the metrics rows.
const (
	metricsHourRetention  = 400 * 24 * time.Hour // attestations and roll-ups: 13 months
	metricsDayRetention   = 100 * 24 * time.Hour // daily unique installations
	metricsMonthRetention = 400 * 24 * time.Hour // monthly unique installations
)

// metricsKeySize is the HMAC-SHA256 key length; maskSize the bytes of the
// keyed hash kept per installation (128 bits: no collision in practice,
// nothing more kept than counting needs).
const (
	metricsKeySize = 32
	maskSize       = 16
)

// Bounds on what one attestation may put in the metrics, so a hostile SDK
// cannot grow rows without limit.
const (
	maxFactField   = 128
	maxFactReasons = 16
)

// Attestation outcomes.
const (
	OutcomePass      = "pass"
	OutcomePassRisky = "pass-risky"
	OutcomeFail      = "fail"
)

// attestationFact is what the attestation endpoint tells the metrics about
// one attestation.
type attestationFact struct {
	At           time.Time
	Outcome      string   // "pass", "pass-risky" (passed, short token), "fail"
	Reasons      []string // policy reasons (e.g. "rooted", "unregistered", "debugger"); empty on a clean pass
	Platform     string   // "android" or "ios"
	AppID        string   // package name or bundle id
	AppVersion   string
	Installation string // the raw installation id: recordAttestation masks it (keyed hash), never stores it raw
	ClientAddr   string // the client's IP as seen by the service: recordAttestation truncates it
}

// metricDims are the dimensions an attestation is counted by. Reasons are
// sorted and joined with commas (the key of a roll-up entry).
type metricDims struct {
	Outcome  string `json:"o"`
	Reasons  string `json:"r,omitempty"`
	Platform string `json:"p,omitempty"`
	AppID    string `json:"a,omitempty"`
	Version  string `json:"v,omitempty"`
	Network  string `json:"n,omitempty"` // the truncated client address: /24 or /48
}

// metricEventRec is one attestation as stored.
type metricEventRec struct {
	metricDims
}

// metricCount is one roll-up entry: how many attestations had dims.
type metricCount struct {
	metricDims
	N int64 `json:"c"`
}

// metricHourRec is an hour's roll-up, written only by compaction.
type metricHourRec struct {
	Counts []metricCount `json:"counts"`
}

// metricsKeyRec is an account's key for masking installation ids. It never
// leaves the service.
type metricsKeyRec struct {
	Key     []byte    `json:"key"`
	Created time.Time `json:"created"`
}

// recordAttestation counts one attestation inside tx (an update transaction); it never conflicts with
// a concurrent attestation's write (no shared counter rows).
func (s *Service) recordAttestation(tx store.Tx, account string, f attestationFact) error {
	at := f.At.UTC()
	if at.IsZero() {
		at = s.now()
	}
	key := metricsEventKey(account, at, hex.EncodeToString(randBytes(8)))
	if err := s.putMetric(tx, key, metricsHour(at).Add(metricsHourRetention), metricEventRec{factDims(f)}); err != nil {
		return err
	}
	if f.Installation == "" {
		return nil
	}
	mk, err := s.metricsKey(tx, account)
	if err != nil {
		return err
	}
	return s.markInstallation(tx, account, at, maskInstallation(mk, f.Installation))
}

// markInstallation writes the installation's presence keys for at's day
// and month (blind writes: seeing it again rewrites the same rows).
func (s *Service) markInstallation(tx store.Tx, account string, at time.Time, mask string) error {
	day := metricsDay(at)
	if err := s.putMetric(tx, metricsDayKey(account, day, mask), day.Add(metricsDayRetention), nil); err != nil {
		return err
	}
	month := metricsMonth(at)
	return s.putMetric(tx, metricsMonthKey(account, month, mask), month.Add(metricsMonthRetention), nil)
}

// putMetric writes v (JSON, or nothing when nil) at key, indexed to expire at exp.
func (s *Service) putMetric(tx store.Tx, key string, exp time.Time, v any) error {
	var err error
	if v == nil {
		err = tx.Put(store.Metrics, key, nil)
	} else {
		err = putJSON(tx, store.Metrics, key, v)
	}
	if err != nil {
		return err
	}
	return expireAt(tx, exp, store.Metrics, key)
}

// metricsKey returns the account's masking key, making it inside tx the
// first time. Concurrent first attestations both making one conflict, and
// the retry reads the winner's: no installation is ever masked with a key
// that was not kept. Only a key read from the store (committed) is cached.
func (s *Service) metricsKey(tx store.Tx, account string) ([]byte, error) {
	if k, ok := s.metricsKeys.Load(account); ok {
		return k.([]byte), nil
	}
	var r metricsKeyRec
	ok, err := getJSON(tx, store.MetricsKeys, account, &r)
	if err != nil {
		return nil, err
	}
	if ok {
		if len(r.Key) != metricsKeySize {
			return nil, fault.New(fault.Internal, "corrupt metrics key of account %q", account)
		}
		s.metricsKeys.Store(account, r.Key)
		return r.Key, nil
	}
	r = metricsKeyRec{Key: randBytes(metricsKeySize), Created: s.now()}
	return r.Key, putJSON(tx, store.MetricsKeys, account, &r)
}

// maskInstallation is the keyed hash that stands for an installation id:
// HMAC-SHA256 under the account's key, truncated. Without the key the raw
// id cannot be checked against it, even by guessing ids.
func maskInstallation(key []byte, installation string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(installation))
	return hex.EncodeToString(m.Sum(nil)[:maskSize])
}

// truncateAddr keeps the network of a client address: /24 of IPv4 (an
// IPv4-mapped IPv6 address counts as IPv4), /48 of IPv6; "" when it is
// not an address. A port or zone is dropped.
func truncateAddr(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		ap, perr := netip.ParseAddrPort(addr)
		if perr != nil {
			return ""
		}
		ip = ap.Addr()
	}
	ip = ip.Unmap().WithZone("")
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, _ := ip.Prefix(bits)
	return p.String()
}

// factDims are f's dimensions, cleaned: bounded, printable, reasons sorted
// and unique, an unknown outcome counted as a failure.
func factDims(f attestationFact) metricDims {
	out := f.Outcome
	if out != OutcomePass && out != OutcomePassRisky {
		out = OutcomeFail
	}
	return metricDims{Outcome: out, Reasons: joinReasons(f.Reasons), Platform: cleanDim(f.Platform),
		AppID: cleanDim(f.AppID), Version: cleanDim(f.AppVersion), Network: truncateAddr(f.ClientAddr)}
}

func joinReasons(reasons []string) string {
	var rs []string
	for _, r := range reasons {
		if r = strings.ReplaceAll(cleanDim(r), ",", "_"); r != "" {
			rs = append(rs, r)
		}
	}
	slices.Sort(rs)
	rs = slices.Compact(rs)
	return strings.Join(rs[:min(len(rs), maxFactReasons)], ",")
}

// cleanDim bounds a reported value and replaces what a terminal or a key
// could trip on (control characters, NUL, invalid UTF-8).
func cleanDim(v string) string {
	v = strings.ToValidUTF8(v, "?")
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, v)
	if len(v) > maxFactField {
		v = strings.ToValidUTF8(v[:maxFactField], "") // drops a rune cut in half
	}
	return v
}

func metricsHour(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }
func metricsDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
func metricsMonth(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

func metricsEventPrefix(account string) string { return account + "\x00e\x00" }
func metricsHourPrefix(account string) string  { return account + "\x00h\x00" }

func hourDigits(t time.Time) string { return fmt.Sprintf("%020d", max(metricsHour(t).Unix(), 0)) }

func metricsEventKey(account string, at time.Time, suffix string) string {
	return metricsEventPrefix(account) + hourDigits(at) + "\x00" + suffix
}

func metricsHourKey(account string, hour time.Time) string {
	return metricsHourPrefix(account) + hourDigits(hour)
}

func metricsDayKey(account string, day time.Time, mask string) string {
	return account + "\x00d\x00" + day.Format("20060102") + "\x00" + mask
}

func metricsMonthKey(account string, month time.Time, mask string) string {
	return account + "\x00m\x00" + month.Format("200601") + "\x00" + mask
}
