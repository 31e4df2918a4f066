package appsig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"strings"

	"github.com/approov-cli/approov/internal/appsig/aab"
	"github.com/approov-cli/approov/internal/appsig/apk"
	"github.com/approov-cli/approov/internal/appsig/ipa"
	"github.com/approov-cli/approov/internal/appsig/zipsafe"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/userfile"
)

// Inspect verifies and measures the file at path.
//
// It returns (record, nil) for a verified file. When the file is an app
// package whose verification fails it returns the unverified record
// (Verified false, Problem set) together with an Invalid error, so callers
// can show it on explicit request. Any other failure returns (nil, err).
func Inspect(ctx context.Context, path string, opts Options) (*Record, error) {
	opts = withDefaults(opts)
	ctx, cancel := context.WithTimeout(ctx, opts.Budget)
	defer cancel()
	f, err := userfile.Open(path) // a FIFO must not block the open
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, err)
	}
	if st.Size() > opts.MaxFileSize {
		return nil, fault.New(fault.Invalid, "%s: %d bytes exceed the limit of %d", filepath.Base(path), st.Size(), opts.MaxFileSize)
	}
	rec, err := inspectReader(ctx, f, st.Size(), opts)
	if rec != nil {
		rec.FileName = filepath.Base(path)
	}
	return rec, budgetError(ctx, opts, err)
}

func withDefaults(o Options) Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.Limits == (zipsafe.Limits{}) {
		o.Limits = zipsafe.DefaultLimits()
	}
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	return o
}

// budgetError turns a blown time budget into an Invalid error: a file that
// takes too long to measure is treated as hostile.
func budgetError(ctx context.Context, opts Options, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fault.New(fault.Invalid, "inspection exceeded its time budget (%s)", opts.Budget)
	}
	return err
}

// inspectReader validates the archive, then verifies and hashes it. For an
// APK with a signing block the file SHA-256 shares the read of the
// content-digest pass (one read, two hashes on two cores); otherwise the
// file is hashed on its own goroutine, concurrently with the parser.
func inspectReader(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Record, error) {
	a, err := zipsafe.Open(r, size, opts.Limits)
	if err != nil {
		return nil, err
	}
	var rec *Record
	var sum string
	if detect(a) == FormatAPK && a.HasSigningBlock() {
		rec, sum, err = inspectAPK(ctx, a, opts)
	} else {
		rec, sum, err = inspectConcurrently(ctx, a, opts)
	}
	if rec == nil {
		return nil, err
	}
	rec.SchemaVersion, rec.FileSize, rec.FileSHA256 = SchemaVersion, size, sum
	rec.Verified = err == nil
	if err != nil {
		rec.Problem = err.Error()
	}
	return rec, err
}

// inspectAPK passes a file hasher to the APK's one-pass content digest and
// hashes the file itself only if that pass did not run to the end.
func inspectAPK(ctx context.Context, a *zipsafe.Archive, opts Options) (*Record, string, error) {
	h := &countingWriter{w: sha256.New()}
	var progress func(int64)
	if opts.Progress != nil {
		progress = func(done int64) { opts.Progress(done, a.Size()) }
	}
	m, err := apk.Inspect(ctx, a, apk.Options{MinSDK: opts.MinSDK, MaxSDK: opts.MaxSDK, FileHash: h, Progress: progress})
	if m == nil {
		return nil, "", err
	}
	if h.n == a.Size() {
		return &Record{Format: FormatAPK, APK: m}, hex.EncodeToString(h.w.Sum(nil)), err
	}
	hr := hashFile(ctx, a.ReaderAt(), a.Size(), opts.Progress)
	if hr.err != nil {
		return nil, "", hr.err
	}
	return &Record{Format: FormatAPK, APK: m}, hr.sum, err
}

type countingWriter struct {
	w interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.w.Write(p)
}

// inspectConcurrently hashes the file on one goroutine while the format's
// parser verifies it on another.
func inspectConcurrently(ctx context.Context, a *zipsafe.Archive, opts Options) (*Record, string, error) {
	hashCh := make(chan hashResult, 1)
	hctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { hashCh <- hashFile(hctx, a.ReaderAt(), a.Size(), opts.Progress) }()
	rec, err := measureOther(ctx, a, opts)
	if rec == nil {
		return nil, "", err
	}
	h := <-hashCh
	if h.err != nil {
		return nil, "", h.err
	}
	return rec, h.sum, err
}

// measureOther runs the format's parser without sharing the file hash.
func measureOther(ctx context.Context, a *zipsafe.Archive, opts Options) (*Record, error) {
	switch detect(a) {
	case FormatAPK:
		m, err := apk.Inspect(ctx, a, apk.Options{MinSDK: opts.MinSDK, MaxSDK: opts.MaxSDK})
		return recordOf(FormatAPK, m != nil, func(r *Record) { r.APK = m }), err
	case FormatAAB:
		m, err := aab.Inspect(ctx, a)
		return recordOf(FormatAAB, m != nil, func(r *Record) { r.AAB = m }), err
	case FormatIPA:
		m, err := ipa.Inspect(ctx, a)
		return recordOf(FormatIPA, m != nil, func(r *Record) { r.IPA = m }), err
	}
	return nil, fault.New(fault.Invalid, "not an app package: no AndroidManifest.xml (apk), BundleConfig.pb (aab) or Payload/*.app (ipa)")
}

func recordOf(format string, ok bool, set func(*Record)) *Record {
	if !ok {
		return nil
	}
	r := &Record{Format: format}
	set(r)
	return r
}

// detect names the format from the archive's entries.
func detect(a *zipsafe.Archive) string {
	switch {
	case a.Lookup("AndroidManifest.xml") != nil:
		return FormatAPK
	case a.Lookup("BundleConfig.pb") != nil || a.Lookup(aab.ManifestPath) != nil:
		return FormatAAB
	}
	for _, f := range a.Files() {
		if rest, ok := strings.CutPrefix(f.Name, "Payload/"); ok && strings.Contains(rest, ".app/") {
			return FormatIPA
		}
	}
	return ""
}

type hashResult struct {
	sum string
	err error
}

// hashFile computes the SHA-256 of the whole file with a 1 MiB buffer.
func hashFile(ctx context.Context, r io.ReaderAt, size int64, progress func(done, total int64)) hashResult {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return hashResult{err: fault.Wrap(fault.Cancelled, err)}
		}
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		if progress != nil {
			progress(off, size)
		}
		if err != nil && !(err == io.EOF && off == size) {
			return hashResult{err: fault.New(fault.Invalid, "reading file: %v", err)}
		}
	}
	return hashResult{sum: hex.EncodeToString(h.Sum(nil))}
}
