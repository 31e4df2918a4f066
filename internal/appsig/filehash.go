package appsig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"sync"

	"github.com/approov-cli/approov/internal/fault"
)

// fileHasher computes the file SHA-256 on its own goroutine from the bytes
// the parsers read anyway, so the file is read once and the hash runs on
// the second core. It is an io.ReaderAt over the file: the parsers read
// through it. Once told which ranges a parser will read in order (plan),
// it takes a copy of those bytes as the parser reads them and reads
// everything else itself, in file order. Bytes read out of order, twice or
// outside the plan are not taken, and whatever no parser has delivered when
// sum is called the hasher reads itself: the hash never depends on what the
// parsers read, only the number of reads does.
type fileHasher struct {
	r        io.ReaderAt
	size     int64
	ctx      context.Context
	cancel   context.CancelFunc
	progress func(done, total int64)

	mu      sync.Mutex
	planned bool
	plan    []span // ranges parsers read in order, sorted, disjoint
	queued  int64  // the file up to here is queued for hashing
	stage   []byte // parser bytes not yet queued (a buffer from free)
	items   chan hashItem
	free    chan []byte
	result  chan hashResult
	closed  bool
}

// span is the byte range [from, to) of the file.
type span struct{ from, to int64 }

// hashItem is the next part of the file: parser bytes, or a range the
// hasher reads itself.
type hashItem struct {
	data []byte // from free; nil for a range
	span span
}

const (
	hashChunk   = 1 << 20
	hashBuffers = 4
	// maxSkip is the largest forward jump of a parser read inside a planned
	// range that the hasher bridges by reading the gap itself.
	maxSkip = 1 << 20
)

func newFileHasher(ctx context.Context, r io.ReaderAt, size int64, progress func(done, total int64)) *fileHasher {
	ctx, cancel := context.WithCancel(ctx)
	h := &fileHasher{r: r, size: size, ctx: ctx, cancel: cancel, progress: progress,
		items: make(chan hashItem, hashBuffers), free: make(chan []byte, hashBuffers), result: make(chan hashResult, 1)}
	for range hashBuffers {
		h.free <- make([]byte, 0, hashChunk)
	}
	go h.run()
	return h
}

// start sets the plan (nil: no parser reads the file in order) and lets
// the hasher read the part before the first planned range. Only the first
// call counts.
func (h *fileHasher) start(plan ...span) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.planned || h.closed {
		return
	}
	h.planned = true
	for _, s := range plan {
		if s.from >= h.queued && s.to > s.from && s.to <= h.size {
			h.plan = append(h.plan, s)
		}
	}
	h.advance()
}

// ReadAt reads from the file and offers what it read to the hash.
func (h *fileHasher) ReadAt(p []byte, off int64) (int, error) {
	n, err := h.r.ReadAt(p, off)
	if n > 0 {
		h.offer(p[:n], off)
	}
	return n, err
}

// offer takes the part of b (read at off) that continues the queued bytes
// inside the current planned range.
func (h *fileHasher) offer(b []byte, off int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.planned && !h.closed && len(h.plan) > 0 && h.takeFrom(b, off) {
	}
}

// takeFrom takes what it can of b for the current planned range; it
// reports whether that range is done and b may reach into the next one.
func (h *fileHasher) takeFrom(b []byte, off int64) bool {
	cur := h.plan[0]
	end := min(off+int64(len(b)), cur.to)
	if end <= h.queued || off > h.queued+maxSkip {
		return false
	}
	if off > h.queued {
		h.flushStage()
		h.items <- hashItem{span: span{h.queued, off}}
		h.queued = off
	}
	h.take(b[h.queued-off : end-off])
	if h.queued < cur.to {
		return false
	}
	h.plan = h.plan[1:]
	h.advance()
	return true
}

// take copies parser bytes into staging buffers, queuing each full one.
func (h *fileHasher) take(b []byte) {
	for len(b) > 0 {
		if h.stage == nil {
			h.stage = <-h.free
		}
		n := min(len(b), cap(h.stage)-len(h.stage))
		h.stage = append(h.stage, b[:n]...)
		b, h.queued = b[n:], h.queued+int64(n)
		if len(h.stage) == cap(h.stage) {
			h.flushStage()
		}
	}
}

func (h *fileHasher) flushStage() {
	if len(h.stage) > 0 {
		h.items <- hashItem{data: h.stage}
		h.stage = nil
	}
}

// advance queues, for the hasher to read itself, the file up to the next
// planned range (or to the end when none is left).
func (h *fileHasher) advance() {
	to := h.size
	if len(h.plan) > 0 {
		to = h.plan[0].from
	}
	if to > h.queued {
		h.flushStage()
		h.items <- hashItem{span: span{h.queued, to}}
		h.queued = to
	}
}

// sum queues whatever is left and waits for the hash.
func (h *fileHasher) sum() hashResult {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return hashResult{err: fault.New(fault.Cancelled, "file hash abandoned")}
	}
	h.planned, h.plan = true, nil
	h.advance()
	h.flushStage()
	h.closed = true
	close(h.items)
	h.mu.Unlock()
	return <-h.result
}

// close abandons the hash (if sum has not run) and stops the goroutine.
func (h *fileHasher) close() {
	h.cancel()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.items)
	}
}

// run hashes the items in order; after an error it only drains them.
func (h *fileHasher) run() {
	sha := sha256.New()
	buf := make([]byte, hashChunk)
	var done int64
	var err error
	for it := range h.items {
		if err == nil && it.data != nil {
			sha.Write(it.data)
			done += int64(len(it.data))
			h.report(done)
		} else if err == nil {
			done, err = h.readRange(sha, buf, it.span, done)
		}
		if it.data != nil {
			h.free <- it.data[:0]
		}
	}
	if err == nil && done != h.size {
		err = fault.New(fault.Invalid, "reading file: hashed %d of %d bytes", done, h.size)
	}
	if err != nil {
		h.result <- hashResult{err: err}
		return
	}
	h.result <- hashResult{sum: hex.EncodeToString(sha.Sum(nil))}
}

// readRange hashes the file's bytes in s, reading them itself.
func (h *fileHasher) readRange(sha hash.Hash, buf []byte, s span, done int64) (int64, error) {
	for off := s.from; off < s.to; {
		if err := h.ctx.Err(); err != nil {
			return done, fault.Wrap(fault.Cancelled, err)
		}
		b := buf[:min(int64(len(buf)), s.to-off)]
		if n, err := h.r.ReadAt(b, off); n != len(b) {
			return done, fault.New(fault.Invalid, "reading file: %v", err)
		}
		sha.Write(b)
		off += int64(len(b))
		done += int64(len(b))
		h.report(done)
	}
	return done, nil
}

func (h *fileHasher) report(done int64) {
	if h.progress != nil {
		h.progress(done, h.size)
	}
}
