package apk

import (
	"encoding/binary"
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

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
	n := alloctest.Bytes(func() { _, err = DecodeManifest(doc) })
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("err = %v", err)
	}
	if n > 4*uint64(len(doc)) {
		t.Errorf("decoding %d bytes allocated %d bytes", len(doc), n)
	}
}

// lp prefixes b with its little-endian uint32 length.
func lp(parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// smallSigningBlock is a minimal APK Signing Block with one v2 signer and
// one v3 signer (one digest, one certificate, one signature each) and a
// padding pair: a small seed the fuzzer can mutate quickly.
func smallSigningBlock() []byte {
	le := binary.LittleEndian
	u32 := func(v uint32) []byte { return le.AppendUint32(nil, v) }
	signed := func(v3 bool) []byte {
		parts := [][]byte{lp(lp(u32(0x103), lp([]byte("digest")))), lp(lp([]byte("cert")))}
		if v3 {
			parts = append(parts, u32(24), u32(0x7fffffff))
		}
		return lp(append(parts, lp(lp(u32(attrRotationMin), u32(33))))...)
	}
	signer := func(v3 bool) []byte {
		parts := [][]byte{signed(v3)}
		if v3 {
			parts = append(parts, u32(24), u32(0x7fffffff))
		}
		return lp(append(parts, lp(lp(u32(0x103), lp([]byte("sig")))), lp([]byte("key")))...)
	}
	pair := func(id uint32, val []byte) []byte {
		return append(le.AppendUint64(nil, uint64(4+len(val))), append(u32(id), val...)...)
	}
	pairs := append(pair(BlockV2, lp(signer(false))), pair(BlockV3, lp(signer(true)))...)
	pairs = append(pairs, pair(BlockVerityPad, make([]byte, 8))...)
	size := uint64(len(pairs) + 24)
	b := le.AppendUint64(nil, size)
	b = append(b, pairs...)
	b = le.AppendUint64(b, size)
	return append(b, "APK Sig Block 42"...)
}

func TestSmallSigningBlock(t *testing.T) {
	sb, err := ParseSigningBlock(smallSigningBlock())
	if err != nil {
		t.Fatal(err)
	}
	if len(sb.V2) != 1 || len(sb.V3) != 1 || string(sb.V3[0].Certs[0]) != "cert" || sb.V3[0].MinSDK != 24 ||
		sb.V2[0].RotationMinSDK != 33 || len(sb.Others) != 1 || sb.Others[0].Size != 8 {
		t.Fatalf("parsed %+v", sb)
	}
}
