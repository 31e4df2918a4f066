package apk

import (
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

// axmlManyRefs builds a binary XML document whose string pool holds one
// UTF-16 string of n units and whose body is tags start tags all named by it.
func axmlManyRefs(n, tags int) []byte {
	le := binary.LittleEndian
	pool := make([]byte, 28+4+2+2*n+2)
	le.PutUint16(pool, chunkStringPool)
	le.PutUint16(pool[2:], 28)
	le.PutUint32(pool[4:], uint32(len(pool)))
	le.PutUint32(pool[8:], 1)   // one string
	le.PutUint32(pool[20:], 32) // string data after the one offset
	le.PutUint16(pool[32:], uint16(n))
	for k := 0; k < n; k++ {
		le.PutUint16(pool[34+2*k:], 'a')
	}
	tag := make([]byte, 36)
	le.PutUint16(tag, chunkStartTag)
	le.PutUint16(tag[2:], 16)
	le.PutUint32(tag[4:], 36)
	le.PutUint32(tag[16:], 0xffffffff) // no namespace
	le.PutUint16(tag[24:], 20)         // attribute start
	le.PutUint16(tag[26:], 20)         // attribute size, no attributes
	doc := append(make([]byte, 8), pool...)
	for i := 0; i < tags; i++ {
		doc = append(doc, tag...)
	}
	le.PutUint16(doc, chunkXML)
	le.PutUint16(doc[2:], 8)
	le.PutUint32(doc[4:], uint32(len(doc)))
	return doc
}

// TestDecodeManifestLongStringManyTags: every start tag naming one long
// string used to decode (and allocate) the string again, so allocation grew
// with tags × length. Now each string is decoded once.
func TestDecodeManifestLongStringManyTags(t *testing.T) {
	doc := axmlManyRefs(20000, 2000)
	var err error
	n := allocated(func() { _, err = DecodeManifest(doc) })
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("err = %v", err)
	}
	if n > 4*uint64(len(doc)) {
		t.Errorf("decoding %d bytes allocated %d bytes", len(doc), n)
	}
}

// allocated reports the bytes fn allocates on the heap. Fuzz targets use it
// to catch inputs that make a parser allocate far more than their size.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
