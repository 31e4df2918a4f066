package appsig

import (
	"context"
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

// inspectReader validates the archive, then verifies and hashes it. The
// file SHA-256 is computed on its own goroutine from the bytes the format's
// parser reads in order (see fileHasher and plan), so the file is read once
// and the two passes share the two cores.
func inspectReader(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Record, error) {
	h := newFileHasher(ctx, r, size, opts.Progress)
	defer h.close()
	a, err := zipsafe.Open(h, size, opts.Limits)
	if err != nil {
		return nil, err
	}
	rec, err := measure(ctx, a, h, opts)
	if rec == nil {
		return nil, err
	}
	hr := h.sum()
	if hr.err != nil {
		return nil, hr.err
	}
	rec.SchemaVersion, rec.FileSize, rec.FileSHA256 = SchemaVersion, size, hr.sum
	rec.Verified = err == nil
	if err != nil {
		rec.Problem = err.Error()
	}
	return rec, err
}

// measure runs the format's parser, first telling the hasher which ranges
// of the file that parser reads in order.
func measure(ctx context.Context, a *zipsafe.Archive, h *fileHasher, opts Options) (*Record, error) {
	switch detect(a) {
	case FormatAPK:
		h.start(apkPlan(a)...)
		m, err := apk.Inspect(ctx, a, apk.Options{MinSDK: opts.MinSDK, MaxSDK: opts.MaxSDK})
		return recordOf(FormatAPK, m != nil, func(r *Record) { r.APK = m }), err
	case FormatAAB:
		h.start()
		m, err := aab.Inspect(ctx, a)
		return recordOf(FormatAAB, m != nil, func(r *Record) { r.AAB = m }), err
	case FormatIPA:
		h.start(ipaPlan(a)...)
		m, err := ipa.Inspect(ctx, a)
		return recordOf(FormatIPA, m != nil, func(r *Record) { r.IPA = m }), err
	}
	return nil, fault.New(fault.Invalid, "not an app package: no AndroidManifest.xml (apk), BundleConfig.pb (aab) or Payload/*.app (ipa)")
}

// apkPlan: apkverifier's content-digest pass reads the entries and then the
// central directory, in order (the signing block and the EOCD it skips).
func apkPlan(a *zipsafe.Archive) []span {
	if !a.HasSigningBlock() {
		return nil
	}
	return []span{{0, a.SigningBlockOffset()}, {a.CentralDirectoryOffset(), a.EOCDOffset()}}
}

// ipaPlan: the main executable's stored or deflated bytes are read in
// order by the page-hash pass.
func ipaPlan(a *zipsafe.Archive) []span {
	f := ipa.MainExecutable(a)
	if f == nil {
		return nil
	}
	return []span{{f.DataOffset, f.DataOffset + int64(f.CompressedSize)}}
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
