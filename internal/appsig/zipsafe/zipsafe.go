// Package zipsafe is the hostile-input front door for ZIP-based app packages
// (.apk, .aab, .ipa). It accepts only archives with one canonical reading:
// every byte of the file belongs to exactly one local entry described by the
// central directory (plus, for APKs, the APK Signing Block right before the
// central directory), names are unique and local, and local headers agree
// with the central directory. Anything else is rejected with fault.Invalid,
// never repaired, so that the bytes we measure are the bytes a device runs.
package zipsafe

import (
	"io"

	"github.com/approov-cli/approov/internal/fault"
)

// Limits bounds the work and memory an archive may demand.
type Limits struct {
	MaxEntries        int   // entries in the central directory
	MaxEntrySize      int64 // uncompressed size of one entry
	MaxTotalSize      int64 // sum of uncompressed sizes
	MaxRatio          int64 // uncompressed/compressed, checked for entries over ratioFloor bytes
	MaxCentralDirSize int64 // bytes of central directory read into memory; 0 means the default
}

// ratioFloor is the size below which the compression ratio is not checked:
// small runs of zeros legitimately compress far beyond any sane ratio.
const ratioFloor = 1 << 20

// defaultCentralDirSize caps the central directory held in memory.
const defaultCentralDirSize = 32 << 20

// DefaultLimits are generous for real apps and small enough to stop bombs.
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:        100_000,
		MaxEntrySize:      4 << 30,
		MaxTotalSize:      16 << 30,
		MaxRatio:          200,
		MaxCentralDirSize: defaultCentralDirSize,
	}
}

// Archive is a validated ZIP archive.
type Archive struct {
	r           io.ReaderAt
	size        int64
	lim         Limits
	files       []*File
	byName      map[string]*File
	cdOffset    int64
	cdSize      int64
	eocdOff     int64 // offset of the end-of-central-directory record
	gapOffset   int64 // end of the last entry; = cdOffset when nothing lies between entries and CD
	sigBlockOff int64 // offset of the APK Signing Block, = cdOffset if there is none
	zip64       bool
}

// File is one entry of the central directory, after cross-checking with its
// local header.
type File struct {
	Name             string
	Method           uint16 // 0 stored, 8 deflate
	Flags            uint16
	CompressedSize   uint64
	UncompressedSize uint64
	CRC32            uint32
	HeaderOffset     int64 // local file header
	DataOffset       int64 // first byte of the (compressed) data
	end              int64 // first byte after the data and any data descriptor
}

// IsDir reports whether the entry is a directory entry (name ends in "/").
func (f *File) IsDir() bool { return len(f.Name) > 0 && f.Name[len(f.Name)-1] == '/' }

// Files returns the entries in central-directory order. The slice must not be modified.
func (a *Archive) Files() []*File { return a.files }

// Lookup returns the entry with exactly this name, or nil.
func (a *Archive) Lookup(name string) *File { return a.byName[name] }

// CentralDirectoryOffset is the offset of the first central directory header.
func (a *Archive) CentralDirectoryOffset() int64 { return a.cdOffset }

// CentralDirectorySize is the length of the central directory in bytes.
func (a *Archive) CentralDirectorySize() int64 { return a.cdSize }

// EOCDOffset is the offset of the end-of-central-directory record.
func (a *Archive) EOCDOffset() int64 { return a.eocdOff }

// GapOffset is where the bytes between the last entry and the central
// directory start; it equals CentralDirectoryOffset when there is no gap.
// For an APK the gap is optional zero padding and the APK Signing Block.
func (a *Archive) GapOffset() int64 { return a.gapOffset }

// SigningBlockOffset is where the APK Signing Block starts, or
// CentralDirectoryOffset when there is none. Bytes between GapOffset and it
// are zero padding.
func (a *Archive) SigningBlockOffset() int64 { return a.sigBlockOff }

// HasSigningBlock reports whether an APK Signing Block precedes the central directory.
func (a *Archive) HasSigningBlock() bool { return a.sigBlockOff < a.cdOffset }

// Zip64 reports whether the archive uses ZIP64 end records.
func (a *Archive) Zip64() bool { return a.zip64 }

// Size is the archive's length in bytes.
func (a *Archive) Size() int64 { return a.size }

// ReaderAt is the underlying reader.
func (a *Archive) ReaderAt() io.ReaderAt { return a.r }

func invalid(format string, args ...any) error {
	return fault.New(fault.Invalid, "zip: "+format, args...)
}
