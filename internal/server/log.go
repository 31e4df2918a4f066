package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
)

// logged logs one line per request: method, operation, account, status,
// size, duration and client address. Never the query (it may name a
// user), a header (signatures, key ids) or a body (codes, tokens).
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		note := &opNote{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), noteKey{}, note)))
		s.cfg.Logger.LogAttrs(r.Context(), level(rec.status), "request",
			slog.String("method", r.Method), slog.String("op", note.op), slog.String("account", note.account),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)), slog.String("client", clientAddr(r)))
	})
}

func level(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

type noteKey struct{}

// opNote is what the API handler tells the log about a request: the
// operation's name and the account, both public.
type opNote struct{ op, account string }

// noteOp records the routed operation of req for the request log.
func noteOp(r *http.Request, req *auth.Request) {
	note, ok := r.Context().Value(noteKey{}).(*opNote)
	if !ok {
		return
	}
	if op, account, err := api.Route(req.Method, req.Path); err == nil {
		note.op, note.account = op.Name, account
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status, bytes int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}
