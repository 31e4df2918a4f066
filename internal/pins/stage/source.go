package stage

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/pins"
)

// Candidate is a pin proposed for a domain, with what it was read from: a
// pin string (Cert nil), a certificate file or a live endpoint.
type Candidate struct {
	Pin      pins.Pin
	Type     pins.Position
	Comment  string         // a default comment: whose key, until when
	Cert     *pins.CertInfo // the certificate that carries the key, when known
	Warnings []string       // from parsing the pin string
}

// entry is the pin-set entry of the candidate under label.
func (c Candidate) entry(label pins.Label) pins.PinEntry {
	return pins.PinEntry{SHA256: c.Pin, Label: label, Type: c.Type, Comment: c.Comment}
}

// FromPin reads a pin string (any spelling pins.Parse accepts) declared to
// be the key of a certificate at position typ (leaf when empty).
func FromPin(s string, typ pins.Position) (Candidate, error) {
	typ, err := position(typ)
	if err != nil {
		return Candidate{}, err
	}
	p, warns, err := pins.Parse(s)
	if err != nil {
		return Candidate{}, err
	}
	return Candidate{Pin: p, Type: typ, Warnings: warns}, nil
}

func position(p pins.Position) (pins.Position, error) {
	switch p {
	case "":
		return pins.Leaf, nil
	case pins.Leaf, pins.Intermediate, pins.Root:
		return p, nil
	}
	return "", fault.New(fault.Usage, "pin type %q is not leaf, intermediate or root", clip(string(p), 40))
}

// FromCertificates picks the certificate at position pos (leaf when empty)
// among certificates read from a file (pins.ReadCertificates), whose
// positions are guessed as pins.FileInfo does. Exactly one must be there.
func FromCertificates(certs []*x509.Certificate, pos pins.Position) (Candidate, error) {
	pos, err := position(pos)
	if err != nil {
		return Candidate{}, err
	}
	var found []pins.CertInfo
	infos := pins.FileInfo(certs)
	for _, info := range infos {
		if info.Position == pos {
			found = append(found, info)
		}
	}
	if len(found) != 1 {
		return Candidate{}, fault.New(fault.Invalid, "the file holds %d %s certificate(s) (it holds: %s); want exactly one", len(found), pos, describeInfos(infos))
	}
	return fromInfo(found[0]), nil
}

func describeInfos(infos []pins.CertInfo) string {
	s := make([]string, len(infos))
	for i, info := range infos {
		s[i] = fmt.Sprintf("%s %q", info.Position, info.Name)
	}
	return strings.Join(s, ", ")
}

func fromInfo(info pins.CertInfo) Candidate {
	comment := fmt.Sprintf("%s, %s, until %s", info.Name, info.Key, info.NotAfter.Format("2006-01-02"))
	return Candidate{Pin: info.Pin, Type: info.Position, Comment: clip(comment, pins.MaxCommentLength), Cert: &info}
}

// FromEndpoints picks the key at position pos (leaf when empty) of the
// verified chain every address of a live endpoint served (pins.Fetch): the
// first certificate there (for intermediate: the one nearest the leaf).
// Every address must be verified and serve the same key at pos.
func FromEndpoints(eps []pins.Endpoint, pos pins.Position) (Candidate, error) {
	pos, err := position(pos)
	if err != nil {
		return Candidate{}, err
	}
	if len(eps) == 0 {
		return Candidate{}, fault.New(fault.Network, "no address was probed")
	}
	var first *Candidate
	for _, ep := range eps {
		c, err := fromEndpoint(ep, pos)
		if err != nil {
			return Candidate{}, err
		}
		if first != nil && first.Pin != c.Pin {
			return Candidate{}, fault.New(fault.Invalid, "the addresses of %s serve different %s keys (%s at %s, %s at %s): pin each or fix the servers",
				ep.Target, pos, first.Pin, eps[0].Address, c.Pin, ep.Address)
		}
		first = &c
	}
	return *first, nil
}

func fromEndpoint(ep pins.Endpoint, pos pins.Position) (Candidate, error) {
	switch {
	case ep.Err != nil:
		return Candidate{}, ep.Err
	case !ep.Verified:
		return Candidate{}, fault.New(fault.Invalid, "%s: the chain was not verified; a pin taken from it may come from a man in the middle", ep.Address)
	}
	for _, info := range ep.Chain {
		if info.Position == pos {
			return fromInfo(info), nil
		}
	}
	return Candidate{}, fault.New(fault.Invalid, "%s: the verified chain has no %s certificate", ep.Address, pos)
}

// FromHost probes target live (pins.Fetch with opts) and picks the key at
// pos with FromEndpoints. The endpoints are returned too, for the caller to
// show or to keep as observations.
func FromHost(ctx context.Context, target pins.Target, opts pins.FetchOptions, pos pins.Position) (Candidate, []pins.Endpoint, error) {
	if _, err := position(pos); err != nil {
		return Candidate{}, nil, err
	}
	eps, err := pins.Fetch(ctx, target, opts)
	if err != nil {
		return Candidate{}, eps, err
	}
	c, err := FromEndpoints(eps, pos)
	return c, eps, err
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
