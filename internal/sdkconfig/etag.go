package sdkconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// ETag is the HTTP entity tag the public endpoint gives a configuration:
// "v<version>-<hex of the first 16 bytes of SHA-256 of the JWT>", quoted.
// A client computes it from the configuration it holds.
func ETag(version uint64, jwt string) string {
	sum := sha256.Sum256([]byte(jwt))
	return `"v` + strconv.FormatUint(version, 10) + "-" + hex.EncodeToString(sum[:16]) + `"`
}
