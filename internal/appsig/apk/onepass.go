package apk

import (
	"context"
	"encoding/binary"
	"io"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// onePassBuffers is how many read buffers circulate between the reader
// and the whole-file hasher.
const onePassBuffers = 3

// ContentDigestsOnePass computes the same digests as ContentDigests and
// also writes every byte of the file, in order, to whole (the caller's
// file SHA-256), reading the file once. whole runs on its own goroutine, so
// the two hashes share the read and use both cores. progress receives the
// bytes read so far.
func ContentDigestsOnePass(ctx context.Context, a *zipsafe.Archive, kinds []int, whole io.Writer, progress func(int64)) (map[int][]byte, error) {
	p := newOnePass(a, kinds)
	bufs := make([][]byte, onePassBuffers)
	for i := range bufs {
		bufs[i] = make([]byte, chunkSize)
	}
	toHash, hashed := make(chan []byte, onePassBuffers), make(chan struct{}, onePassBuffers)
	go func() {
		for b := range toHash {
			whole.Write(b)
			hashed <- struct{}{}
		}
	}()
	err := p.run(ctx, bufs, toHash, hashed, progress)
	close(toHash)
	for ; p.acked < p.sent; p.acked++ {
		<-hashed // the hasher is done with every buffer
	}
	if err != nil {
		return nil, err
	}
	return p.c.sums(), nil
}

// onePass routes the bytes of one sequential read into the chunker,
// section by section, re-cutting them into 1 MiB chunks.
type onePass struct {
	a       *zipsafe.Archive
	c       *chunker
	acc     []byte // the chunk being assembled
	eocd    []byte // the EOCD with its CD offset patched
	sent    int    // buffers handed to the hasher
	acked   int    // buffers the hasher has finished
	section int    // 0: entries, 1: central directory, 2: EOCD
}

func newOnePass(a *zipsafe.Archive, kinds []int) *onePass {
	return &onePass{a: a, c: newChunker(kinds), acc: make([]byte, 0, chunkSize)}
}

func (p *onePass) run(ctx context.Context, bufs [][]byte, toHash chan<- []byte, hashed <-chan struct{}, progress func(int64)) error {
	r, size := p.a.ReaderAt(), p.a.Size()
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return fault.Wrap(fault.Cancelled, err)
		}
		if p.sent-p.acked == len(bufs) {
			<-hashed // the oldest buffer is free again
			p.acked++
		}
		buf := bufs[p.sent%len(bufs)][:min(int64(chunkSize), size-off)]
		if n, err := r.ReadAt(buf, off); n != len(buf) {
			return fault.New(fault.Invalid, "reading file: %v", err)
		}
		toHash <- buf
		p.sent++
		p.route(off, buf)
		off += int64(len(buf))
		if progress != nil {
			progress(off)
		}
	}
	p.flush()
	return nil
}

// route feeds the parts of buf (at file offset off) that belong to the
// digested sections: [0, block), [cd, cd+size) and the patched EOCD.
func (p *onePass) route(off int64, buf []byte) {
	a := p.a
	end := off + int64(len(buf))
	p.take(buf, off, end, 0, a.SigningBlockOffset(), 0)
	cd := a.CentralDirectoryOffset()
	p.take(buf, off, end, cd, cd+a.CentralDirectorySize(), 1)
	if e := a.EOCDOffset(); end > e {
		p.takeEOCD(buf, off, e)
	}
}

// take appends buf ∩ [from, to) to the current section's chunk.
func (p *onePass) take(buf []byte, off, end, from, to int64, section int) {
	lo, hi := max(off, from), min(end, to)
	if lo >= hi {
		return
	}
	p.enter(section)
	p.write(buf[lo-off : hi-off])
}

// takeEOCD copies the EOCD bytes of buf, patching the CD offset field to
// point at the signing block, as the v2 scheme defines.
func (p *onePass) takeEOCD(buf []byte, off, eocdOff int64) {
	lo := max(off, eocdOff)
	p.eocd = append(p.eocd, buf[lo-off:]...)
	if len(p.eocd) == int(p.a.Size()-eocdOff) {
		binary.LittleEndian.PutUint32(p.eocd[16:], uint32(p.a.SigningBlockOffset()))
		p.enter(2)
		p.write(p.eocd)
	}
}

// enter starts a new section: its first chunk starts fresh.
func (p *onePass) enter(section int) {
	if section != p.section {
		p.flush()
		p.section = section
	}
}

func (p *onePass) write(b []byte) {
	for len(b) > 0 {
		n := min(len(b), chunkSize-len(p.acc))
		p.acc = append(p.acc, b[:n]...)
		b = b[n:]
		if len(p.acc) == chunkSize {
			p.c.add(p.acc)
			p.acc = p.acc[:0]
		}
	}
}

func (p *onePass) flush() {
	if len(p.acc) > 0 {
		p.c.add(p.acc)
		p.acc = p.acc[:0]
	}
}
