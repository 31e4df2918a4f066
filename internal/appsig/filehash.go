package appsig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"sync"
	"sync/atomic"

	"github.com/approov-cli/approov/internal/fault"
)

// fileHasher computes the file SHA-256 on its own goroutine from the bytes
// the parsers read anyway, so the file is read once and the hash runs on
// the second core. It is an io.ReaderAt over the file: the parsers read
// through it. Once told which ranges a parser will read in order (the
// plan), it serves that parser's reads there from 256 KiB chunks that it
// reads once and shares, read-only, with the hash goroutine; everything
// else the hasher reads itself, in file order. Reads out of order, repeated
// or outside the plan go straight to the file, and whatever no parser has
// read when sum is called the hasher reads itself: the hash never depends
// on what the parsers read, only the number of reads does.
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
	win     *chunk // the last chunk queued, still serving reads
	items   chan hashItem
	free    chan []byte
	result  chan hashResult
	closed  bool
}

// span is the byte range [from, to) of the file.
type span struct{ from, to int64 }

// chunk is file bytes at off, shared by the reader side and the hasher;
// its buffer goes back to the pool when both have let go.
type chunk struct {
	off  int64
	data []byte
	refs atomic.Int32
}

// hashItem is the next part of the file: a chunk already read, or a range
// the hasher reads itself.
type hashItem struct {
	chunk *chunk
	span  span
}

const (
	hashChunk   = 256 << 10 // 1 MiB chunks cost ~5 % more CPU: they leave the cache before the other core hashes them
	hashBuffers = 4
	// maxSkip is the largest forward jump of a parser read inside a planned
	// range that the hasher bridges by reading the gap itself (a local
	// header before an entry's data). A longer jump is taken for another
	// parser's read (our own of META-INF, say) and does not move the plan.
	maxSkip = 64 << 10
)

func newFileHasher(ctx context.Context, r io.ReaderAt, size int64, progress func(done, total int64)) *fileHasher {
	ctx, cancel := context.WithCancel(ctx)
	h := &fileHasher{r: r, size: size, ctx: ctx, cancel: cancel, progress: progress,
		items: make(chan hashItem, hashBuffers), free: make(chan []byte, hashBuffers), result: make(chan hashResult, 1)}
	for range hashBuffers {
		h.free <- make([]byte, hashChunk)
	}
	go h.run()
	return h
}

// start sets the plan (none: no parser reads the file in order) and lets
// the hasher read the part before the first planned range. Only the first
// call counts.
func (h *fileHasher) start(plan ...span) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.planned || h.closed {
		return
	}
	h.planned = true
	last := int64(0)
	for _, s := range plan {
		if s.from >= last && s.to > s.from && s.to <= h.size { // sorted, disjoint, inside
			h.plan = append(h.plan, s)
			last = s.to
		}
	}
	h.advance()
}

// ReadAt reads from the file, through the shared chunks where it can.
func (h *fileHasher) ReadAt(p []byte, off int64) (int, error) {
	n := h.serve(p, off)
	if n == len(p) {
		return n, nil
	}
	m, err := h.r.ReadAt(p[n:], off+int64(n))
	return n + m, err
}

// serve copies into p what the shared chunks hold of it, from its start.
func (h *fileHasher) serve(p []byte, off int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for n < len(p) {
		o := off + int64(n)
		w := h.win
		if (w == nil || o < w.off || o >= w.off+int64(len(w.data))) && !h.load(o) {
			break
		}
		n += copy(p[n:], h.win.data[o-h.win.off:])
	}
	return n
}

// load reads the next chunk of the current planned range, queues it for
// the hash and keeps it to serve reads, if o continues the queued bytes.
func (h *fileHasher) load(o int64) bool {
	if !h.planned || h.closed || len(h.plan) == 0 {
		return false
	}
	cur := h.plan[0]
	if o < h.queued || o > h.queued+maxSkip || o >= cur.to {
		return false
	}
	if o > h.queued {
		h.items <- hashItem{span: span{h.queued, o}}
		h.queued = o
	}
	buf := <-h.free
	c := &chunk{off: o, data: buf[:min(int64(len(buf)), cur.to-o)]}
	if n, _ := h.r.ReadAt(c.data, o); n != len(c.data) {
		h.free <- buf
		return false // the hasher reads it itself, and reports the error
	}
	c.refs.Store(2)
	h.items <- hashItem{chunk: c}
	h.dropWindow()
	h.win, h.queued = c, o+int64(len(c.data))
	if h.queued == cur.to {
		h.plan = h.plan[1:]
		h.advance()
	}
	return true
}

func (h *fileHasher) release(c *chunk) {
	if c.refs.Add(-1) == 0 {
		h.free <- c.data[:cap(c.data)]
	}
}

func (h *fileHasher) dropWindow() {
	if h.win != nil {
		h.release(h.win)
		h.win = nil
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
	h.dropWindow()
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
		h.dropWindow()
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
		if c := it.chunk; c != nil {
			if err == nil {
				sha.Write(c.data)
				done += int64(len(c.data))
				h.report(done)
			}
			h.release(c)
		} else if err == nil {
			done, err = h.readRange(sha, buf, it.span, done)
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
