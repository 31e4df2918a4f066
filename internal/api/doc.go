// Package api is the contract between the CLI's backend client, the
// service and the server: the operations with their HTTP mapping, the
// request and answer types, wire errors and message limits. It imports no
// other layer of approov but the auth envelope and role names, so the
// client, the service and approovd can all depend on it and on nothing of
// each other. Records the store persists are the service's own types,
// never these: a change on the wire cannot silently change what is on disk.
package api
