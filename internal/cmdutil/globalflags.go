package cmdutil

import (
	"github.com/spf13/cobra"
)

// CAFileFlag is the global flag naming the CA certificates TLS servers are
// verified against instead of the system roots: approovd's certificate on
// the remote backend (APPROOV_CA_FILE is its twin; the flag wins) and, on
// the commands that reach live endpoints, theirs too.
const CAFileFlag = "ca-file"

// AddGlobalFlags registers the flags every command takes on root.
func AddGlobalFlags(root *cobra.Command, f *Factory) {
	root.PersistentFlags().StringVar(&f.CAFile, CAFileFlag, "",
		"verify TLS servers (approovd; live endpoints where the command reaches them) with the CA certificates in `file` instead of the system roots")
}

// BindGlobalFlags copies into f the global flags of the command about to
// run. A command that checks live endpoints declares its own --ca-file
// (so it can be run and tested alone), which hides the global one: the
// value given is read from whichever the command has.
func BindGlobalFlags(cmd *cobra.Command, f *Factory) {
	if fl := cmd.Flags().Lookup(CAFileFlag); fl != nil && fl.Changed {
		f.CAFile = fl.Value.String()
	}
}
