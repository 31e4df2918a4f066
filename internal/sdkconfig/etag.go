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

// Header names of the public configuration channel (docs/sdk-config.md,
// "Fetching updates"), shared by approovd and the reference client.
const (
	// HeaderChallenge carries the client's challenge: base64url, no
	// padding, of 16 to 64 random bytes.
	HeaderChallenge = "Approov-Challenge"
	// HeaderChallengeSig carries the answer's signature over the challenge
	// and the configuration (SignChallenge): base64url of the 64-byte r||s.
	HeaderChallengeSig = "Approov-Challenge-Signature"
	// HeaderConfigVersion names the version the answer carries.
	HeaderConfigVersion = "Approov-Config-Version"
)
