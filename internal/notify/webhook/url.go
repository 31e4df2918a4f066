package webhook

import (
	"net"
	"net/url"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// maxURL bounds a webhook URL; real ones are far shorter.
const maxURL = 2048

// CheckURL accepts an absolute https URL without credentials; http only for
// a loopback host (tests, a local relay). It is the check the monitoring
// settings apply when a URL is set, and Send applies again. Its errors
// are fault.Invalid.
func CheckURL(raw string) error {
	if len(raw) > maxURL {
		return fault.New(fault.Invalid, "webhook URL longer than %d bytes", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fault.New(fault.Invalid, "webhook URL does not parse") // url's error quotes it whole
	}
	switch {
	case u.User != nil:
		return fault.New(fault.Invalid, "webhook URL must not hold credentials (use the webhook secret)")
	case u.Host == "" || u.Opaque != "":
		return fault.New(fault.Invalid, "webhook URL must be absolute: https://host/path")
	case u.Fragment != "":
		return fault.New(fault.Invalid, "webhook URL must not have a #fragment")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fault.New(fault.Invalid, "webhook URL must use https (http only to a loopback address)")
	}
	return fault.New(fault.Invalid, "webhook URL scheme %q not supported: use https", u.Scheme)
}

// isLoopback is a literal loopback address or localhost.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
