// Package storedump is the file format of `approovd store dump`: one
// account's records, portable between stores (bolt, PostgreSQL) and
// versioned, as JSON. It knows the format only; which records make an
// account is the service's (service.ExportAccount). Encode is canonical
// (records sorted by bucket and key, no dump time), so a dump restored and
// dumped again is byte-identical; Parse accepts only canonical, bounded
// input and says in one line what is wrong with anything else.
package storedump

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/store"
)

// Format names the kind of file; Version its layout (a newer approovd may
// read older versions; an older one refuses newer ones).
const (
	Format  = "approov-account-dump"
	Version = 1
)

// Bounds on what Parse reads.
const (
	MaxSize    = 1 << 30 // bytes of a whole dump
	MaxRecords = 4 << 20
	MaxKey     = 4 << 10
	MaxValue   = 1 << 20
)

// Dump is one account's records. Values are the store's bytes, as they
// are (base64 in the file); StoreFormat is the record layout they are in
// (store.FormatVersion).
type Dump struct {
	Format      string   `json:"format"`
	Version     int      `json:"version"`
	StoreFormat string   `json:"store_format"`
	Account     string   `json:"account"`
	Records     []Record `json:"records"`
}

// Record is one key of one bucket.
type Record struct {
	Bucket store.Bucket `json:"bucket"`
	Key    string       `json:"key"`
	Value  []byte       `json:"value"`
}

// New returns an empty dump of account, in this build's formats.
func New(account string) *Dump {
	return &Dump{Format: Format, Version: Version, StoreFormat: store.FormatVersion, Account: account, Records: []Record{}}
}

// Add appends a record; Encode sorts them.
func (d *Dump) Add(b store.Bucket, key string, value []byte) {
	d.Records = append(d.Records, Record{Bucket: b, Key: key, Value: bytes.Clone(value)})
}

// Encode writes d canonically: records sorted, empty values as "".
func Encode(w io.Writer, d *Dump) error {
	slices.SortFunc(d.Records, compare)
	for i := range d.Records {
		if d.Records[i].Value == nil {
			d.Records[i].Value = []byte{}
		}
	}
	if err := check(d); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		return fault.Wrap(fault.Internal, err)
	}
	_, err = w.Write(append(raw, '\n'))
	return err
}

func compare(a, b Record) int {
	if c := strings.Compare(string(a.Bucket), string(b.Bucket)); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// Parse reads a dump of at most MaxSize bytes and checks it: format and
// versions, the account's name, known buckets, bounded keys and values,
// records in canonical order without duplicates, nothing after the end.
func Parse(r io.Reader) (*Dump, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fault.New(fault.Invalid, "dump: %v", err)
	}
	if len(raw) > MaxSize {
		return nil, fault.New(fault.Invalid, "dump: larger than %d MiB", MaxSize>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var d Dump
	if err := dec.Decode(&d); err != nil {
		return nil, fault.New(fault.Invalid, "dump: %s", jsonError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fault.New(fault.Invalid, "dump: unexpected data after the end")
	}
	if err := check(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

func jsonError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var be base64.CorruptInputError
	switch {
	case errors.As(err, &be):
		return "a value is not valid base64"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated (the file ends too early)"
	case errors.As(err, &se):
		return fmt.Sprintf("not JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q: want %s", te.Field, te.Type)
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// check checks what Parse and Encode both require.
func check(d *Dump) error {
	switch {
	case d.Format != Format:
		return fault.New(fault.Invalid, "dump: not an approov account dump (format %.40q)", d.Format)
	case d.Version > Version:
		return fault.New(fault.Invalid, "dump: version %d, newer than this approovd's %d: restore it with a newer approovd", d.Version, Version)
	case d.Version != Version:
		return fault.New(fault.Invalid, "dump: unknown version %d", d.Version)
	case d.StoreFormat != store.FormatVersion:
		return fault.New(fault.Invalid, "dump: records in store format %.20q; this approovd reads format %s", d.StoreFormat, store.FormatVersion)
	case !auth.ValidAccountID(d.Account):
		return fault.New(fault.Invalid, "dump: invalid account name")
	case len(d.Records) > MaxRecords:
		return fault.New(fault.Invalid, "dump: more than %d records", MaxRecords)
	}
	for i, rec := range d.Records {
		if err := checkRecord(rec); err != nil {
			return fault.New(fault.Invalid, "dump: record %d: %v", i, err)
		}
		if i > 0 && compare(d.Records[i-1], rec) >= 0 {
			return fault.New(fault.Invalid, "dump: record %d: out of order or repeated", i)
		}
	}
	return nil
}

func checkRecord(rec Record) error {
	switch {
	case !slices.Contains(store.Buckets, rec.Bucket):
		return fmt.Errorf("unknown bucket %.40q", rec.Bucket)
	case rec.Key == "" || len(rec.Key) > MaxKey || !utf8.ValidString(rec.Key):
		return errors.New("key empty, too long or not UTF-8")
	case len(rec.Value) > MaxValue:
		return fmt.Errorf("value larger than %d KiB", MaxValue>>10)
	case rec.Value == nil:
		return errors.New("no value")
	}
	return nil
}
