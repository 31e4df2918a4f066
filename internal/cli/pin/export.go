package pin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/spf13/cobra"
)

// ExportOptions holds what `approov pin export` needs.
type ExportOptions struct {
	IO     *iostreams.IOStreams
	Now    func() time.Time
	File   string
	Format string
}

// NewCmdExport builds `approov pin export`; runF replaces the run function in tests.
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{}
	cmd := &cobra.Command{
		Use:   "export --format <format> --file <pins.json>",
		Short: "Write a pin set in a client's native configuration format",
		Long: `Write a pin set, validated, in the native configuration format of a client:

  okhttp       Kotlin CertificatePinner builder (include_subdomains uses "**.")
  android-nsc  Network Security Config XML, with <pin-set expiration>
  ios-ats      Info.plist NSAppTransportSecurity/NSPinnedDomains (iOS 14+);
               leaf pins go to NSPinnedLeafIdentities, others to NSPinnedCAIdentities
  trustkit     Info.plist TSKConfiguration dictionary for TrustKit
  json         the pin-set file itself, in canonical form

The output goes to standard output; warnings (what a format cannot express,
pin-set policy problems) go to standard error.`,
		Example: `  $ approov pin export --format android-nsc --file pins.json > app/src/main/res/xml/network_security_config.xml
  $ approov pin export --format okhttp --file pins.json
  $ approov pin export --format ios-ats --file pins.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.IO, opts.Now = f.IOStreams, f.Now
			if runF != nil {
				return runF(opts)
			}
			return runExport(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	addFileFlag(fs, &opts.File)
	fs.StringVar(&opts.Format, "format", "", "output `format`: "+strings.Join(pins.ExportFormats, ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return pins.ExportFormats, cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.NoRoleNeeded(cmd)
	return cmd
}

func runExport(_ context.Context, opts *ExportOptions) error {
	if opts.Format == "" {
		return cmdutil.FlagErrorf("--format is required: one of %s", strings.Join(pins.ExportFormats, ", "))
	}
	if !slices.Contains(pins.ExportFormats, opts.Format) {
		return cmdutil.FlagErrorf("unknown --format %q: want one of %s", opts.Format, strings.Join(pins.ExportFormats, ", "))
	}
	set, err := readPinSet(opts.IO, opts.File)
	if err != nil {
		return err
	}
	out, warns, err := pins.Export(set, opts.Format)
	if err != nil {
		return err
	}
	for _, w := range append(set.Lint(opts.Now(), pins.DefaultExpirySoon), warns...) {
		opts.IO.Warnf("%s", w)
	}
	_, err = opts.IO.Out.Write(out)
	return err
}
