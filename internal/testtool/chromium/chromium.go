// Package chromium drives Debian's headless chromium for tests that need a
// real browser's view of a page: the DOM after parsing, or a screenshot.
// Each run gets a fresh profile and HOME in the test's temp directory and
// no background networking, so runs are hermetic and independent.
package chromium

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/testtool"
)

// Browser runs chromium for one test.
type Browser struct {
	Path    string        // the chromium binary
	Timeout time.Duration // per run; 0: 90s (a shared CI machine is slow to start a browser)
	Width   int           // screenshot window; 0: 1280
	Height  int           // 0: 1600

	t testing.TB
}

// New finds chromium (testtool.Need: skipped outside CI when missing,
// failed in CI).
func New(t testing.TB) *Browser {
	t.Helper()
	return &Browser{Path: testtool.Need(t, "chromium"), t: t}
}

// DumpDOM loads url and returns the DOM chromium built, serialised as HTML.
func (b *Browser) DumpDOM(url string) (string, error) {
	out, err := b.run("--dump-dom", url)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// Screenshot loads url and writes a PNG of the window to png.
func (b *Browser) Screenshot(url, png string) error {
	abs, err := filepath.Abs(png)
	if err != nil {
		return err
	}
	size := fmt.Sprintf("--window-size=%d,%d", or(b.Width, 1280), or(b.Height, 1600))
	if _, err := b.run("--screenshot="+abs, size, "--hide-scrollbars", url); err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("chromium wrote no screenshot: %w", err)
	}
	return nil
}

// run starts chromium headless with a fresh profile and returns stdout;
// stderr (chromium's D-Bus and GPU chatter) is only in the error.
func (b *Browser) run(args ...string) ([]byte, error) {
	home, err := os.MkdirTemp(b.t.TempDir(), "chromium")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, b.Path, append(flags(home), args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home)
	cmd.WaitDelay = 5 * time.Second // a renderer child holding the pipes must not hang the test
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("chromium %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// flags are the headless, hermetic defaults.
func flags(profile string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-dev-shm-usage", "--disable-sync", "--mute-audio",
		"--user-data-dir=" + filepath.Join(profile, "profile"),
	}
}

func (b *Browser) timeout() time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return 90 * time.Second
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// tail keeps the end of chromium's stderr, where the reason usually is.
func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
