package approovd

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/approov-cli/approov/internal/fault"
)

// EnvPrefix starts every flag's environment-variable twin.
const EnvPrefix = "APPROOVD_"

// EnvName is the environment twin of a flag: --tls-cert is APPROOVD_TLS_CERT.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// bindEnv sets each flag not given on the command line from its twin.
func bindEnv(c *cobra.Command, getenv func(string) string) error {
	var errs []error
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		v := getenv(EnvName(fl.Name))
		if fl.Changed || v == "" || fl.Name == "help" {
			return
		}
		if err := fl.Value.Set(v); err != nil {
			errs = append(errs, fault.New(fault.Usage, "%s: %v", EnvName(fl.Name), err))
		}
		fl.Changed = true
	})
	return errors.Join(errs...)
}

func asFault(err error, target **fault.Error) bool { return errors.As(err, target) }
