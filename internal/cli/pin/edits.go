package pin

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/pins/stage"
	"github.com/approov-cli/approov/internal/userfile"
)

// AddOptions holds what `approov pin add` and `approov pin rotate` need.
type AddOptions struct {
	StageOptions
	Live     cmdutil.LiveFlags
	Domain   string
	Pin      string
	Cert     string
	FromHost string
	Backup   bool
	Type     string
}

// NewCmdAdd builds `approov pin add`.
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	cmd := &cobra.Command{
		Use:   "add <domain> [<pin>] [--cert FILE | --from-host HOST]",
		Short: "Stage a pin for a domain",
		Long: `Add a pin to a domain of the working copy, creating the domain when new. The
pin is given as text (base64, sha256/..., hex), read from a certificate file
(--cert, the leaf unless --type), or from the live verified chain of a host
(--from-host, with --ca-file and --connect-to). Nothing leaves the machine
until approov pin push.`,
		Example: `  $ approov pin add api.example.com sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=
  $ approov pin add api.example.com --cert next-key.pem --backup
  $ approov pin add api.example.com --from-host api.example.com --type intermediate`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Domain = args[0]
			if len(args) == 2 {
				opts.Pin = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return runAdd(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.Cert, "cert", "", "read the pin from certificate `file` (PEM, DER or PKCS#7)")
	fs.StringVar(&opts.FromHost, "from-host", "", "read the pin from the live verified chain of `host[:port]`")
	fs.BoolVar(&opts.Backup, "backup", false, "label the pin backup (a standby key for the next rotation)")
	fs.StringVar(&opts.Type, "type", "", "certificate position: leaf, intermediate or root (default leaf)")
	cmdutil.AddLiveFlags(fs, &opts.Live)
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runAdd(ctx context.Context, opts *AddOptions) error {
	c, err := opts.candidate(ctx, opts.Pin, opts.Cert, opts.FromHost)
	if err != nil {
		return err
	}
	label := pins.Primary
	if opts.Backup {
		label = pins.Backup
	}
	return opts.edit(ctx, func(work *pins.PinSet) (stage.Edit, error) {
		return stage.Add(work, opts.Domain, c, label)
	})
}

// candidate reads the proposed pin from exactly one source.
func (opts *AddOptions) candidate(ctx context.Context, pin, cert, host string) (stage.Candidate, error) {
	n := 0
	for _, s := range []string{pin, cert, host} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return stage.Candidate{}, cmdutil.FlagErrorf("give exactly one of a pin, --cert FILE or --from-host HOST")
	}
	pos := pins.Position(opts.Type)
	switch {
	case pin != "":
		if pos == "" {
			pos = pins.Leaf
		}
		return stage.FromPin(pin, pos)
	case cert != "":
		return candidateFromCert(cert, pos)
	}
	return opts.candidateFromHost(ctx, host, pos)
}

func candidateFromCert(path string, pos pins.Position) (stage.Candidate, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return stage.Candidate{}, err
	}
	defer f.Close()
	certs, err := pins.ReadCertificates(f)
	if err != nil {
		return stage.Candidate{}, fault.New(fault.Invalid, "%s: %w", path, err)
	}
	return stage.FromCertificates(certs, pos)
}

func (opts *AddOptions) candidateFromHost(ctx context.Context, host string, pos pins.Position) (stage.Candidate, error) {
	co, err := opts.Live.CheckOptions(opts.Now)
	if err != nil {
		return stage.Candidate{}, err
	}
	t, err := pins.ParseTarget(host)
	if err != nil {
		return stage.Candidate{}, cmdutil.FlagErrorf("--from-host: %v", err)
	}
	if ct, ok := co.ConnectTo[t.Host]; ok {
		co.Fetch.ServerName, t = t.Host, ct
	}
	c, _, err := stage.FromHost(ctx, t, co.Fetch, pos)
	return c, cmdutil.NotVerifiedHint(err, false, opts.Live.Net.CAFile)
}

// RemoveOptions holds what `approov pin remove` needs.
type RemoveOptions struct {
	StageOptions
	Domain string
	Pin    string
}

// NewCmdRemove builds `approov pin remove`.
func NewCmdRemove(f *cmdutil.Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{}
	cmd := &cobra.Command{
		Use:   "remove <domain> [<pin>]",
		Short: "Stage the removal of a domain, or of one of its pins",
		Long: `Remove a domain from the working copy, or only one of its pins. The push
invariants still apply when it is pushed: a domain keeps a pin that matches
its live chain, and its last backup pin.`,
		Example: `  $ approov pin remove old-api.example.com
  $ approov pin remove api.example.com sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Domain = args[0]
			if len(args) == 2 {
				opts.Pin = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return runRemove(c.Context(), opts)
		},
	}
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runRemove(ctx context.Context, opts *RemoveOptions) error {
	var p *pins.Pin
	if opts.Pin != "" {
		parsed, _, err := pins.Parse(opts.Pin)
		if err != nil {
			return err
		}
		p = &parsed
	}
	return opts.edit(ctx, func(work *pins.PinSet) (stage.Edit, error) {
		return stage.Remove(work, opts.Domain, p)
	})
}

// NewCmdRotate builds `approov pin rotate`.
func NewCmdRotate(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{}
	var newCert, newHost string
	cmd := &cobra.Command{
		Use:   "rotate <domain> --new-cert FILE | --new-host HOST",
		Short: "Stage the next key of a domain as a backup pin",
		Long: `The first step of a key rotation: stage the next key of a domain as a backup
pin, push, switch the server to the new key, then retire the old pin
(approov pin retire) and push again. Clients keep working at every step.`,
		Example: `  $ approov pin rotate api.example.com --new-cert next.pem
  $ approov pin rotate api.example.com --new-host staging.example.com:8443`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Domain, opts.Cert, opts.FromHost = args[0], newCert, newHost
			if runF != nil {
				return runF(opts)
			}
			return runRotate(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&newCert, "new-cert", "", "the next certificate `file` (PEM, DER or PKCS#7)")
	fs.StringVar(&newHost, "new-host", "", "read the next key from the live verified chain of `host[:port]`")
	fs.StringVar(&opts.Type, "type", "", "certificate position: leaf, intermediate or root (default leaf)")
	cmdutil.AddLiveFlags(fs, &opts.Live)
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runRotate(ctx context.Context, opts *AddOptions) error {
	c, err := opts.candidate(ctx, "", opts.Cert, opts.FromHost)
	if err != nil {
		return err
	}
	return opts.edit(ctx, func(work *pins.PinSet) (stage.Edit, error) {
		return stage.Rotate(work, opts.Domain, c)
	})
}

// RetireOptions holds what `approov pin retire` needs.
type RetireOptions struct {
	StageOptions
	Live    cmdutil.LiveFlags
	Offline bool
	Domain  string
	Pin     string
}

// NewCmdRetire builds `approov pin retire`.
func NewCmdRetire(f *cmdutil.Factory, runF func(*RetireOptions) error) *cobra.Command {
	opts := &RetireOptions{}
	cmd := &cobra.Command{
		Use:   "retire <domain> <pin>",
		Short: "Stage the removal of a rotated-out pin",
		Long: `The last step of a rotation: remove the old pin of a domain. The live chain
is checked first: a pin the server still serves, and that no other pin
matches, is refused; a backup the server now serves becomes primary.`,
		Example: `  $ approov pin retire api.example.com sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=
  $ approov pin retire api.example.com OLDPIN --connect-to api.example.com=127.0.0.1:8443`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Domain, opts.Pin = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runRetire(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Offline, "offline", false, "do not check the live chain (labels stay as they are)")
	cmdutil.AddLiveFlags(cmd.Flags(), &opts.Live)
	stagingCmd(f, cmd, &opts.StageOptions)
	return cmd
}

func runRetire(ctx context.Context, opts *RetireOptions) error {
	p, _, err := pins.Parse(opts.Pin)
	if err != nil {
		return err
	}
	name, err := pins.NormalizeHostname(opts.Domain)
	if err != nil {
		return err
	}
	var obs []stage.Observation
	if !opts.Offline {
		co, err := opts.Live.CheckOptions(opts.Now)
		if err != nil {
			return err
		}
		obs = stage.Probe(ctx, []string{name}, co)[name]
	}
	return opts.edit(ctx, func(work *pins.PinSet) (stage.Edit, error) {
		return stage.Retire(work, name, p, obs)
	})
}
