package pin_test

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/cli/pin"
	"github.com/approov-cli/approov/internal/cmdutil"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

func TestStagingFlags(t *testing.T) {
	f, _ := clitest.Factory(clitest.Config{})
	var push *pin.PushOptions
	var add *pin.AddOptions
	cases := []struct {
		cmd   *cobra.Command
		args  []string
		check func() bool
	}{
		{pin.NewCmdPush(f, func(o *pin.PushOptions) error { push = o; return nil }),
			[]string{"--reason", "r", "--force", "--yes", "--connect-to", "a.test=127.0.0.1:1", "--file", "p.json"},
			func() bool {
				return push.Reason == "r" && push.Force && push.Yes && push.Live.ConnectTo[0] == "a.test=127.0.0.1:1" && push.File == "p.json"
			}},
		{pin.NewCmdAdd(f, func(o *pin.AddOptions) error { add = o; return nil }),
			[]string{"api.test", "--from-host", "h.test:8443", "--backup", "--type", "root", "--ca-file", "ca.pem"},
			func() bool {
				return add.Domain == "api.test" && add.FromHost == "h.test:8443" && add.Backup && add.Type == "root" && add.Live.Net.CAFile == "ca.pem"
			}},
		{pin.NewCmdRotate(f, func(o *pin.AddOptions) error { add = o; return nil }),
			[]string{"api.test", "--new-cert", "next.pem"},
			func() bool { return add.Domain == "api.test" && add.Cert == "next.pem" && add.FromHost == "" }},
	}
	for _, tc := range cases {
		if err := clitest.Execute(tc.cmd, tc.args...); err != nil || !tc.check() {
			t.Errorf("%s %v: err %v, options not as given", tc.cmd.Name(), tc.args, err)
		}
	}
}

// Usage mistakes are refused before anything is read or sent (exit 2).
func TestStagingUsageErrors(t *testing.T) {
	f, _ := clitest.Factory(clitest.Config{})
	f.Live = &pins.CheckOptions{}
	f.Sessions = nil
	for name, tc := range map[string]struct {
		cmd  func(*cmdutil.Factory) *cobra.Command
		args []string
	}{
		"force without reason": {func(f *cmdutil.Factory) *cobra.Command { return pin.NewCmdPush(f, nil) }, []string{"--force", "--yes"}},
		"show without version": {func(f *cmdutil.Factory) *cobra.Command { return pin.NewCmdShow(f, nil) }, nil},
		"revert of version 0":  {func(f *cmdutil.Factory) *cobra.Command { return pin.NewCmdRevert(f, nil) }, []string{"0"}},
		"add with two sources": {func(f *cmdutil.Factory) *cobra.Command { return pin.NewCmdAdd(f, nil) }, []string{"a.test", testPinText, "--cert", "x.pem"}},
		"add with no source":   {func(f *cmdutil.Factory) *cobra.Command { return pin.NewCmdAdd(f, nil) }, []string{"a.test"}},
		"bad connect-to":       {func(f *cmdutil.Factory) *cobra.Command { return pin.NewCmdDiff(f, nil) }, []string{"--connect-to", "nohost"}},
	} {
		t.Run(name, func(t *testing.T) {
			err := clitest.Execute(tc.cmd(f), tc.args...)
			if fault.KindOf(err) != fault.Usage {
				t.Fatalf("err = %v (kind %s), want a usage error", err, fault.KindOf(err))
			}
		})
	}
}

const testPinText = "YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg="
