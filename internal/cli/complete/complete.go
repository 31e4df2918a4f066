// Package complete is shell completion from a local cache: the values a
// command last saw (domains, registration, certificate and device ids,
// emails) kept
// per account in ~/.approov/cache.json, refreshed by the commands that list
// or change them. Completion never prompts and never touches the network: it
// reads the state directory and nothing else.
//
// A command that lists values calls Remember (replace) or Add / Drop; a
// command that takes them as arguments or flag values sets
// cmd.ValidArgsFunction = complete.From(f, complete.Emails) or
// cmd.RegisterFlagCompletionFunc("domain", complete.From(f, complete.Domains)).
package complete

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login"
	"github.com/approov-cli/approov/internal/statedir"
)

// Kind names a set of values that complete.
type Kind string

// The kinds of values. Roles and Accounts need no cache (static, and the
// session state); the others are cached per account.
const (
	Domains       Kind = "domains"
	Registrations Kind = "registrations"
	Certificates  Kind = "certificates"
	Emails        Kind = "emails"
	Devices       Kind = "devices" // the short masked ids of device overrides
	Roles         Kind = "roles"
	Accounts      Kind = "accounts"
)

// Bounds: the cache is small, and a huge or hostile file is ignored.
const (
	cacheFile  = "cache.json"
	cacheLock  = "cache.lock"
	maxCache   = 4 << 20
	maxValues  = 10_000
	maxValue   = 256
	lockWait   = 2 * time.Second
	cacheShape = 1
)

// cache is cache.json: account id → kind → values.
type cache struct {
	Version  int                         `json:"version"`
	Accounts map[string]map[Kind]*values `json:"accounts"`
}

type values struct {
	Values    []string  `json:"values"`
	Refreshed time.Time `json:"refreshed"`
}

// Remember replaces the cached values of kind for account. It is best
// effort: a command's result never depends on the cache, so callers may
// ignore the error.
func Remember(ctx context.Context, m *login.Manager, account string, kind Kind, vals []string) error {
	return edit(ctx, m, account, kind, func([]string) []string { return vals })
}

// Add adds values to the cached ones (a value just created).
func Add(ctx context.Context, m *login.Manager, account string, kind Kind, vals ...string) error {
	return edit(ctx, m, account, kind, func(old []string) []string { return append(old, vals...) })
}

// Drop removes values from the cache (a value just deleted).
func Drop(ctx context.Context, m *login.Manager, account string, kind Kind, vals ...string) error {
	return edit(ctx, m, account, kind, func(old []string) []string {
		return slices.DeleteFunc(old, func(v string) bool { return slices.Contains(vals, v) })
	})
}

// ActiveAccount is the id of the account the active role acts on, or "".
// It reads local state only.
func ActiveAccount(ctx context.Context, m *login.Manager) string {
	if m == nil {
		return ""
	}
	t, err := m.Active(ctx)
	if err != nil {
		return ""
	}
	return t.Account.ID
}

// From returns a completion function for kind, for ValidArgsFunction and
// RegisterFlagCompletionFunc: values of the active account from the cache
// (roles: the fixed list; accounts: those of the session state) that start
// with what was typed and are not already on the command line.
func From(f *cmdutil.Factory, kind Kind) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
		var m *login.Manager
		if f.Auth != nil {
			m = f.Auth()
		}
		vals := lookup(cmd.Context(), m, kind)
		out := []string{}
		for _, v := range vals {
			if strings.HasPrefix(v, typed) && !slices.Contains(args, v) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func lookup(ctx context.Context, m *login.Manager, kind Kind) []string {
	if ctx == nil {
		ctx = context.Background()
	}
	switch {
	case kind == Roles:
		return roleNames()
	case m == nil:
		return nil
	case kind == Accounts:
		return accountIDs(ctx, m)
	}
	account := ActiveAccount(ctx, m)
	dir, err := openDir(m)
	if err != nil || account == "" {
		return nil
	}
	c := read(dir)
	if c.Accounts[account][kind] == nil {
		return nil
	}
	return c.Accounts[account][kind].Values
}

func roleNames() []string {
	out := make([]string, len(role.All))
	for i, r := range role.All {
		out[i] = string(r)
	}
	return out
}

func accountIDs(ctx context.Context, m *login.Manager) []string {
	st, err := m.State(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range st.Accounts {
		out = append(out, a.ID)
	}
	return out
}

// edit changes one kind's values under the cache lock, written atomically.
func edit(ctx context.Context, m *login.Manager, account string, kind Kind, fn func([]string) []string) error {
	if m == nil || account == "" {
		return nil
	}
	dir, err := openDir(m)
	if err != nil {
		return err
	}
	unlock, err := dir.Lock(ctx, cacheLock, lockWait, nil)
	if err != nil {
		return err
	}
	defer unlock()
	c := read(dir)
	if c.Accounts[account] == nil {
		c.Accounts[account] = map[Kind]*values{}
	}
	var old []string
	if v := c.Accounts[account][kind]; v != nil {
		old = v.Values
	}
	vals := clean(fn(slices.Clone(old)))
	if c.Accounts[account][kind] != nil && slices.Equal(vals, old) {
		return nil // unchanged: a listing command costs no write (and no fsync)
	}
	c.Accounts[account][kind] = &values{Values: vals, Refreshed: time.Now().UTC()}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return dir.WriteFile(cacheFile, raw)
}

// clean sorts, removes duplicates and drops values a shell could not take
// (empty, too long, control characters), keeping at most maxValues.
func clean(vals []string) []string {
	vals = slices.DeleteFunc(vals, func(v string) bool {
		return v == "" || len(v) > maxValue || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r == 0x7f })
	})
	slices.Sort(vals)
	vals = slices.Compact(vals)
	if len(vals) > maxValues {
		vals = vals[:maxValues]
	}
	return vals
}

// openDir opens the approov directory the session store uses.
func openDir(m *login.Manager) (*statedir.Dir, error) {
	s, err := m.Store()
	if err != nil {
		return nil, err
	}
	return statedir.Open(s.Dir(), nil)
}

// read reads the cache; a missing, unreadable or foreign file is an empty cache.
func read(dir *statedir.Dir) *cache {
	c := &cache{Version: cacheShape, Accounts: map[string]map[Kind]*values{}}
	raw, err := dir.ReadFile(cacheFile, maxCache)
	if err != nil {
		return c
	}
	var got cache
	if json.Unmarshal(raw, &got) == nil && got.Version == cacheShape && got.Accounts != nil {
		c = &got
	}
	return c
}

// Positional completes each positional argument from its own kind: the
// first from kinds[0], the second from kinds[1]…, nothing beyond.
func Positional(f *cmdutil.Factory, kinds ...Kind) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, typed string) ([]string, cobra.ShellCompDirective) {
		if len(args) >= len(kinds) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return From(f, kinds[len(args)])(cmd, args, typed)
	}
}
