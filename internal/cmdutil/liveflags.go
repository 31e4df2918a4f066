package cmdutil

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/approov-cli/approov/internal/pins"
)

// LiveFlags are the flags of every command that reaches an endpoint to
// check pins: --ca-file, the deadlines and --connect-to. On the embedded
// backend the service's own live check uses them too.
type LiveFlags struct {
	Net       NetFlags
	ConnectTo []string
}

// AddLiveFlags registers the flags.
func AddLiveFlags(fs *pflag.FlagSet, l *LiveFlags) {
	AddNetFlags(fs, &l.Net, false)
	fs.StringArrayVar(&l.ConnectTo, "connect-to", nil, "connect to `domain=host:port` instead of domain:443; SNI and verification still use the domain (repeatable)")
}

// CheckOptions validates the flags and builds the library options.
func (l *LiveFlags) CheckOptions(now func() time.Time) (pins.CheckOptions, error) {
	if err := l.Net.Validate(); err != nil {
		return pins.CheckOptions{}, err
	}
	connect, err := ParseConnectTo(l.ConnectTo)
	if err != nil {
		return pins.CheckOptions{}, err
	}
	fo, err := l.Net.FetchOptions(now)
	return pins.CheckOptions{Fetch: fo, ConnectTo: connect, Timeout: l.Net.Timeout}, err
}

// ParseConnectTo reads --connect-to values, domain=host:port each.
func ParseConnectTo(values []string) (map[string]pins.Target, error) {
	out := map[string]pins.Target{}
	for _, v := range values {
		domain, endpoint, ok := strings.Cut(v, "=")
		name, err := pins.NormalizeHostname(domain)
		if !ok || err != nil {
			return nil, FlagErrorf("--connect-to %q: want domain=host:port", v)
		}
		t, err := pins.ParseTarget(endpoint)
		if err != nil {
			return nil, FlagErrorf("--connect-to %q: %v", v, err)
		}
		out[name] = t
	}
	return out, nil
}
