package statuspage

import (
	"math"
	"time"
)

var now = time.Date(2026, 12, 1, 21, 30, 0, 0, time.UTC)

const hostile = `<script>alert("x")</script>'"&` + "\x1b[31m\r\n\u202e"

// samplePage is a page with each state, expiry windows, matched and
// unmatched pins, a week of history with an outage and attacker text in
// every field that can carry it.
func samplePage() Page {
	return Page{
		Account:   "acme-mobile",
		Generated: now,
		Domains: []Domain{
			{
				Name: "api.acme.example", State: "ok", Since: now.Add(-50 * time.Hour),
				LastCheck: now.Add(-4 * time.Minute), NextCheck: now.Add(11 * time.Minute), Latency: 84 * time.Millisecond,
				Pins:        []Pin{{"W1Hv0VOjd7yhVczMbBz8xpgmSkIOCbZtZxWrWbQyMWY=", true}, {"dbH4VJNprAJyE4ESJbzE2Pyh8npXSlwPtwXQJs2FH8o=", false}},
				CertSubject: "CN=api.acme.example,O=Acme Ltd,C=GB", CertExpiry: now.Add(74 * 24 * time.Hour),
				PinSetExpiry: now.Add(200 * 24 * time.Hour), History: history(now, 80, nil),
			},
			{
				Name: "payments.acme.example", State: "failing", Since: now.Add(-3*time.Hour - 20*time.Minute),
				LastCheck: now.Add(-2 * time.Minute), NextCheck: now.Add(13 * time.Minute), Latency: 212 * time.Millisecond,
				Error:       "no pin matches the chain served by 203.0.113.7:443 (leaf key changed)",
				Pins:        []Pin{{"r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=", false}},
				CertSubject: "CN=payments.acme.example", CertExpiry: now.Add(12 * 24 * time.Hour),
				PinSetExpiry: now.Add(5 * 24 * time.Hour),
				History:      history(now, 190, func(h int) bool { return h < 4 || h >= 60 && h < 63 }),
			},
			{
				Name: "login.acme.example", State: "warning", Since: now.Add(-6 * 24 * time.Hour),
				LastCheck: now.Add(-9 * time.Minute), NextCheck: now.Add(6 * time.Minute), Latency: 41 * time.Millisecond,
				Pins:        []Pin{{"C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M=", true}},
				CertSubject: "CN=login.acme.example", CertExpiry: now.Add(5*24*time.Hour + 3*time.Hour),
				History: history(now, 45, nil)[200:],
			},
			{
				Name: hostile + ".evil.example", State: "<b>pwned</b>", Error: hostile,
				Pins:        []Pin{{hostile, false}},
				CertSubject: "CN=" + hostile,
			},
		},
	}
}

// history is a check every 15 minutes over 7 days ending at now, latency
// around base ms, failing in the hours (counted back from now) where fail
// says so.
func history(now time.Time, base float64, fail func(hoursAgo int) bool) []Sample {
	var out []Sample
	for t := now.Add(-window); t.Before(now); t = t.Add(15 * time.Minute) {
		h := int(now.Sub(t) / time.Hour)
		lat := base * (1 + 0.25*math.Sin(float64(t.Unix())/7000) + 0.1*math.Sin(float64(t.Unix())/900))
		ok := fail == nil || !fail(h)
		out = append(out, Sample{At: t, OK: ok, Latency: time.Duration(lat * float64(time.Millisecond))})
	}
	return out
}
