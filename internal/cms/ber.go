package cms

import "errors"

// Limits of CheckBER. Real CMS signatures nest about a dozen levels deep.
const (
	MaxBERDepth    = 32
	maxBERElements = 1 << 16
)

var errBER = errors.New("malformed BER encoding")

// CheckBER walks a BER/DER encoding in linear time and rejects it unless it
// is exactly one well-formed element (trailing zero padding allowed) nested
// at most MaxBERDepth deep with at most 65536 elements. smallstep/pkcs7
// converts BER to DER by re-encoding every level, which costs minutes and
// gigabytes on a few kilobytes of crafted deep nesting; callers run this
// check before pkcs7.Parse. Apple's signatures use indefinite lengths, so
// BER must be accepted, not just DER.
func CheckBER(b []byte) error {
	w := berWalker{}
	rest, err := w.element(b, 0)
	if err != nil {
		return err
	}
	for _, c := range rest {
		if c != 0 {
			return errors.New("data after the BER encoding")
		}
	}
	return nil
}

type berWalker struct{ elements int }

// element consumes one element from b and returns what follows it.
func (w *berWalker) element(b []byte, depth int) ([]byte, error) {
	if w.elements++; w.elements > maxBERElements {
		return nil, errors.New("BER encoding has too many elements")
	}
	constructed, b, err := berTag(b)
	if err != nil {
		return nil, err
	}
	length, indefinite, b, err := berLength(b)
	if err != nil {
		return nil, err
	}
	if !constructed {
		if indefinite {
			return nil, errBER
		}
		return b[length:], nil
	}
	if depth+1 > MaxBERDepth {
		return nil, errors.New("BER encoding nested too deeply")
	}
	if indefinite {
		return w.untilEOC(b, depth+1)
	}
	for content := b[:length]; len(content) > 0; {
		if content, err = w.element(content, depth+1); err != nil {
			return nil, err
		}
	}
	return b[length:], nil
}

// untilEOC consumes children up to and including the end-of-contents marker.
func (w *berWalker) untilEOC(b []byte, depth int) ([]byte, error) {
	for {
		if len(b) >= 2 && b[0] == 0 && b[1] == 0 {
			return b[2:], nil
		}
		var err error
		if b, err = w.element(b, depth); err != nil {
			return nil, err
		}
	}
}

// berTag consumes an identifier octet (and any high-tag-number octets).
func berTag(b []byte) (constructed bool, rest []byte, err error) {
	if len(b) == 0 {
		return false, nil, errBER
	}
	constructed = b[0]&0x20 != 0
	if b[0]&0x1f != 0x1f {
		return constructed, b[1:], nil
	}
	for i := 1; i < len(b) && i <= 5; i++ {
		if b[i]&0x80 == 0 {
			return constructed, b[i+1:], nil
		}
	}
	return false, nil, errBER
}

// berLength consumes a length octet sequence; the length must fit in b.
func berLength(b []byte) (length int, indefinite bool, rest []byte, err error) {
	if len(b) == 0 {
		return 0, false, nil, errBER
	}
	l, b := int(b[0]), b[1:]
	switch {
	case l < 0x80:
		length = l
	case l == 0x80:
		return 0, true, b, nil
	case l-0x80 > 4 || l-0x80 > len(b):
		return 0, false, nil, errBER
	default:
		n := l - 0x80
		for _, c := range b[:n] {
			length = length<<8 | int(c)
		}
		b = b[n:]
	}
	if length > len(b) {
		return 0, false, nil, errBER
	}
	return length, false, b, nil
}
