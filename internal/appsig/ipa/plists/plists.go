// Package plists decodes property lists (XML or binary) from hostile input
// with howett.net/plist, after bounding what the decoder may be asked to do:
// the input size, the nesting depth, and, for binary plists whose objects
// may be shared, the number of values the decoded tree expands to (a few
// hundred bytes of shared references would otherwise expand to billions of
// values). OpenStep and GNUstep text plists are rejected: Apple bundles
// never use them.
package plists

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
	"howett.net/plist"
)

// Limits bounds one decode.
type Limits struct {
	MaxSize   int // bytes of input
	MaxDepth  int // nesting of arrays and dictionaries
	MaxValues int // values in the decoded tree
}

// DefaultLimits fit every real Info.plist, entitlements and profile.
func DefaultLimits() Limits {
	return Limits{MaxSize: 4 << 20, MaxDepth: 32, MaxValues: 1 << 20}
}

var bplistMagic = []byte("bplist00")

// Decode checks data against lim and unmarshals it into v (a pointer, as for
// plist.Unmarshal). what names the plist in errors ("Info.plist").
func Decode(data []byte, v any, what string, lim Limits) error {
	if len(data) > lim.MaxSize {
		return fault.New(fault.Invalid, "%s is larger than %d bytes", what, lim.MaxSize)
	}
	var err error
	if bytes.HasPrefix(data, bplistMagic) {
		err = checkBinary(data, lim)
	} else {
		err = checkXML(data, lim)
	}
	if err != nil {
		return fault.New(fault.Invalid, "%s: %v", what, err)
	}
	format, err := plist.Unmarshal(data, v)
	if err != nil {
		return fault.New(fault.Invalid, "%s is not a valid property list: %s", what, strings.Join(strings.Fields(err.Error()), " "))
	}
	if format != plist.XMLFormat && format != plist.BinaryFormat {
		return fault.New(fault.Invalid, "%s is not an XML or binary property list", what)
	}
	return nil
}

// checkXML scans the XML tokens once, bounding depth and element count
// before the recursive decoder runs.
func checkXML(data []byte, lim Limits) error {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<")) {
		return errors.New("not an XML or binary property list")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	depth, values := 0, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errors.New("malformed XML")
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			values++
			// <plist> and <key> add one level/value over the plist's own structure.
			if depth > lim.MaxDepth+2 || values > 2*lim.MaxValues {
				return errors.New("nested too deeply or too many values")
			}
		case xml.EndElement:
			depth--
		}
	}
}
