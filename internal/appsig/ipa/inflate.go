package ipa

import (
	"io"
	"sync"

	"github.com/approov-cli/approov/internal/appsig/zipsafe"
)

// inflatingReaderAt gives random access to a deflated zip entry without
// holding it in memory: reads moving forward continue the stream, a read
// behind the current position restarts it. Verification reads the header,
// then the signature at the end, then everything from the start: about two
// inflate passes, with flat memory.
type inflatingReaderAt struct {
	a   *zipsafe.Archive
	f   *zipsafe.File
	mu  sync.Mutex
	rc  io.ReadCloser
	pos int64
}

func (r *inflatingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rc == nil || off < r.pos {
		if err := r.restart(); err != nil {
			return 0, err
		}
	}
	if _, err := io.CopyN(io.Discard, r.rc, off-r.pos); err != nil {
		return 0, err
	}
	r.pos = off
	n, err := io.ReadFull(r.rc, p)
	r.pos += int64(n)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

func (r *inflatingReaderAt) restart() error {
	if r.rc != nil {
		r.rc.Close()
	}
	rc, err := r.a.Open(r.f)
	if err != nil {
		return err
	}
	r.rc, r.pos = rc, 0
	return nil
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
