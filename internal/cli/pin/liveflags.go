package pin

import (
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
	addNetFlags(fs, &l.Net, false)
	fs.StringArrayVar(&l.ConnectTo, "connect-to", nil, "connect to `domain=host:port` instead of domain:443; SNI and verification still use the domain (repeatable)")
}

// CheckOptions validates the flags and builds the library options.
func (l *LiveFlags) CheckOptions(now func() time.Time) (pins.CheckOptions, error) {
	if err := l.Net.validate(); err != nil {
		return pins.CheckOptions{}, err
	}
	connect, err := parseConnectTo(l.ConnectTo)
	if err != nil {
		return pins.CheckOptions{}, err
	}
	fo, err := l.Net.fetchOptions(now)
	return pins.CheckOptions{Fetch: fo, ConnectTo: connect, Timeout: l.Net.Timeout}, err
}
