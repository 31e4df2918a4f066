// Package cms parses CMS/PKCS#7 SignedData from untrusted input. Every caller
// in the project (APK/AAB JAR signature blocks, iOS code signatures and
// provisioning profiles, PKCS#7 certificate bundles) goes through Parse, which
// puts a linear-time structure check and a panic guard in front of
// github.com/smallstep/pkcs7.
package cms

import (
	"fmt"
	"strings"

	"github.com/smallstep/pkcs7"
)

// MaxSize bounds the encoded input; real signatures and profiles are a few KiB
// to a few hundred KiB.
const MaxSize = 4 << 20

// Parse checks der with CheckBER, then parses it. A panic inside the parser
// on crafted input becomes an error. Errors are one line, unclassified: the
// caller knows what the bytes were and classifies the error.
func Parse(der []byte) (p7 *pkcs7.PKCS7, err error) {
	if len(der) > MaxSize {
		return nil, fmt.Errorf("CMS structure of %d bytes exceeds the %d-byte limit", len(der), MaxSize)
	}
	if err := CheckBER(der); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, errBER
		}
	}()
	p7, err = pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("%s", oneLine(err))
	}
	return p7, nil
}

// oneLine keeps parser messages short and on one line.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
