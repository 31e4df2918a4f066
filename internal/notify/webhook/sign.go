// Package webhook delivers monitoring notifications as signed JSON POSTs:
// an Approov-Signature header carries an HMAC-SHA256 over a timestamp and
// the body, so a receiver can check both who sent it and that it is fresh
// (docs/notifications.md). Deliveries are retried with backoff on network
// errors, timeouts, 5xx and 429, and every attempt is recorded.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the request header holding the signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
const SignatureHeader = "Approov-Signature"

// maxHeader bounds the header Verify parses: a receiver faces hostile input.
const maxHeader = 1024

// Errors Verify returns; a receiver answers 400 or 401 to any of them.
var (
	ErrMalformed = errors.New("webhook: malformed " + SignatureHeader + " header")
	ErrStale     = errors.New("webhook: signature timestamp outside the tolerance")
	ErrMismatch  = errors.New("webhook: signature does not match")
)

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret, body []byte, t time.Time) string {
	ts := t.Unix()
	return fmt.Sprintf("t=%d,v1=%s", ts, hex.EncodeToString(mac(secret, ts, body)))
}

// mac is HMAC-SHA256(secret, "<ts>.<body>").
func mac(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks header against body: one of its v1 signatures must match
// (several let a sender rotate secrets) and its timestamp must be within
// tolerance of now, which bounds replays.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, sigs, err := parseHeader(header)
	if err != nil {
		return err
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrMismatch
}

// parseHeader splits "t=…,v1=…[,v1=…]"; unknown keys are ignored so the
// scheme can grow (v2) without breaking receivers.
func parseHeader(h string) (ts int64, sigs [][]byte, err error) {
	if h == "" || len(h) > maxHeader {
		return 0, nil, ErrMalformed
	}
	ts = -1
	for _, part := range strings.Split(h, ",") {
		if ts, sigs, err = parseField(part, ts, sigs); err != nil {
			return 0, nil, err
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return 0, nil, ErrMalformed
	}
	return ts, sigs, nil
}

// parseField adds one "k=v" to what parseHeader has so far (ts < 0: no t yet).
func parseField(part string, ts int64, sigs [][]byte) (int64, [][]byte, error) {
	k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
	switch {
	case !ok:
		return 0, nil, ErrMalformed
	case k == "t":
		n, err := strconv.ParseInt(v, 10, 64)
		if ts >= 0 || err != nil || n < 0 {
			return 0, nil, ErrMalformed
		}
		return n, sigs, nil
	case k == "v1":
		s, err := hex.DecodeString(v)
		if err != nil || len(s) != sha256.Size {
			return 0, nil, ErrMalformed
		}
		return ts, append(sigs, s), nil
	}
	return ts, sigs, nil
}
