// Command approovd serves the approov service API over HTTPS for a team.
package main

import (
	"os"

	"github.com/approov-cli/approov/internal/approovd"
)

func main() { os.Exit(approovd.Main()) }
