package api

// The HTTP headers of a signed request and its answer (docs/api.md,
// "Requests" and "Answers"); the remote transport and approovd share them.
const (
	HeaderKeyID     = "Approov-Key-Id"    // request: session id or "aoc_<code id>"
	HeaderCreated   = "Approov-Created"   // request: Unix seconds
	HeaderNonce     = "Approov-Nonce"     // request and answer
	HeaderSignature = "Approov-Signature" // request and answer: base64url, no padding
	HeaderTime      = "Approov-Time"      // answer: the service clock, Unix seconds
	// HeaderIdempotencyKey names a non-idempotent request across retries.
	HeaderIdempotencyKey = "Approov-Idempotency-Key"
)
