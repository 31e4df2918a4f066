package codesign

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"github.com/approov-cli/approov/internal/cms"

	"github.com/smallstep/pkcs7"
	"howett.net/plist"
)

// oidCDHashes is Apple's signed attribute carrying an XML plist
// {cdhashes: [20-byte cdhash of each CodeDirectory, in slot order]}.
var oidCDHashes = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 9, 1}

// maxCDHashesPlist bounds the attribute's plist before it is decoded.
const maxCDHashesPlist = 64 << 10

// Signer is the verified CMS signer of a signature.
type Signer struct {
	Leaf         *x509.Certificate   // the certificate whose key signed the CodeDirectory
	Certificates []*x509.Certificate // every certificate in the CMS, leaf included
}

// VerifyCMS checks the signature's CMS blob (slot 0x10000) over the exact
// bytes of the slot-0 CodeDirectory, and, when Apple's cdhashes attribute is
// present, that it lists every CodeDirectory. It does not validate the
// certificate chain: Apple's roots are not available (see the package docs
// of ipa). An ad-hoc signature (CD flag 0x2, no or an empty CMS blob) yields
// a nil Signer and no error; a mismatch between the flag and the blob is an
// error.
func (s *Signature) VerifyCMS() (*Signer, error) {
	adhoc := s.CodeDirectories[0].Flags&FlagAdhoc != 0
	der := s.CMS()
	switch {
	case adhoc && der == nil:
		return nil, nil
	case adhoc:
		return nil, invalid("signature is flagged ad-hoc but carries a CMS signature")
	case der == nil:
		return nil, invalid("signature is neither ad-hoc nor CMS-signed")
	}
	p7, err := parseCMS(der)
	if err != nil {
		return nil, err
	}
	p7.Content = s.CodeDirectories[0].Raw
	if len(p7.Signers) != 1 {
		return nil, invalid("CMS signature has %d signers, want 1", len(p7.Signers))
	}
	if err := p7.Verify(); err != nil {
		return nil, invalid("CMS signature does not verify over the CodeDirectory: %s", OneLine(err))
	}
	leaf := p7.GetOnlySigner()
	if leaf == nil {
		return nil, invalid("CMS signature carries no certificate for its signer")
	}
	if err := s.checkCDHashesAttr(p7); err != nil {
		return nil, err
	}
	return &Signer{Leaf: leaf, Certificates: p7.Certificates}, nil
}

// OneLine renders a library error on one line: pkcs7's digest mismatch
// spans three.
func OneLine(err error) string {
	var mismatch *pkcs7.MessageDigestMismatchError
	if errors.As(err, &mismatch) {
		return fmt.Sprintf("message digest %x, computed %x", mismatch.ExpectedDigest, mismatch.ActualDigest)
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// parseCMS parses the CMS blob through the project's guarded parser.
func parseCMS(der []byte) (*pkcs7.PKCS7, error) {
	p7, err := cms.Parse(der)
	if err != nil {
		return nil, invalid("malformed CMS signature: %v", err)
	}
	return p7, nil
}

func (s *Signature) checkCDHashesAttr(p7 *pkcs7.PKCS7) error {
	var raw []byte
	if err := p7.UnmarshalSignedAttribute(oidCDHashes, &raw); err != nil {
		return nil // optional: quill and older signers do not add it
	}
	if len(raw) > maxCDHashesPlist {
		return invalid("CMS cdhashes attribute is too large")
	}
	var attr struct {
		CDHashes [][]byte `plist:"cdhashes"`
	}
	if _, err := plist.Unmarshal(raw, &attr); err != nil {
		return invalid("CMS cdhashes attribute is not a plist of hashes")
	}
	if len(attr.CDHashes) != len(s.CodeDirectories) {
		return invalid("CMS cdhashes attribute lists %d hashes for %d CodeDirectories", len(attr.CDHashes), len(s.CodeDirectories))
	}
	for i, cd := range s.CodeDirectories {
		if !bytes.Equal(attr.CDHashes[i], cd.CDHash()) {
			return invalid("CMS cdhashes attribute does not match the %s CodeDirectory", cd.HashName())
		}
	}
	return nil
}
