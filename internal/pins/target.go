package pins

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Target is a TLS endpoint to probe.
type Target struct {
	Host string // a DNS name (lower case, no trailing dot) or an IP literal
	Port int
}

// String returns host:port, with brackets around IPv6 literals.
func (t Target) String() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// IsIP reports whether the host is an IP literal (then no SNI is sent).
func (t Target) IsIP() bool { _, err := netip.ParseAddr(t.Host); return err == nil }

// ParseTarget reads "host", "host:port", "https://host[:port]/…", "[v6]",
// "[v6]:port" or a bare IPv6 literal. The port defaults to 443.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2048 {
		return Target{}, invalidf("endpoint is too long")
	}
	if strings.Contains(s, "://") {
		return parseURL(s)
	}
	if _, err := netip.ParseAddr(s); err == nil { // bare IPv6 (or v4) literal
		return newTarget(s, "")
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return newTarget(s[1:len(s)-1], "")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if strings.Contains(s, ":") && !strings.HasPrefix(s, "[") {
			return Target{}, invalidf("endpoint %q: cannot split host and port", truncate(s, 80))
		}
		return newTarget(s, "")
	}
	return newTarget(host, port)
}

func parseURL(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, invalidf("endpoint %q is not a valid URL", truncate(s, 80))
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return Target{}, invalidf("endpoint %q: only https:// URLs have certificates to pin", truncate(s, 80))
	}
	return newTarget(u.Hostname(), u.Port())
}

func newTarget(host, port string) (Target, error) {
	t := Target{Port: 443}
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return t, invalidf("endpoint port %q is not a number from 1 to 65535", truncate(port, 20))
		}
		t.Port = p
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return t, invalidf("IPv6 zones (%%%s) are not supported", truncate(addr.Zone(), 20))
		}
		t.Host = addr.String()
		return t, nil
	}
	name, err := NormalizeHostname(host)
	if err != nil {
		return t, err
	}
	t.Host = name
	return t, nil
}

// NormalizeHostname lower-cases a DNS name, drops a trailing dot and checks
// its syntax (letters, digits, hyphens and underscores; labels of 1–63 bytes).
func NormalizeHostname(host string) (string, error) {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "" || len(h) > 253 {
		return "", invalidf("%q is not a valid host name", truncate(host, 80))
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "", invalidf("%q is not a valid host name", truncate(host, 80))
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", invalidf("%q is not a valid host name (internationalised names must be given in their xn-- form)", truncate(host, 80))
			}
		}
	}
	return h, nil
}
