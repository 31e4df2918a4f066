package aab

import (
	"testing"

	"github.com/approov-cli/approov/internal/alloctest"

	"google.golang.org/protobuf/encoding/protowire"
)

// manyEmpty is a <manifest> with n empty attributes and n empty children:
// two bytes each on the wire.
func manyEmpty(n int) []byte {
	var el []byte
	el = protowire.AppendTag(el, 3, protowire.BytesType)
	el = protowire.AppendString(el, "manifest")
	for i := 0; i < n; i++ {
		el = append(el, 4<<3|2, 0, 5<<3|2, 0)
	}
	var node []byte
	node = protowire.AppendTag(node, 1, protowire.BytesType)
	return protowire.AppendBytes(node, el)
}

// TestDecodeManifestManyEmptyFields: every two-byte attribute used to cost
// a 56-byte attr and every two-byte child a 24-byte slice header (plus the
// slices' growth), so an 8 MiB manifest could claim hundreds of MiB.
func TestDecodeManifestManyEmptyFields(t *testing.T) {
	b := manyEmpty(100_000)
	var err error
	n := alloctest.Bytes(func() { _, err = DecodeManifest(b) })
	if err != nil {
		t.Fatal(err)
	}
	if n > uint64(len(b)) {
		t.Errorf("decoding %d bytes allocated %d", len(b), n)
	}
}
