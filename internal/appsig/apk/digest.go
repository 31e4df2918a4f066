package apk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"io"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
)

// Content digest algorithms (apksig ContentDigestAlgorithm).
const (
	ChunkedSHA256 = 1
	ChunkedSHA512 = 2
	VerityChunked = 3
)

const chunkSize = 1 << 20

// DigestName names a content digest algorithm as the JSON record does.
func DigestName(kind int) string {
	switch kind {
	case ChunkedSHA256:
		return "CHUNKED_SHA256"
	case ChunkedSHA512:
		return "CHUNKED_SHA512"
	case VerityChunked:
		return "VERITY_CHUNKED_SHA256"
	}
	return "unknown"
}

// digestKind maps a v2+ signature algorithm to its content digest kind.
func digestKind(sigAlg uint32) int {
	switch sigAlg {
	case 0x0101, 0x0103, 0x0201, 0x0301:
		return ChunkedSHA256
	case 0x0102, 0x0104, 0x0202, 0x0501:
		return ChunkedSHA512
	case 0x0421, 0x0423, 0x0425:
		return VerityChunked
	}
	return 0
}

func newHash(kind int) hash.Hash {
	if kind == ChunkedSHA512 {
		return sha512.New()
	}
	return sha256.New()
}

// ContentDigests recomputes the chunked content digests of kinds over the
// archive with its APK Signing Block left out: entries, central directory
// and the EOCD with its CD offset replaced by the block's offset. progress,
// if not nil, receives the number of bytes hashed so far.
func ContentDigests(ctx context.Context, a *zipsafe.Archive, kinds []int, progress func(int64)) (map[int][]byte, error) {
	r := a.ReaderAt()
	eocd := make([]byte, a.Size()-a.EOCDOffset())
	if n, err := r.ReadAt(eocd, a.EOCDOffset()); n != len(eocd) {
		return nil, fault.New(fault.Invalid, "reading end of archive: %v", err)
	}
	binary.LittleEndian.PutUint32(eocd[16:], uint32(a.SigningBlockOffset()))
	sections := []io.Reader{
		io.NewSectionReader(r, 0, a.SigningBlockOffset()),
		io.NewSectionReader(r, a.CentralDirectoryOffset(), a.CentralDirectorySize()),
		bytes.NewReader(eocd),
	}
	c := newChunker(kinds)
	buf := make([]byte, chunkSize)
	var done int64
	count := func(n int) {
		done += int64(n)
		if progress != nil {
			progress(done)
		}
	}
	for _, sec := range sections {
		if err := c.section(ctx, sec, buf, count); err != nil {
			return nil, err
		}
	}
	return c.sums(), nil
}

// chunker accumulates per-chunk digests for several algorithms at once.
type chunker struct {
	kinds  []int
	chunk  []hash.Hash
	top    [][]byte // concatenated chunk digests per kind
	count  uint32
	prefix [5]byte
}

func newChunker(kinds []int) *chunker {
	c := &chunker{kinds: kinds}
	for _, k := range kinds {
		c.chunk = append(c.chunk, newHash(k))
		c.top = append(c.top, nil)
	}
	return c
}

func (c *chunker) section(ctx context.Context, r io.Reader, buf []byte, count func(int)) error {
	for {
		if err := ctx.Err(); err != nil {
			return fault.Wrap(fault.Cancelled, err)
		}
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			c.add(buf[:n])
			count(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return fault.New(fault.Invalid, "reading file: %v", err)
		}
	}
}

func (c *chunker) add(chunk []byte) {
	c.prefix[0] = 0xa5
	binary.LittleEndian.PutUint32(c.prefix[1:], uint32(len(chunk)))
	for i, h := range c.chunk {
		h.Reset()
		h.Write(c.prefix[:])
		h.Write(chunk)
		c.top[i] = h.Sum(c.top[i])
	}
	c.count++
}

func (c *chunker) sums() map[int][]byte {
	out := map[int][]byte{}
	for i, k := range c.kinds {
		h := newHash(k)
		c.prefix[0] = 0x5a
		binary.LittleEndian.PutUint32(c.prefix[1:], c.count)
		h.Write(c.prefix[:])
		h.Write(c.top[i])
		out[k] = h.Sum(nil)
	}
	return out
}
