// Package auth is approov's proof-of-possession protocol, both sides, as a
// pure library: onboarding codes and management tokens (formats and local
// checksums), the Argon2id password-to-Ed25519 derivation, the login
// statement, request envelopes signed with a session key, response envelopes
// signed with the service key, and a bounded replay cache.
//
// Every signature covers a transcript built by [transcript]: a purpose string
// followed by length-prefixed fields, so that no two messages of different
// purpose or different field split can ever sign the same bytes.
package auth
