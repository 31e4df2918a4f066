package service

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/installkey"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/store"
)

// deviceOps are the operations on per-installation overrides.
var deviceOps = []endpoint{
	serve(api.OpDeviceAdd, (*Service).addDevice),
	serve(api.OpDeviceList, (*Service).listDevices),
	serve(api.OpDeviceRemove, (*Service).removeDevice),
}

// Bounds of overrides.
const (
	maxPentestFor  = 7 * 24 * time.Hour   // a pentest device must expire within a week
	maxOverrideFor = 366 * 24 * time.Hour // force-pass and force-fail: a year at most
	// latestFor is how long an attestation counts as the latest: `device
	// add latest` names an installation that attested within it.
	latestFor = time.Hour
	// shortMask is how many hex digits of a mask `device list` shows.
	shortMask = 12
	maskLen   = 32 // hex digits of a stored mask: 128 bits
)

// Keys of the Devices bucket.
func maskKeyKey(account string) string      { return account + "\x00k" }
func devicePrefix(account string) string    { return account + "\x00d\x00" }
func deviceKey(account, mask string) string { return devicePrefix(account) + mask }
func attestedPrefix(account string) string  { return account + "\x00" }
func attestedKey(account string, t time.Time, mask string) string {
	return fmt.Sprintf("%s%020d\x00%s", attestedPrefix(account), maxInverted-t.UnixNano(), mask)
}

// maxInverted turns times into keys that sort newest first.
const maxInverted = 1<<63 - 1

// maskKeyRec is the account's key for masking installation ids: the store
// holds only HMAC-SHA256(key, id), never an id.
type maskKeyRec struct {
	Key []byte `json:"key"`
}

// deviceRec is an override of one installation, keyed by its mask.
type deviceRec struct {
	Mask      string    `json:"mask"`
	Mode      string    `json:"mode"`
	AddedBy   string    `json:"added_by"`
	AddedAt   time.Time `json:"added_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

func (d *deviceRec) expired(now time.Time) bool {
	return !d.ExpiresAt.IsZero() && !now.Before(d.ExpiresAt)
}

func (d *deviceRec) view(now time.Time) api.Device {
	return api.Device{ID: d.Mask[:shortMask], Mode: d.Mode, AddedBy: d.AddedBy, AddedAt: d.AddedAt,
		ExpiresAt: d.ExpiresAt, Expired: d.expired(now)}
}

// maskInstallation returns the keyed hash of an installation id, making the
// account's mask key on first use (tx must then be an update).
func (s *Service) maskInstallation(tx store.Tx, account, id string) (string, error) {
	var k maskKeyRec
	ok, err := getJSON(tx, store.Devices, maskKeyKey(account), &k)
	if err != nil {
		return "", err
	}
	if !ok {
		k.Key = randBytes(32)
		if err := putJSON(tx, store.Devices, maskKeyKey(account), &k); err != nil {
			return "", err
		}
	}
	m := hmac.New(sha256.New, k.Key)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))[:maskLen], nil
}

// override returns the live override of a masked installation, or nil.
func (s *Service) override(tx store.Tx, account, mask string) (*deviceRec, error) {
	var d deviceRec
	ok, err := getJSON(tx, store.Devices, deviceKey(account, mask), &d)
	if err != nil || !ok || d.expired(s.now()) {
		return nil, err
	}
	return &d, nil
}

// noteAttested records that an installation attested now, for `device add
// latest`: a row per installation keyed by time (newest first), never one
// hot row that every attestation overwrites, so concurrent attestations of
// different installations do not conflict. The installation's pointer row
// says which row is its own, so that each keeps one, and both expire.
func (s *Service) noteAttested(tx store.Tx, account, mask string) error {
	now, ptrKey := s.now(), attestedPtrKey(account, mask)
	var p attestedPtr
	ok, err := getJSON(tx, store.Attested, ptrKey, &p)
	if err == nil && ok {
		err = dropAttested(tx, account, mask, time.Unix(0, p.At).UTC())
	}
	if err != nil {
		return err
	}
	key := attestedKey(account, now, mask)
	if err := tx.Put(store.Attested, key, nil); err != nil {
		return err
	}
	if err := putJSON(tx, store.Attested, ptrKey, attestedPtr{At: now.UnixNano()}); err != nil {
		return err
	}
	if err := expireAt(tx, now.Add(latestFor), store.Attested, key); err != nil {
		return err
	}
	return expireAt(tx, now.Add(latestFor), store.Attested, ptrKey)
}

// attestedPtr is an installation's latest row in Attested (its time).
type attestedPtr struct {
	At int64 `json:"at"` // Unix nanoseconds
}

func attestedPtrKey(account, mask string) string { return account + "\x01" + mask }

// dropAttested deletes the installation's row of time t and the expiry
// entries of that row and of its pointer.
func dropAttested(tx store.Tx, account, mask string, t time.Time) error {
	key := attestedKey(account, t, mask)
	for _, del := range [][2]string{{string(store.Attested), key},
		{string(store.Expiry), expiryKey(t.Add(latestFor), store.Attested, key)},
		{string(store.Expiry), expiryKey(t.Add(latestFor), store.Attested, attestedPtrKey(account, mask))}} {
		if err := tx.Delete(store.Bucket(del[0]), del[1]); err != nil {
			return err
		}
	}
	return nil
}

// latestAttested is the mask of the installation that attested last
// within latestFor.
func (s *Service) latestAttested(tx store.Tx, account string) (string, error) {
	now, mask := s.now(), ""
	err := scanPrefix(tx, store.Attested, attestedPrefix(account), func(k string, _ []byte) error {
		rest := strings.TrimPrefix(k, attestedPrefix(account))
		inv, m, ok := strings.Cut(rest, "\x00")
		var n int64
		if _, err := fmt.Sscanf(inv, "%d", &n); err != nil || !ok {
			return nil
		}
		if time.Unix(0, maxInverted-n).Add(latestFor).After(now) {
			mask = m
		}
		return store.ErrStop
	})
	if err == nil && mask == "" {
		err = fault.New(fault.Invalid, "no installation attested in the last %s", latestFor)
	}
	return mask, err
}

func (s *Service) addDevice(ctx context.Context, c *call, req api.DeviceAddRequest) (api.Device, error) {
	if err := s.validDeviceAdd(c, req); err != nil {
		s.recordAlone(ctx, c.acct.ID, c.event("failed: "+fault.KindOf(err).String()))
		return api.Device{}, err
	}
	var out api.Device
	err := s.mutateEvent(ctx, c, "device", func(tx store.Tx, e *event) error {
		mask, err := s.deviceTarget(tx, c.acct.ID, req)
		if err != nil {
			return err
		}
		d := &deviceRec{Mask: mask, Mode: req.Mode, AddedBy: c.sess.User, AddedAt: s.now()}
		if req.ExpireAfter > 0 {
			d.ExpiresAt = d.AddedAt.Add(req.ExpireAfter)
		}
		e.target, e.detail = "device "+mask[:shortMask], deviceDetail(d)
		out = d.view(s.now())
		return putJSON(tx, store.Devices, deviceKey(c.acct.ID, mask), d)
	})
	return out, err
}

func deviceDetail(d *deviceRec) string {
	if d.ExpiresAt.IsZero() {
		return d.Mode + ", no expiry"
	}
	return d.Mode + " until " + d.ExpiresAt.Format(time.RFC3339)
}

// validDeviceAdd applies the rules of an override: one target, a known
// mode, a bounded expiry, and a pentest device only by an admin and only
// for a limited time.
func (s *Service) validDeviceAdd(c *call, req api.DeviceAddRequest) error {
	switch {
	case req.Latest == (req.ID != ""):
		return fault.New(fault.Usage, "give an installation id or latest")
	case !req.Latest && !validInstallationID(req.ID):
		return fault.New(fault.Usage, "an installation id is %d characters of base64url (the token's did claim)", installkey.IDLength)
	case req.Mode != api.DeviceForcePass && req.Mode != api.DeviceForceFail && req.Mode != api.DevicePentest:
		return fault.New(fault.Usage, "mode must be %s, %s or %s", api.DeviceForcePass, api.DeviceForceFail, api.DevicePentest)
	case req.Mode == api.DevicePentest && c.sess.Role != role.Admin:
		return fault.New(fault.Permission, "only an admin may mark a pentest device")
	case req.Mode == api.DevicePentest && req.ExpireAfter == 0:
		return fault.New(fault.Usage, "a pentest device needs an expiry (at most %s)", maxPentestFor)
	case req.ExpireAfter < 0 || req.ExpireAfter > cmp.Or(pentestBound(req.Mode), maxOverrideFor):
		return fault.New(fault.Usage, "expiry must be positive and at most %s", cmp.Or(pentestBound(req.Mode), maxOverrideFor))
	}
	return nil
}

func pentestBound(mode string) time.Duration {
	if mode == api.DevicePentest {
		return maxPentestFor
	}
	return 0
}

func validInstallationID(id string) bool {
	return len(id) == installkey.IDLength && strings.Trim(id, b64urlChars) == ""
}

const b64urlChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// deviceTarget masks the id named, or finds the latest installation.
func (s *Service) deviceTarget(tx store.Tx, account string, req api.DeviceAddRequest) (string, error) {
	if req.Latest {
		return s.latestAttested(tx, account)
	}
	return s.maskInstallation(tx, account, req.ID)
}

func (s *Service) listDevices(ctx context.Context, c *call, _ api.Empty) ([]api.Device, error) {
	out := []api.Device{}
	err := s.view(ctx, func(tx store.Tx) error {
		out = out[:0]
		if _, _, err := s.live(tx, c); err != nil {
			return err
		}
		return scanDevices(tx, c.acct.ID, func(d *deviceRec) error {
			out = append(out, d.view(s.now()))
			return nil
		})
	})
	return out, err
}

func scanDevices(tx store.Tx, account string, fn func(*deviceRec) error) error {
	return scanPrefix(tx, store.Devices, devicePrefix(account), func(_ string, v []byte) error {
		var d deviceRec
		if err := json.Unmarshal(v, &d); err != nil || len(d.Mask) != maskLen {
			return fault.New(fault.Internal, "corrupt device record")
		}
		return fn(&d)
	})
}

// removeDevice removes an override named by installation id or by the
// masked form device list shows (a unique prefix of 8 or more digits), and
// answers it: the CLI drops its short id from the completion cache however
// the override was named.
func (s *Service) removeDevice(ctx context.Context, c *call, req api.DeviceRemoveRequest) (api.Device, error) {
	var out api.Device
	err := s.mutateEvent(ctx, c, "device", func(tx store.Tx, e *event) error {
		d, err := s.findDevice(tx, c.acct.ID, req.ID)
		if err != nil {
			return err
		}
		e.target, out = "device "+d.Mask[:shortMask], d.view(s.now())
		return tx.Delete(store.Devices, deviceKey(c.acct.ID, d.Mask))
	})
	return out, err
}

func (s *Service) findDevice(tx store.Tx, account, id string) (*deviceRec, error) {
	if validInstallationID(id) {
		mask, err := s.maskInstallation(tx, account, id)
		if err != nil {
			return nil, err
		}
		var d deviceRec
		if ok, err := getJSON(tx, store.Devices, deviceKey(account, mask), &d); ok || err != nil {
			return &d, err
		}
	}
	if len(id) < 8 || len(id) > maskLen || strings.Trim(id, "0123456789abcdef") != "" {
		return nil, fault.New(fault.Invalid, "no device override %q", truncate(id, 44))
	}
	var found []*deviceRec
	err := scanDevices(tx, account, func(d *deviceRec) error {
		if strings.HasPrefix(d.Mask, id) {
			found = append(found, d)
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case len(found) != 1:
		return nil, fault.New(fault.Invalid, "%d device overrides match %q", len(found), id)
	}
	return found[0], nil
}
