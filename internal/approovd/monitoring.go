package approovd

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/monitor"
	"github.com/approov-cli/approov/internal/notify/email"
	"github.com/approov-cli/approov/internal/service"
)

// EnvSMTPPassword holds the SMTP relay's password when no file is given:
// a password is never a flag (argv is readable by every local user).
const EnvSMTPPassword = EnvPrefix + "SMTP_PASSWORD"

// maxPasswordFile bounds the password file read.
const maxPasswordFile = 4 << 10

// MonitorOptions are serve's monitoring flags (docs/approovd.md).
type MonitorOptions struct {
	Enabled      bool
	Every        time.Duration
	SMTPAddr     string
	SMTPUser     string
	SMTPPassFile string
	SMTPFrom     string
	SMTPStartTLS bool
}

func addMonitorFlags(fl *pflag.FlagSet, o *MonitorOptions) {
	fl.BoolVar(&o.Enabled, "monitoring", true, "run the monitoring loop (API domain checks and notifications)")
	fl.DurationVar(&o.Every, "monitoring-tick", monitor.DefaultEvery, "how often the monitoring loop looks for due checks")
	fl.StringVar(&o.SMTPAddr, "smtp-addr", "", "SMTP relay for email notifications (host:port, usually :587); none: no email")
	fl.StringVar(&o.SMTPUser, "smtp-user", "", "SMTP relay user name (AUTH PLAIN, only over STARTTLS)")
	fl.StringVar(&o.SMTPPassFile, "smtp-password-file", "", "file holding the SMTP password (else "+EnvSMTPPassword+")")
	fl.StringVar(&o.SMTPFrom, "smtp-from", "", "sender address of notification emails")
	fl.BoolVar(&o.SMTPStartTLS, "smtp-starttls", true, "require STARTTLS with the relay (always required with --smtp-user)")
}

// mailer is the relay the flags describe; nil without --smtp-addr.
func (o *MonitorOptions) mailer(getenv func(string) string) (service.Mailer, error) {
	if o.SMTPAddr == "" {
		return nil, nil
	}
	if err := email.CheckAddress(o.SMTPFrom); err != nil {
		return nil, fault.New(fault.Usage, "--smtp-from: give the sender's address (%v)", err)
	}
	pw, err := o.password(getenv)
	if err != nil {
		return nil, err
	}
	return email.Relay{Addr: o.SMTPAddr, Username: o.SMTPUser, Password: pw, From: o.SMTPFrom, StartTLS: o.SMTPStartTLS}, nil
}

func (o *MonitorOptions) password(getenv func(string) string) (string, error) {
	if o.SMTPPassFile == "" {
		return getenv(EnvSMTPPassword), nil
	}
	f, err := os.Open(o.SMTPPassFile)
	if err != nil {
		return "", fault.New(fault.Usage, "--smtp-password-file: %v", err)
	}
	defer f.Close()
	buf := make([]byte, maxPasswordFile+1)
	n, _ := f.Read(buf)
	if n > maxPasswordFile {
		return "", fault.New(fault.Usage, "--smtp-password-file: longer than %d bytes", maxPasswordFile)
	}
	return strings.TrimRight(string(buf[:n]), "\r\n"), nil
}

// startMonitor runs the loop until ctx ends, when enabled.
func startMonitor(ctx context.Context, o *MonitorOptions, loop *monitor.Loop) {
	if o.Enabled {
		go loop.Run(ctx)
	}
}
