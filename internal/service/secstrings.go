package service

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// secStringOps are the operations on runtime secrets.
var secStringOps = []endpoint{
	serve(api.OpSecStringsAdd, (*Service).addSecString),
	serve(api.OpSecStringsList, (*Service).listSecStrings),
	serve(api.OpSecStringsRemove, (*Service).removeSecString),
}

// secStringRec is a runtime secret, keyed account\x00name. Its value
// leaves the service only in passing attestations: never in a listing, an
// audit event, a log or an error.
type secStringRec struct {
	Name  string    `json:"name"`
	Value string    `json:"value"`
	SetBy string    `json:"set_by"`
	SetAt time.Time `json:"set_at"`
}

func secStringPrefix(account string) string    { return account + "\x00" }
func secStringKey(account, name string) string { return secStringPrefix(account) + name }

const secNameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

func validSecStringName(name string) error {
	if name == "" || len(name) > api.MaxSecStringName || strings.Trim(name, secNameChars) != "" {
		return fault.New(fault.Usage, "a secret's name is 1 to %d letters, digits, '.', '_' or '-'", api.MaxSecStringName)
	}
	return nil
}

// validSecStringValue checks the value without ever quoting it.
func validSecStringValue(v string) error {
	if v == "" || len(v) > api.MaxSecStringValue || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return fault.New(fault.Usage, "a secret's value is 1 to %d bytes of UTF-8 text without NUL", api.MaxSecStringValue)
	}
	return nil
}

// addSecString sets a secret (a new one, or a new value of one), at most
// MaxSecStrings per account. Audited by name only.
func (s *Service) addSecString(ctx context.Context, c *call, req api.SecStringAddRequest) (api.SecString, error) {
	err := validSecStringName(req.Name)
	if err == nil {
		err = validSecStringValue(req.Value)
	}
	if err != nil {
		s.recordAlone(ctx, c.acct.ID, c.event("failed: "+fault.KindOf(err).String()))
		return api.SecString{}, err
	}
	var out api.SecString
	err = s.mutateEvent(ctx, c, req.Name, func(tx store.Tx, e *event) error {
		all, err := loadSecStrings(tx, c.acct.ID)
		if err != nil {
			return err
		}
		_, exists := all[req.Name]
		if !exists && len(all) >= api.MaxSecStrings {
			return fault.New(fault.Invalid, "the account has %d runtime secrets, the most it may have; remove one first", api.MaxSecStrings)
		}
		e.detail = map[bool]string{true: "value replaced (not recorded)", false: "added (value not recorded)"}[exists]
		r := &secStringRec{Name: req.Name, Value: req.Value, SetBy: c.sess.User, SetAt: s.now()}
		out = api.SecString{Name: r.Name, SetBy: r.SetBy, SetAt: r.SetAt}
		return putJSON(tx, store.SecStrings, secStringKey(c.acct.ID, r.Name), r)
	})
	return out, err
}

// loadSecStrings reads the account's secrets by name.
func loadSecStrings(tx store.Tx, account string) (map[string]*secStringRec, error) {
	out := map[string]*secStringRec{}
	err := scanPrefix(tx, store.SecStrings, secStringPrefix(account), func(_ string, v []byte) error {
		var r secStringRec
		if err := json.Unmarshal(v, &r); err != nil {
			return fault.New(fault.Internal, "corrupt runtime secret record")
		}
		out[r.Name] = &r
		return nil
	})
	return out, err
}

func (s *Service) listSecStrings(ctx context.Context, c *call, _ api.Empty) ([]api.SecString, error) {
	out := []api.SecString{}
	err := s.view(ctx, func(tx store.Tx) error {
		out = out[:0]
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		return scanPrefix(tx, store.SecStrings, secStringPrefix(c.acct.ID), func(_ string, v []byte) error {
			var r secStringRec
			if err := json.Unmarshal(v, &r); err != nil {
				return fault.New(fault.Internal, "corrupt runtime secret record")
			}
			out = append(out, api.SecString{Name: r.Name, SetBy: r.SetBy, SetAt: r.SetAt})
			return nil
		})
	})
	return out, err
}

func (s *Service) removeSecString(ctx context.Context, c *call, req api.SecStringRemoveRequest) (api.Empty, error) {
	if err := validSecStringName(req.Name); err != nil {
		return api.Empty{}, err
	}
	err := s.mutateEvent(ctx, c, req.Name, func(tx store.Tx, e *event) error {
		if ok, err := getJSON(tx, store.SecStrings, secStringKey(c.acct.ID, req.Name), &secStringRec{}); err != nil || !ok {
			if err == nil {
				err = fault.New(fault.Invalid, "no runtime secret %q", req.Name)
			}
			return err
		}
		e.detail = "removed"
		return tx.Delete(store.SecStrings, secStringKey(c.acct.ID, req.Name))
	})
	return api.Empty{}, err
}
