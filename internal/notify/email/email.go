// Package email sends monitoring notifications as plain-text mail through
// the SMTP relay an operator configures: STARTTLS before credentials, AUTH
// PLAIN, and headers built only from checked addresses and a subject
// without line breaks, so nothing a domain or certificate carries can add
// a header. The protocol is net/smtp's (dot-stuffing included).
package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/smtp"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

// Relay is an SMTP submission server and how to use it.
type Relay struct {
	Addr     string // host:port, usually port 587
	Username string // "": no AUTH
	Password string
	From     string // the envelope and header sender, a bare mailbox
	// StartTLS requires STARTTLS; it is also required whenever Username is
	// set, and used whenever the relay offers it.
	StartTLS bool
	RootCAs  *x509.CertPool // nil: the system roots
	Timeout  time.Duration  // the whole exchange; 0: 30s
	Hello    string         // the EHLO name; "": localhost
}

const maxRecipients = 100

// Send mails subject and body to every address in to, in one message.
// Errors are fault kinds: Invalid for bad input, Network for the relay.
func (r Relay) Send(ctx context.Context, to []string, subject, body string) error {
	msg, err := r.message(to, subject, body, time.Now())
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(r.Addr)
	if err != nil || host == "" {
		return fault.New(fault.Invalid, "SMTP relay address %q must be host:port", r.Addr)
	}
	if r.Username != "" && r.Password == "" {
		return fault.New(fault.Invalid, "SMTP relay username set without a password")
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	c, err := r.dial(ctx, host)
	if err != nil {
		return err
	}
	defer c.Close()
	return relayError(r.deliver(c, to, msg))
}

// dial connects, greets and secures the session; ctx ends it wherever it is.
func (r Relay) dial(ctx context.Context, host string) (*smtp.Client, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return nil, fault.New(fault.Network, "SMTP relay: %v", err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	c, err := smtp.NewClient(conn, host)
	if err == nil {
		err = r.secure(c, host)
	}
	if err != nil {
		stop()
		conn.Close()
		return nil, relayError(err)
	}
	return c, nil
}

// secure says hello, upgrades to TLS when offered (or fails when TLS is
// required and not offered) and authenticates over TLS only.
func (r Relay) secure(c *smtp.Client, host string) error {
	if err := c.Hello(r.hello()); err != nil {
		return err
	}
	offered, _ := c.Extension("STARTTLS")
	switch {
	case offered:
		cfg := &tls.Config{ServerName: host, RootCAs: r.RootCAs, MinVersion: tls.VersionTLS12}
		if err := c.StartTLS(cfg); err != nil {
			return fault.New(fault.Network, "SMTP relay %s: STARTTLS: %v", r.Addr, err)
		}
	case r.StartTLS || r.Username != "":
		return fault.New(fault.Network, "SMTP relay %s does not offer STARTTLS: refusing to send credentials or mail in the clear", r.Addr)
	}
	if r.Username == "" {
		return nil
	}
	if _, ok := c.TLSConnectionState(); !ok {
		return fault.New(fault.Network, "SMTP relay %s: no TLS, credentials not sent", r.Addr)
	}
	return c.Auth(smtp.PlainAuth("", r.Username, r.Password, host))
}

// deliver runs the envelope and the data, then quits.
func (r Relay) deliver(c *smtp.Client, to []string, msg []byte) error {
	if err := c.Mail(r.From); err != nil {
		return err
	}
	for _, addr := range to {
		if err := c.Rcpt(addr); err != nil {
			return fault.New(fault.Network, "SMTP relay refused recipient %s: %v", addr, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// relayError classifies what the relay or the connection said as Network,
// keeping an error that already has a kind.
func relayError(err error) error {
	var f *fault.Error
	if err == nil || errors.As(err, &f) {
		return err
	}
	return fault.New(fault.Network, "SMTP relay: %v", err)
}

func (r Relay) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return 30 * time.Second
}

func (r Relay) hello() string {
	if r.Hello != "" {
		return r.Hello
	}
	return "localhost"
}
