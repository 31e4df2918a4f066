// Package measure measures app files for commands (app inspect,
// registration add): appsig.Inspect with a progress bar on a terminal for
// large files.
package measure

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/iostreams"
)

// progressThreshold is the file size from which a terminal gets a progress bar.
const progressThreshold = 64 << 20

// Measure runs inspect on path with a progress bar on stderr when it is a
// terminal and the file is large.
func Measure(ctx context.Context, ios *iostreams.IOStreams, path string, inspect func(context.Context, string, appsig.Options) (*appsig.Record, error)) (*appsig.Record, error) {
	bar := newProgress(ios, path)
	defer bar.finish()
	return inspect(ctx, path, appsig.Options{Progress: bar.update})
}

// fileSize is the size used to decide on a progress bar; 0 if unknown.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// progress draws a bar on stderr for large files when stderr is a
// terminal; otherwise all its methods do nothing.
type progress struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newProgress(ios *iostreams.IOStreams, path string) *progress {
	size := fileSize(path)
	if !ios.IsStderrTTY() || size < progressThreshold {
		return &progress{}
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(ios.ErrOut),
		progressbar.OptionSetDescription(filepath.Base(path)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
	return &progress{bar: bar}
}

// update is called from the hashing goroutine.
func (p *progress) update(done, _ int64) {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Set64(done)
}

func (p *progress) finish() {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Finish()
}
