// Package statuspage renders a monitoring account's status page: one HTML
// document with inline CSS and an inline SVG chart of 7 days of history,
// no JavaScript and no external assets, so it works from behind its
// unguessable link with the strictest Content-Security-Policy. Every text
// on it may come from an attacker (a domain name, a certificate subject, an
// error a server provoked): html/template escapes markup and
// internal/safetext makes control characters visible.
package statuspage

import (
	_ "embed"
	"html/template"
	"io"
	"time"
)

// ContentSecurityPolicy is the page's policy, in its meta tag and, from the
// server, in the header of the same name.
const ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

// Page is what an account's status page shows.
type Page struct {
	Account   string
	Generated time.Time
	Domains   []Domain
}

// Domain is one API domain's latest check and its history.
type Domain struct {
	Name         string
	State        string // "ok", "failing", "warning", "unknown" (anything else shows as unknown)
	Since        time.Time
	LastCheck    time.Time
	NextCheck    time.Time
	Latency      time.Duration
	Error        string
	Pins         []Pin
	CertSubject  string
	CertExpiry   time.Time
	PinSetExpiry time.Time
	History      []Sample
}

// Pin is one configured pin and whether the live chain matched it.
type Pin struct {
	Value   string
	Matched bool
}

// Sample is one past check.
type Sample struct {
	At      time.Time
	OK      bool
	Latency time.Duration
}

//go:embed page.html.tmpl
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// Render writes p as a whole HTML document, domains most severe first.
func Render(w io.Writer, p Page) error {
	return pageTmpl.Execute(w, newView(p))
}
