package pins

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

// Probe errors are one line, name the address, and say what happened in
// words rather than as a chain of wrapped Go errors.

func dialError(ctx context.Context, addr netip.AddrPort, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		return networkf("%s: gave up: the overall deadline was reached", addr)
	case isTimeout(err):
		return networkf("%s: no TCP connection within %s", addr, timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return networkf("%s: connection refused", addr)
	}
	return networkf("%s: cannot connect: %s", addr, netErrText(err))
}

func handshakeError(ctx, hctx context.Context, addr netip.AddrPort, timeout time.Duration, err error) error {
	var fe *fault.Error
	var rec tls.RecordHeaderError
	msg := err.Error()
	switch {
	case errors.As(err, &fe):
		return fault.New(fe.Kind, "%s: %w", addr, err)
	case ctx.Err() != nil:
		return networkf("%s: gave up during the TLS handshake: the overall deadline was reached", addr)
	case hctx.Err() != nil:
		return networkf("%s: no TLS handshake within %s (the server accepted the connection but did not complete the handshake)", addr, timeout)
	case errors.Is(err, syscall.ECONNRESET):
		return networkf("%s: connection reset by the server during the TLS handshake", addr)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return networkf("%s: the server closed the connection during the TLS handshake", addr)
	case strings.Contains(msg, "unsupported protocol version") || strings.Contains(msg, "protocol version not supported"):
		return networkf("%s: the server offers only TLS versions older than 1.2, which are refused as insecure", addr)
	case strings.Contains(msg, "RSA key larger than"):
		return networkf("%s: the server's certificate has an RSA key over 8192 bits, which is refused", addr)
	case errors.As(err, &rec):
		return networkf("%s: the server does not speak TLS", addr)
	case remoteAlert(err) != "":
		return networkf("%s: the server aborted the TLS handshake (alert: %s)", addr, remoteAlert(err))
	}
	return networkf("%s: TLS handshake failed: %s", addr, truncate(strings.TrimPrefix(msg, "tls: "), 160))
}

// remoteAlert returns the alert the server sent, if that is what err is.
func remoteAlert(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" && op.Err != nil {
		return truncate(strings.TrimPrefix(op.Err.Error(), "tls: "), 60)
	}
	return ""
}

func verifyError(err error, leaf *x509.Certificate, name string) error {
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	switch {
	case errors.As(err, &host):
		return networkf("%w: the certificate is for %s, not %s", ErrNotVerified, namesOf(leaf), truncate(name, 80))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		c := invalid.Cert
		return networkf("%w: %s (%q valid %s to %s)", ErrNotVerified, expiryWord(c), truncate(Describe(c), 80),
			c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly))
	case errors.As(err, &unknown):
		return networkf("%w: signed by an unknown authority (issuer %q)", ErrNotVerified, truncate(leaf.Issuer.String(), 100))
	}
	return networkf("%w: %s", ErrNotVerified, truncate(strings.TrimPrefix(err.Error(), "x509: "), 160))
}

func expiryWord(c *x509.Certificate) string {
	if time.Now().Before(c.NotBefore) {
		return "a certificate in the chain is not yet valid"
	}
	return "a certificate in the chain has expired"
}

func namesOf(c *x509.Certificate) string {
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no host name (no subjectAltName)"
	}
	more := ""
	if len(names) > 3 {
		more = fmt.Sprintf(" and %d more", len(names)-3)
		names = names[:3]
	}
	return truncate(strings.Join(names, ", "), 200) + more
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// netErrText drops Go's "dial tcp …:" prefixes from a network error.
func netErrText(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		err = op.Err
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return "no such host"
		}
		return truncate(dns.Err, 120)
	}
	return truncate(err.Error(), 160)
}
