package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/fault"
)

const (
	maxSubject = 200      // runes; a subject is a one-line summary
	maxBody    = 10 << 20 // a list of every failing domain fits with room to spare
)

// message checks the parts and builds the RFC 5322 message: CRLF line ends,
// an RFC 2047 subject, a quoted-printable UTF-8 body (long lines and any
// byte survive 7-bit relays).
func (r Relay) message(to []string, subject, body string, now time.Time) ([]byte, error) {
	if err := r.check(to, subject, body); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header(&b, "From", r.From)
	header(&b, "To", strings.Join(to, ", "))
	header(&b, "Subject", mime.QEncoding.Encode("utf-8", subject))
	header(&b, "Date", now.Format(time.RFC1123Z))
	header(&b, "Message-ID", messageID(r.From))
	header(&b, "MIME-Version", "1.0")
	header(&b, "Content-Type", "text/plain; charset=utf-8")
	header(&b, "Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(body, "\r\n", "\n")))
	qp.Close()
	return b.Bytes(), nil
}

// check refuses whatever could break out of a header or the envelope.
func (r Relay) check(to []string, subject, body string) error {
	if err := CheckAddress(r.From); err != nil {
		return fault.New(fault.Invalid, "sender: %v", err)
	}
	if len(to) == 0 || len(to) > maxRecipients {
		return fault.New(fault.Invalid, "an email needs 1 to %d recipients", maxRecipients)
	}
	for _, a := range to {
		if err := CheckAddress(a); err != nil {
			return err
		}
	}
	if strings.IndexFunc(subject, unicode.IsControl) >= 0 || !utf8.ValidString(subject) || utf8.RuneCountInString(subject) > maxSubject {
		return fault.New(fault.Invalid, "email subject must be one line of valid UTF-8 without control characters, at most %d characters", maxSubject)
	}
	if !utf8.ValidString(body) || len(body) > maxBody {
		return fault.New(fault.Invalid, "email body must be valid UTF-8, at most %d bytes", maxBody)
	}
	return nil
}

func header(b *bytes.Buffer, name, value string) {
	fmt.Fprintf(b, "%s: %s\r\n", name, value)
}

// messageID is random at the sender's domain (RFC 5322 §3.6.4).
func messageID(from string) string {
	_, domain, _ := strings.Cut(from, "@")
	var n [12]byte
	rand.Read(n[:])
	return "<" + hex.EncodeToString(n[:]) + "@" + domain + ">"
}
