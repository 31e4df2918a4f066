package email

import (
	"net/mail"
	"strings"

	"github.com/approov-cli/approov/internal/fault"
)

// maxAddress is RFC 5321's limit on a forward path.
const maxAddress = 254

// CheckAddress accepts one bare mailbox, local@domain, printable ASCII: no
// display name, comment, angle brackets, group or second address, and no
// CR or LF, so an address can go into a header and an SMTP command as is.
func CheckAddress(addr string) error {
	if addr == "" || len(addr) > maxAddress {
		return fault.New(fault.Invalid, "email address must be 1 to %d characters", maxAddress)
	}
	for i := 0; i < len(addr); i++ {
		if c := addr[i]; c <= ' ' || c >= 0x7f {
			return fault.New(fault.Invalid, "email address must be printable ASCII without spaces")
		}
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return fault.New(fault.Invalid, "email address must be a bare mailbox like ops@example.com")
	}
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || !strings.Contains(domain, ".") && domain != "localhost" || strings.ContainsAny(domain, "[]") {
		return fault.New(fault.Invalid, "email address must be a bare mailbox like ops@example.com")
	}
	return nil
}
