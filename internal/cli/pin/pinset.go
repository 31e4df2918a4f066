package pin

import (
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/userfile"
	"github.com/spf13/pflag"
)

// addFileFlag registers --file. It has no default yet: when the staged pin
// set exists, an empty value will mean "the staged set".
func addFileFlag(fs *pflag.FlagSet, file *string) {
	fs.StringVarP(file, "file", "f", "", "read the pin set from `file` (\"-\" for standard input; format: docs/pinset.md)")
}

// readPinSet loads the pin set named by --file, printing its warnings.
func readPinSet(ios *iostreams.IOStreams, file string) (*pins.PinSet, error) {
	if file == "" {
		return nil, cmdutil.FlagErrorf("no pin set given: use --file FILE (a pin-set JSON file) or --file - for standard input")
	}
	set, warns, err := loadPinSetFile(ios, file)
	if err != nil {
		return nil, err
	}
	for _, w := range warns {
		ios.Warnf("%s", w)
	}
	return set, nil
}

func loadPinSetFile(ios *iostreams.IOStreams, file string) (*pins.PinSet, []string, error) {
	if file == "-" {
		return pins.ReadPinSet(ios.In)
	}
	f, err := userfile.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	set, warns, err := pins.ReadPinSet(f)
	if err != nil {
		return nil, nil, fault.New(fault.Invalid, "%s: %w", file, err)
	}
	return set, warns, nil
}
