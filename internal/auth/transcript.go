package auth

import (
	"crypto/sha256"
	"encoding/binary"
)

// Purposes separate the signature domains: a signature made for one purpose
// never verifies for another.
const (
	purposeLogin    = "approov-login-v1"
	purposeRequest  = "approov-request-v2"
	purposeResponse = "approov-response-v2"
	purposeRecovery = "approov-recovery-pin-v1"
	purposeCodeKey  = "approov-code-key-v1"
	purposeFakeSalt = "approov-fake-salt-v1"
	purposeChecksum = "approov-checksum-v1"
)

// transcript encodes purpose and fields unambiguously: every part is
// preceded by its length as a big-endian uint32.
func transcript(purpose string, fields ...[]byte) []byte {
	n := 4 + len(purpose)
	for _, f := range fields {
		n += 4 + len(f)
	}
	out := make([]byte, 0, n)
	out = appendField(out, []byte(purpose))
	for _, f := range fields {
		out = appendField(out, f)
	}
	return out
}

func appendField(out, f []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
	return append(out, f...)
}

// Digest is the SHA-256 of b, the body digest that request and response
// signatures cover.
func Digest(b []byte) []byte {
	d := sha256.Sum256(b)
	return d[:]
}

func int64Bytes(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
