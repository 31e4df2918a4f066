package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// maxURL bounds a webhook URL; real ones are far shorter.
const maxURL = 2048

// CheckURL accepts an absolute https URL without credentials; http only for
// a loopback host (tests, a local relay). It is the check the monitoring
// settings apply when a URL is set, and Send applies again.
func CheckURL(raw string) error {
	if len(raw) > maxURL {
		return fmt.Errorf("webhook URL longer than %d bytes", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("webhook URL does not parse") // url's error quotes it whole
	}
	switch {
	case u.User != nil:
		return errors.New("webhook URL must not hold credentials (use the webhook secret)")
	case u.Host == "" || u.Opaque != "":
		return errors.New("webhook URL must be absolute: https://host/path")
	case u.Fragment != "":
		return errors.New("webhook URL must not have a #fragment")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return errors.New("webhook URL must use https (http only to a loopback address)")
	}
	return fmt.Errorf("webhook URL scheme %q not supported: use https", u.Scheme)
}

// isLoopback is a literal loopback address or localhost.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
