package postgres

import (
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/approov-cli/approov/internal/fault"
)

// Defaults for settings the URL leaves out (docs/store-postgres.md lists
// what the URL may set).
const (
	DefaultConnectTimeout   = 5 * time.Second
	DefaultStatementTimeout = "10s"
	// DefaultClientTimeout bounds, on approov's side, each round trip to
	// PostgreSQL (begin, a statement, commit): a database that stopped
	// answering (a network partition) is an error after it, where
	// statement_timeout, enforced by the server, cannot help.
	DefaultClientTimeout = 15 * time.Second
	// DefaultIdleInTransaction ends a session that holds a transaction
	// open and idle, so a stuck instance cannot hold locks for long.
	DefaultIdleInTransaction = "60s"
)

// clientTimeoutParam is approov's own URL option (not sent to the server).
const clientTimeoutParam = "client_timeout"

// config is a parsed store URL.
type config struct {
	pool   *pgxpool.Config
	where  string        // the URL as messages may show it
	client time.Duration // client_timeout
}

// parseConfig parses a postgres:// URL into a pool configuration with the
// defaults above.
func parseConfig(raw string) (config, error) {
	pc, where, err := parsePoolConfig(raw)
	if err != nil {
		return config{}, err
	}
	c := config{pool: pc, where: where, client: DefaultClientTimeout}
	if v, ok := pc.ConnConfig.RuntimeParams[clientTimeoutParam]; ok {
		delete(pc.ConnConfig.RuntimeParams, clientTimeoutParam)
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return config{}, fault.New(fault.Usage, "store URL %s: %s=%.20q: want a duration such as 15s", where, clientTimeoutParam, v)
		}
		c.client = d
	}
	return c, nil
}

func parsePoolConfig(raw string) (*pgxpool.Config, string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, "", fault.New(fault.Usage, "store URL: want postgres://user@host:port/database?options")
	}
	where := Redact(u)
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, "", fault.New(fault.Usage, "store URL %s: %s", where, oneLine(err.Error()))
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = DefaultConnectTimeout
	}
	setParam(cc.RuntimeParams, "statement_timeout", DefaultStatementTimeout)
	setParam(cc.RuntimeParams, "idle_in_transaction_session_timeout", DefaultIdleInTransaction)
	setParam(cc.RuntimeParams, "application_name", "approov")
	// Every statement approov sends is a key or key-range lookup on the
	// primary key, whatever its parameters: a plan made once serves every
	// run, where the default re-plans some each time (a fifth of the
	// database's CPU per signed read).
	setParam(cc.RuntimeParams, "plan_cache_mode", "force_generic_plan")
	return cfg, where, nil
}

// setParam sets a run-time parameter the URL set neither directly nor
// through options=-c name=value.
func setParam(p map[string]string, name, value string) {
	if _, ok := p[name]; !ok && !strings.Contains(p["options"], name) {
		p[name] = value
	}
}

// Redact is u as errors and logs may show it: scheme, user, host and
// database, without the password or the query (which may hold sslpassword).
func Redact(u *url.URL) string {
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.User != nil {
		c.User = url.User(u.User.Username())
	}
	return c.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
