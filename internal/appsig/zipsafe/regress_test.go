package zipsafe

import (
	"encoding/binary"
	"strings"
	"testing"
)

// oneEntry builds by hand a one-entry archive whose local header declares
// localExtra bytes of extra field that are not there, so that the header
// runs into the central directory.
func oneEntry(flags uint16, localExtra uint16) []byte {
	le := binary.LittleEndian
	loc := make([]byte, localHeaderLen, 128)
	copy(loc, sigLocal)
	le.PutUint16(loc[6:], flags)
	le.PutUint16(loc[26:], 1)
	le.PutUint16(loc[28:], localExtra)
	loc = append(loc, 'a')
	cd := make([]byte, cdHeaderLen)
	copy(cd, sigCentral)
	le.PutUint16(cd[8:], flags)
	le.PutUint16(cd[28:], 1)
	cd = append(cd, 'a')
	eocd := make([]byte, eocdLen)
	copy(eocd, sigEOCD)
	le.PutUint16(eocd[8:], 1)
	le.PutUint16(eocd[10:], 1)
	le.PutUint32(eocd[12:], uint32(len(cd)))
	le.PutUint32(eocd[16:], uint32(len(loc)))
	return append(append(loc, cd...), eocd...)
}

// TestLocalHeaderIntoCentralDirectory: a local header whose name and extra
// field run past the start of the central directory used to reach
// make([]byte, negative) when the entry also had a data descriptor.
func TestLocalHeaderIntoCentralDirectory(t *testing.T) {
	for _, flags := range []uint16{0, flagDescriptor} {
		_, err := open(oneEntry(flags, 3))
		assertInvalid(t, err)
		if !strings.Contains(err.Error(), "runs into the central directory") {
			t.Errorf("flags %#x: %v", flags, err)
		}
	}
	if _, err := open(oneEntry(flagDescriptor, 0)); err == nil {
		t.Error("entry without a data descriptor accepted")
	}
}
