package ipa

import (
	"context"
	"io"
	"sync"

	"github.com/approov-cli/approov/internal/appsig/ipa/codesign"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// historySize is how far behind the stream a read is served from memory:
// parsing re-reads each slice's header and load commands from its start.
const historySize = 256 << 10

// inflatingReaderAt gives random access to a deflated zip entry without
// holding it in memory: reads moving forward continue the stream, a read
// just behind it comes from the recent bytes, one further behind restarts
// the stream. Parsing reads the headers, then each slice's signature after
// its code; every byte the stream passes on the way is fed, once, to page
// digesters cut where the parser jumped ahead (the start of a slice, the
// start of its signature), so that verify can check the code pages without
// a second inflate pass. Memory stays flat however large the executable.
type inflatingReaderAt struct {
	a      *zipsafe.Archive
	f      *zipsafe.File
	mu     sync.Mutex
	rc     io.ReadCloser
	pos    int64
	hist   history
	runs   pageRuns
	passes int // times the stream was started: inflate passes
}

func newInflatingReaderAt(a *zipsafe.Archive, f *zipsafe.File) *inflatingReaderAt {
	return &inflatingReaderAt{a: a, f: f, hist: history{buf: make([]byte, historySize)}, runs: newPageRuns()}
}

func (r *inflatingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.hist.readAt(p, off, r.pos)
	if n == len(p) {
		return n, nil
	}
	off += int64(n)
	if r.rc == nil || off < r.pos {
		if err := r.restart(); err != nil {
			return n, err
		}
	}
	if off > r.pos {
		if _, err := io.CopyN(r, r.rc, off-r.pos); err != nil {
			return n, err
		}
		r.runs.cut(off)
	}
	m, err := io.ReadFull(r.rc, p[n:])
	r.Write(p[n : n+m])
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n + m, err
}

// Write takes the stream's next bytes (read or skipped) at r.pos.
func (r *inflatingReaderAt) Write(b []byte) (int, error) {
	r.hist.write(b)
	r.runs.feed(r.pos, b)
	r.pos += int64(len(b))
	return len(b), nil
}

func (r *inflatingReaderAt) restart() error {
	if r.rc != nil {
		r.rc.Close()
	}
	rc, err := r.a.Open(r.f)
	if err != nil {
		return err
	}
	r.rc, r.pos, r.hist.end, r.hist.n = rc, 0, 0, 0
	r.passes++
	return nil
}

// verifyStreamed checks the executable's pages from the digests of the
// parse pass and reads the stream to its end, where zipsafe checks the
// entry's size and CRC-32. It reports false when the digests cannot decide
// (see codesign.VerifyPageDigests): then verify reads the pages again.
func (r *inflatingReaderAt) verifyStreamed(ctx context.Context, exe *codesign.Executable) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ok, err := exe.VerifyPageDigests(r.runs.lookup)
	if !ok || err != nil || r.rc == nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fault.Wrap(fault.Cancelled, err)
	}
	if n, err := io.Copy(io.Discard, r.rc); err != nil || r.pos+n != int64(r.f.UncompressedSize) {
		return false, invalid("executable entry cannot be read: %v", err)
	}
	r.rc.Close()
	r.rc = nil
	return true, nil
}

// Close releases the stream.
func (r *inflatingReaderAt) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rc == nil {
		return nil
	}
	err := r.rc.Close()
	r.rc = nil
	return err
}

// history is a ring holding the stream's last bytes, up to end.
type history struct {
	buf []byte
	end int64 // stream offset just past the newest byte
	n   int   // bytes held
}

func (h *history) write(b []byte) {
	if len(b) > len(h.buf) {
		h.end += int64(len(b) - len(h.buf))
		b = b[len(b)-len(h.buf):]
	}
	for len(b) > 0 {
		i := int(h.end % int64(len(h.buf)))
		k := copy(h.buf[i:], b)
		b, h.end = b[k:], h.end+int64(k)
		h.n = min(h.n+k, len(h.buf))
	}
}

// readAt copies into p the held bytes from off on, up to pos (where the
// stream stands); it returns how many (0 if off is not held).
func (h *history) readAt(p []byte, off, pos int64) int {
	if off < h.end-int64(h.n) || off >= h.end || h.end != pos {
		return 0
	}
	done := 0
	for done < len(p) && off < h.end {
		i := int(off % int64(len(h.buf)))
		k := copy(p[done:], h.buf[i:min(len(h.buf), i+int(h.end-off))])
		done, off = done+k, off+int64(k)
	}
	return done
}

// pageRuns feeds each byte of the stream once (the first time the stream
// passes it) to the digester of the current run; a forward jump of the
// parser to new ground ends the run there and starts the next.
type pageRuns struct {
	seen  int64 // the stream [0, seen) has been fed
	start int64 // where the current run starts
	cur   *codesign.PageDigester
	done  map[[2]int64]*codesign.PageDigester
}

func newPageRuns() pageRuns {
	return pageRuns{cur: codesign.NewPageDigester(), done: map[[2]int64]*codesign.PageDigester{}}
}

func (p *pageRuns) feed(pos int64, b []byte) {
	if end := pos + int64(len(b)); end > p.seen {
		p.cur.Write(b[p.seen-pos:])
		p.seen = end
	}
}

func (p *pageRuns) cut(at int64) {
	if at != p.seen || at == p.start || len(p.done) >= maxRuns {
		return
	}
	p.done[[2]int64{p.start, at}] = p.cur
	p.cur, p.start = codesign.NewPageDigester(), at
}

// maxRuns bounds the digesters kept: a hostile layout cannot make many.
const maxRuns = 1024

// lookup returns the digester fed exactly [from, to), if any.
func (p *pageRuns) lookup(from, to int64) *codesign.PageDigester {
	if from == p.start && to == p.seen {
		return p.cur
	}
	return p.done[[2]int64{from, to}]
}
