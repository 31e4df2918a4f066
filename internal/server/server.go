// Package server is approovd's HTTP side: it serialises each HTTP request
// of docs/api.md into the auth.Request the service expects, hands it to
// service.Serve, and writes the signed auth.Response back, so the remote
// backend and the embedded one differ only in this serialisation. Around
// it: health and readiness probes, size limits, timeouts against slow
// clients, rate limits, and request logs that never hold a secret.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/approov-cli/approov/internal/service"
)

// Defaults for Config.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 16 << 10
	// ShutdownTimeout bounds how long in-flight requests may finish after
	// a shutdown starts.
	ShutdownTimeout = 10 * time.Second
)

// Config configures a Server. Zero values take the defaults.
type Config struct {
	Service *service.Service
	Logger  *slog.Logger
	// Limits are the per-client-address and per-account request rates.
	Limits Limits
	// Timeouts against slow clients (see net/http.Server).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	MaxHeaderBytes                                            int
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Limits.defaults()
	setDur(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDur(&c.ReadTimeout, DefaultReadTimeout)
	setDur(&c.WriteTimeout, DefaultWriteTimeout)
	setDur(&c.IdleTimeout, DefaultIdleTimeout)
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
}

func setDur(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Server serves the service API over HTTP.
type Server struct {
	cfg    Config
	limits *limiters
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	cfg.defaults()
	return &Server{cfg: cfg, limits: newLimiters(cfg.Limits)}
}

// Handler routes /healthz, /readyz and the API under /v1.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok\n") })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /v1/accounts/{id}/sdk-config", s.publicConfig)
	mux.HandleFunc("GET "+service.StatusPagePath+"{token}", s.statusPage) // monitoring status page (issue 13)
	mux.Handle("/v1/", http.HandlerFunc(s.serveAPI))
	return s.logged(mux)
}

// ready reports whether the store answers and accepts writes.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Service.Ping(ctx); err != nil {
		s.cfg.Logger.Error("store not ready", "err", err.Error())
		writeText(w, http.StatusServiceUnavailable, "store not ready: unreachable or read-only\n")
		return
	}
	writeText(w, http.StatusOK, "ok\n")
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(text))
}

// HTTPServer is the net/http server for h with cfg's limits: a slow
// client cannot hold a connection past the header, read or idle timeout.
func (s *Server) HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}

// Serve serves on ln until ctx ends, then shuts down gracefully: in-flight
// requests get up to ShutdownTimeout to finish. serve is hs.Serve or
// hs.ServeTLS bound to its certificate.
func Serve(ctx context.Context, hs *http.Server, ln net.Listener, serve func(*http.Server, net.Listener) error) error {
	done := make(chan error, 1)
	go func() { done <- serve(hs, ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && serr != nil {
		return serr
	}
	return err
}
