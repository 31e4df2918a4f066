package signcert

import (
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Bounds of the iteration-count walk: a real keystore has a few hundred
// elements, nested about ten deep.
const (
	maxWalkDepth    = 32
	maxWalkElements = 1 << 16
)

// checkIterations bounds the work go-pkcs12 will do, which has no limit of
// its own: every PKCS#12 iteration count (MacData, legacy PBE parameters,
// PBKDF2 parameters of PBES2 and PBMAC1) is an INTEGER that follows the salt
// OCTET STRING in its SEQUENCE. The walk visits constructed elements and
// OCTET STRINGs that hold DER (the unencrypted safes); a count inside an
// encrypted safe is reached only after the MAC checked with the caller's
// password. A malformed tree stops the walk silently: the decoder reports it.
func checkIterations(der []byte) error {
	counts, err := iterationCounts(der)
	if err != nil {
		return err
	}
	for _, n := range counts {
		if n > MaxIterations {
			return invalidf("the keystore asks for more than %d key-derivation iterations: refused", MaxIterations)
		}
	}
	return nil
}

// iterationCounts returns the iteration counts the walk finds, in order.
func iterationCounts(der []byte) ([]uint64, error) {
	w := walker{budget: maxWalkElements}
	err := w.walk(cryptobyte.String(der), 0)
	return w.counts, err
}

type walker struct {
	budget int
	counts []uint64 // at most one per element: bounded by the budget
}

func (w *walker) walk(s cryptobyte.String, depth int) error {
	if depth > maxWalkDepth {
		return invalidf("PKCS#12 structure nested more than %d deep", maxWalkDepth)
	}
	afterSalt := false
	for !s.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1(&el, &tag) {
			return nil
		}
		if w.budget--; w.budget < 0 {
			return invalidf("PKCS#12 structure has more than %d elements", maxWalkElements)
		}
		if err := w.visit(el, tag, depth, afterSalt); err != nil {
			return err
		}
		afterSalt = tag == cbasn1.OCTET_STRING
	}
	return nil
}

func (w *walker) visit(el cryptobyte.String, tag cbasn1.Tag, depth int, afterSalt bool) error {
	switch {
	case tag == cbasn1.INTEGER && afterSalt:
		if n, ok := count(el); ok {
			w.counts = append(w.counts, n)
		}
	case tag&0x20 != 0, tag == cbasn1.OCTET_STRING: // constructed, or possibly DER inside
		return w.walk(el, depth+1)
	}
	return nil
}

// count decodes a non-negative INTEGER, saturating above 64 bits. Negative
// counts cost nothing and are left to the decoder.
func count(b []byte) (uint64, bool) {
	if len(b) == 0 || b[0]&0x80 != 0 {
		return 0, false
	}
	var v uint64
	for i, c := range b {
		if i >= 8 && (i > 8 || b[0] != 0) {
			return ^uint64(0), true
		}
		v = v<<8 | uint64(c)
	}
	return v, true
}
