// Command approov administers an app-attestation and dynamic pinning account.
package main

import (
	"os"

	"github.com/approov-cli/approov/internal/app"
)

func main() { os.Exit(app.Main()) }
