package apk

import (
	"encoding/binary"
	"errors"
)

const maxItems = 1024 // signers, certificates, digests, attributes per list

var errTrunc = errors.New("length-prefixed field out of range")

// reader walks little-endian length-prefixed structures without ever
// reading past its slice.
type reader struct{ b []byte }

func (r *reader) u32() (uint32, error) {
	if len(r.b) < 4 {
		return 0, errTrunc
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

func (r *reader) lp() ([]byte, error) {
	n, err := r.u32()
	if err != nil || uint64(n) > uint64(len(r.b)) {
		return nil, errTrunc
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v, nil
}

// seq splits a length-prefixed sequence of length-prefixed items.
func seq(b []byte) ([][]byte, error) {
	r := &reader{b}
	var out [][]byte
	for len(r.b) > 0 {
		if len(out) == maxItems {
			return nil, errors.New("too many items in a list")
		}
		item, err := r.lp()
		if err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

func parseSigners(val []byte, v3 bool) ([]BlockSigner, error) {
	r := &reader{val}
	list, err := r.lp()
	if err != nil {
		return nil, err
	}
	items, err := seq(list)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errors.New("no signers")
	}
	out := make([]BlockSigner, 0, len(items))
	for _, it := range items {
		s, err := parseSigner(it, v3)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func parseSigner(b []byte, v3 bool) (BlockSigner, error) {
	var s BlockSigner
	r := &reader{b}
	signed, err := r.lp()
	if err != nil {
		return s, err
	}
	if v3 {
		if s.MinSDK, err = r.u32(); err != nil {
			return s, err
		}
		if s.MaxSDK, err = r.u32(); err != nil {
			return s, err
		}
	}
	sigs, err := r.lp()
	if err != nil {
		return s, err
	}
	if s.PublicKey, err = r.lp(); err != nil {
		return s, err
	}
	if s.SigAlgs, err = parseSigAlgs(sigs); err != nil {
		return s, err
	}
	return s, parseSignedData(signed, v3, &s)
}

func parseSigAlgs(b []byte) ([]uint32, error) {
	items, err := seq(b)
	if err != nil {
		return nil, err
	}
	var algs []uint32
	for _, it := range items {
		r := &reader{it}
		alg, err := r.u32()
		if err != nil {
			return nil, err
		}
		if _, err := r.lp(); err != nil {
			return nil, err
		}
		algs = append(algs, alg)
	}
	return algs, nil
}

// parseSignedData reads digests, certificates, [v3: SDK bounds] and
// additional attributes; v3 bounds must equal the unsigned copies.
func parseSignedData(b []byte, v3 bool, s *BlockSigner) error {
	r := &reader{b}
	digs, err := r.lp()
	if err != nil {
		return err
	}
	certs, err := r.lp()
	if err != nil {
		return err
	}
	if s.Digests, err = parseDigests(digs); err != nil {
		return err
	}
	if s.Certs, err = seq(certs); err != nil {
		return err
	}
	if len(s.Certs) == 0 {
		return errors.New("signer has no certificate")
	}
	if v3 {
		minSDK, err1 := r.u32()
		maxSDK, err2 := r.u32()
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		if minSDK != s.MinSDK || maxSDK != s.MaxSDK {
			return errors.New("signed and unsigned SDK bounds differ")
		}
	}
	attrs, err := r.lp()
	if err != nil {
		return err
	}
	return parseAttrs(attrs, s)
}

func parseDigests(b []byte) ([]Digest, error) {
	items, err := seq(b)
	if err != nil {
		return nil, err
	}
	out := make([]Digest, 0, len(items))
	for _, it := range items {
		r := &reader{it}
		alg, err := r.u32()
		if err != nil {
			return nil, err
		}
		v, err := r.lp()
		if err != nil {
			return nil, err
		}
		out = append(out, Digest{SigAlg: alg, Value: v})
	}
	return out, nil
}

func parseAttrs(b []byte, s *BlockSigner) error {
	items, err := seq(b)
	if err != nil {
		return err
	}
	for _, it := range items {
		r := &reader{it}
		id, err := r.u32()
		if err != nil {
			return err
		}
		if id == attrRotation {
			if s.Lineage, err = parseLineage(r.b); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseLineage decodes a proof-of-rotation struct: uint32 version, then
// nodes {LP signed data {LP cert, uint32 alg}, uint32 flags, uint32 alg, LP signature}.
// The signatures between nodes are verified by apkverifier; here we keep the
// certificates and flags.
func parseLineage(b []byte) ([]LineageCert, error) {
	r := &reader{b}
	if v, err := r.u32(); err != nil || v != 1 {
		return nil, errors.New("unsupported proof-of-rotation version")
	}
	nodes, err := seq(r.b)
	if err != nil {
		return nil, err
	}
	var out []LineageCert
	for _, n := range nodes {
		nr := &reader{n}
		signed, err := nr.lp()
		if err != nil {
			return nil, err
		}
		sr := &reader{signed}
		cert, err := sr.lp()
		if err != nil {
			return nil, err
		}
		flags, err := nr.u32()
		if err != nil {
			return nil, err
		}
		out = append(out, LineageCert{Cert: cert, Flags: flags})
	}
	return out, nil
}
