package server

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/api"

	"github.com/approov-cli/approov/internal/sdkconfig"
	"github.com/approov-cli/approov/internal/service"
)

// The public configuration endpoint's headers (docs/api.md, "Public
// configuration endpoint"; docs/sdk-config.md, "Fetching updates").
const (
	HeaderChallenge    = sdkconfig.HeaderChallenge
	HeaderChallengeSig = sdkconfig.HeaderChallengeSig
	HeaderConfigVer    = sdkconfig.HeaderConfigVersion
	ConfigMediaType    = "application/approov-sdk-config+jwt"
	// PublicMaxAge is how long a cache may keep an answer without asking.
	PublicMaxAge = 30
	maxAccountID = 40
)

// publicConfig serves GET /v1/accounts/{id}/sdk-config to installed apps:
// no credential, rate limited per address.
func (s *Server) publicConfig(w http.ResponseWriter, r *http.Request) {
	if err := s.limits.allow(clientAddr(r), ""); err != nil {
		w.Header().Set("Retry-After", retryAfterSeconds(err))
		writeText(w, http.StatusTooManyRequests, "too many requests: try again shortly\n")
		return
	}
	challenge, err := readChallenge(r)
	if err != nil {
		writeText(w, http.StatusBadRequest, err.Error()+"\n")
		return
	}
	id := r.PathValue("id")
	if len(id) > maxAccountID {
		writeText(w, http.StatusNotFound, "no SDK configuration\n")
		return
	}
	pc, err := s.cfg.Service.PublicSDKConfig(r.Context(), id, challenge)
	if errors.Is(err, service.ErrNoPublicConfig) {
		writeText(w, http.StatusNotFound, "no SDK configuration\n")
		return
	}
	if err != nil {
		s.cfg.Logger.Error("public configuration", "err", err.Error())
		writeText(w, http.StatusInternalServerError, "internal error\n")
		return
	}
	writeConfig(w, r, pc)
}

// readChallenge decodes the optional challenge header; nil when absent.
func readChallenge(r *http.Request) ([]byte, error) {
	h := r.Header.Get(HeaderChallenge)
	if h == "" {
		return nil, nil
	}
	c, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil || len(c) < sdkconfig.MinChallenge || len(c) > sdkconfig.MaxChallenge {
		return nil, errors.New(HeaderChallenge + " must be base64url (no padding) of 16 to 64 bytes")
	}
	return c, nil
}

// writeConfig answers 304 when the client holds the current version, else
// 200 with the JWT. A challenged answer is never cached (it is one
// client's), and a 304 to a challenge carries the signature too: over the
// configuration the client holds, which is the current one.
func writeConfig(w http.ResponseWriter, r *http.Request, pc service.PublicConfig) {
	h := w.Header()
	etag := sdkconfig.ETag(pc.Version, pc.Config)
	h.Set("ETag", etag)
	h.Set(HeaderConfigVer, strconv.FormatUint(pc.Version, 10))
	h.Set("Vary", HeaderChallenge)
	if pc.ChallengeSig != nil {
		h.Set("Cache-Control", "no-store")
		h.Set(HeaderChallengeSig, base64.RawURLEncoding.EncodeToString(pc.ChallengeSig))
	} else {
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(PublicMaxAge)+", must-revalidate")
	}
	if matches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ConfigMediaType)
	h.Set("Content-Length", strconv.Itoa(len(pc.Config)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte(pc.Config))
	}
}

// matches reports whether an If-None-Match list names etag (or is "*").
func matches(inm, etag string) bool {
	for t := range strings.SplitSeq(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// retryAfterSeconds is the Retry-After of a rate-limit refusal, whole
// seconds rounded up.
func retryAfterSeconds(err error) string {
	after := time.Second
	var rl *api.RateLimitError
	if errors.As(err, &rl) {
		after = max(rl.After, time.Second)
	}
	return strconv.FormatInt(int64((after+time.Second-1)/time.Second), 10)
}
