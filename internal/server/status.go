package server

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/statuspage"
)

// statusPage serves GET /status/{token}: an account's monitoring status
// page to whoever holds the link, no other credential. Unknown and revoked
// links alike answer 404; nothing may cache an answer, so a revoked link
// stops working at once. The token is never logged (the log has no path).
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	if note, ok := r.Context().Value(noteKey{}).(*opNote); ok {
		note.op = "status.page"
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	if err := s.limits.allow(clientAddr(r), ""); err != nil {
		h.Set("Retry-After", retryAfterSeconds(err))
		writeText(w, http.StatusTooManyRequests, "too many requests: try again shortly\n")
		return
	}
	data, err := s.cfg.Service.StatusPage(r.Context(), r.PathValue("token"))
	if errors.Is(err, service.ErrNoStatusPage) {
		writeText(w, http.StatusNotFound, "no such status page\n")
		return
	}
	if err == nil {
		err = writePage(w, data)
	}
	if err != nil {
		s.cfg.Logger.Error("status page", "err", err.Error())
		writeText(w, http.StatusInternalServerError, "internal error\n")
	}
}

// writePage renders the page whole before the first byte goes out, so a
// failure is still a clean 500.
func writePage(w http.ResponseWriter, data service.StatusPageData) error {
	var page bytes.Buffer
	if err := statuspage.Render(&page, pageOf(data)); err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", statuspage.ContentSecurityPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(page.Bytes()) // a client gone away is not the server's error
	return nil
}

// pageOf is the service's page data in the page library's terms.
func pageOf(d service.StatusPageData) statuspage.Page {
	p := statuspage.Page{Account: d.Account, Generated: d.Generated}
	for _, md := range d.Domains {
		p.Domains = append(p.Domains, pageDomain(md, d.History[md.Domain]))
	}
	return p
}

func pageDomain(md api.MonitoredDomain, hs []api.MonitoringCheck) statuspage.Domain {
	out := statuspage.Domain{Name: md.Domain, State: md.State, Since: md.Since, LastCheck: md.LastCheck, NextCheck: md.NextCheck,
		Latency: md.Latency, Error: md.Error, CertSubject: md.CertSubject, CertExpiry: md.CertExpiry, PinSetExpiry: md.PinSetExpiry}
	for _, p := range md.Pins {
		out.Pins = append(out.Pins, statuspage.Pin{Value: p, Matched: contains(md.Matched, p)})
	}
	for _, h := range hs {
		out.History = append(out.History, statuspage.Sample{At: h.Time, OK: h.State != api.MonitorFailing, Latency: h.Latency})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
