// Command resign replaces the code signature of a thin 64-bit Mach-O with one
// that quill cannot make: Info.plist and CodeResources bound in special slots
// −1/−3, a team ID in the CodeDirectory, XML entitlements, and optionally a
// SHA-1 CodeDirectory at slot 0 with a SHA-256 alternate at 0x1000 (the
// layout Apple uses for old deployment targets), CMS-signed with a given key
// via smallstep/pkcs7 including Apple's cdhashes attribute. Test-fixture tool
// only: the format follows xnu's cs_blobs.h.
//
//	go run ./resign -in exe -out exe -id com.example.fixture -team TEAMID1234 \
//	    -info Info.plist -resources CodeResources -entitlements ent.plist \
//	    -cert dev.crt -key dev.key [-sha1]
package main

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"flag"
	"hash"
	"log"
	"os"

	"github.com/smallstep/pkcs7"
)

var be = binary.BigEndian

const (
	pageShift = 12
	reserve   = 16 << 10 // room for the CMS blob
)

type opts struct {
	id, team              string
	info, resources, ents []byte
	cert                  *x509.Certificate
	key                   crypto.PrivateKey
	sha1                  bool
}

func main() {
	in := flag.String("in", "", "input Mach-O (thin, 64-bit, with LC_CODE_SIGNATURE)")
	out := flag.String("out", "", "output file")
	var o opts
	flag.StringVar(&o.id, "id", "", "identifier")
	flag.StringVar(&o.team, "team", "", "team ID")
	info := flag.String("info", "", "Info.plist to bind in slot -1")
	res := flag.String("resources", "", "CodeResources to bind in slot -3")
	ents := flag.String("entitlements", "", "XML entitlements for slot -5")
	certPath := flag.String("cert", "", "PEM certificate (omit for ad-hoc)")
	keyPath := flag.String("key", "", "PEM PKCS#8/PKCS#1 key")
	flag.BoolVar(&o.sha1, "sha1", false, "SHA-1 CodeDirectory at slot 0 plus SHA-256 alternate")
	flag.Parse()
	exe := must(os.ReadFile(*in))
	o.info, o.resources, o.ents = readOpt(*info), readOpt(*res), readOpt(*ents)
	if *certPath != "" {
		o.cert, o.key = loadIdentity(*certPath, *keyPath)
	}
	if err := os.WriteFile(*out, sign(exe, o), 0o755); err != nil {
		log.Fatal(err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

func readOpt(p string) []byte {
	if p == "" {
		return nil
	}
	return must(os.ReadFile(p))
}

func loadIdentity(certPath, keyPath string) (*x509.Certificate, crypto.PrivateKey) {
	cb, _ := pem.Decode(must(os.ReadFile(certPath)))
	kb, _ := pem.Decode(must(os.ReadFile(keyPath)))
	if cb == nil || kb == nil {
		log.Fatal("bad PEM")
	}
	cert := must(x509.ParseCertificate(cb.Bytes))
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		key = must(x509.ParsePKCS1PrivateKey(kb.Bytes))
	}
	return cert, key
}

// layout is what sign needs from the load commands.
type layout struct {
	sigCmd, linkeditCmd int    // offsets of LC_CODE_SIGNATURE and the __LINKEDIT segment_command_64
	dataoff             uint32 // where the signature starts
	textOff, textSize   uint64
}

func parse(exe []byte) layout {
	if binary.LittleEndian.Uint32(exe) != 0xfeedfacf {
		log.Fatal("not a thin 64-bit Mach-O")
	}
	le := binary.LittleEndian
	var l layout
	off := 32
	for i := uint32(0); i < le.Uint32(exe[16:]); i++ {
		cmd, size := le.Uint32(exe[off:]), le.Uint32(exe[off+4:])
		switch {
		case cmd == 0x1d:
			l.sigCmd, l.dataoff = off, le.Uint32(exe[off+8:])
		case cmd == 0x19 && string(bytes.TrimRight(exe[off+8:off+24], "\x00")) == "__LINKEDIT":
			l.linkeditCmd = off
		case cmd == 0x19 && string(bytes.TrimRight(exe[off+8:off+24], "\x00")) == "__TEXT":
			l.textOff, l.textSize = le.Uint64(exe[off+40:]), le.Uint64(exe[off+48:])
		}
		off += int(size)
	}
	if l.sigCmd == 0 || l.linkeditCmd == 0 {
		log.Fatal("need LC_CODE_SIGNATURE and __LINKEDIT")
	}
	return l
}

func sign(exe []byte, o opts) []byte {
	l := parse(exe)
	exe = exe[:l.dataoff:l.dataoff]
	reqs := blob(0xfade0c01, be.AppendUint32(nil, 0)) // empty requirements set
	var ents []byte
	if o.ents != nil {
		ents = blob(0xfade7171, o.ents)
	}
	nCD := 1
	if o.sha1 {
		nCD = 2
	}
	est := 12 + 8*(nCD+3) + len(reqs) + len(ents) + nCD*(200+len(o.id)+len(o.team)+(7+len(exe)>>pageShift+1)*32) + reserve
	datasize := uint32((est + 15) &^ 15)
	patchHeader(exe, l, datasize)

	hashes := []crypto.Hash{crypto.SHA256}
	if o.sha1 {
		hashes = []crypto.Hash{crypto.SHA1, crypto.SHA256}
	}
	special := map[int][]byte{1: o.info, 2: reqs, 3: o.resources, 5: ents}
	var cds [][]byte
	for _, h := range hashes {
		cds = append(cds, codeDirectory(exe, l, o, h, special))
	}
	blobs := []slotBlob{{0, cds[0]}, {2, reqs}}
	if ents != nil {
		blobs = append(blobs, slotBlob{5, ents})
	}
	if len(cds) > 1 {
		blobs = append(blobs, slotBlob{0x1000, cds[1]})
	}
	blobs = append(blobs, slotBlob{0x10000, cms(cds, o)})
	sb := superBlob(blobs)
	if len(sb) > int(datasize) {
		log.Fatalf("signature %d bytes exceeds reserve %d", len(sb), datasize)
	}
	out := append(exe, sb...)
	return append(out, make([]byte, int(datasize)-len(sb))...)
}

func patchHeader(exe []byte, l layout, datasize uint32) {
	le := binary.LittleEndian
	le.PutUint32(exe[l.sigCmd+12:], datasize)
	fileoff := le.Uint64(exe[l.linkeditCmd+40:])
	filesize := uint64(l.dataoff) + uint64(datasize) - fileoff
	le.PutUint64(exe[l.linkeditCmd+48:], filesize)
	le.PutUint64(exe[l.linkeditCmd+32:], (filesize+0x3fff)&^0x3fff)
}

type slotBlob struct {
	slot uint32
	data []byte
}

func blob(magic uint32, payload []byte) []byte {
	b := be.AppendUint32(nil, magic)
	b = be.AppendUint32(b, uint32(8+len(payload)))
	return append(b, payload...)
}

func superBlob(blobs []slotBlob) []byte {
	hdr := 12 + 8*len(blobs)
	b := be.AppendUint32(nil, 0xfade0cc0)
	b = be.AppendUint32(b, 0) // length, patched below
	b = be.AppendUint32(b, uint32(len(blobs)))
	off := hdr
	for _, x := range blobs {
		b = be.AppendUint32(b, x.slot)
		b = be.AppendUint32(b, uint32(off))
		off += len(x.data)
	}
	for _, x := range blobs {
		b = append(b, x.data...)
	}
	be.PutUint32(b[4:], uint32(len(b)))
	return b
}

func newHash(h crypto.Hash) hash.Hash {
	if h == crypto.SHA1 {
		return sha1.New()
	}
	return sha256.New()
}

func digest(h crypto.Hash, b []byte) []byte {
	x := newHash(h)
	x.Write(b)
	return x.Sum(nil)
}

func codeDirectory(exe []byte, l layout, o opts, h crypto.Hash, special map[int][]byte) []byte {
	const hdrLen = 88 // version 0x20400
	nSpecial := 5
	nCode := (len(exe) + 1<<pageShift - 1) >> pageShift
	identOff := hdrLen
	teamOff := identOff + len(o.id) + 1
	hashOff := teamOff + len(o.team) + 1 + nSpecial*h.Size()
	flags := uint32(0)
	if o.cert == nil {
		flags = 0x2
	}
	b := make([]byte, 0, hashOff+nCode*h.Size())
	for _, v := range []uint32{0xfade0c02, 0, 0x20400, flags, uint32(hashOff), uint32(identOff),
		uint32(nSpecial), uint32(nCode), uint32(len(exe))} {
		b = be.AppendUint32(b, v)
	}
	b = append(b, byte(h.Size()), hashType(h), 0, pageShift)
	b = be.AppendUint32(b, 0)               // spare2
	b = be.AppendUint32(b, 0)               // scatterOffset
	b = be.AppendUint32(b, uint32(teamOff)) // teamOffset
	b = be.AppendUint32(b, 0)               // spare3
	b = be.AppendUint64(b, 0)               // codeLimit64
	b = be.AppendUint64(b, l.textOff)
	b = be.AppendUint64(b, l.textSize)
	b = be.AppendUint64(b, 1) // CS_EXECSEG_MAIN_BINARY
	b = append(append(b, o.id...), 0)
	b = append(append(b, o.team...), 0)
	for s := nSpecial; s >= 1; s-- {
		if special[s] == nil {
			b = append(b, make([]byte, h.Size())...)
		} else {
			b = append(b, digest(h, special[s])...)
		}
	}
	for p := 0; p < len(exe); p += 1 << pageShift {
		b = append(b, digest(h, exe[p:min(p+1<<pageShift, len(exe))])...)
	}
	be.PutUint32(b[4:], uint32(len(b)))
	return b
}

func hashType(h crypto.Hash) byte {
	if h == crypto.SHA1 {
		return 1
	}
	return 2
}

// oidCDHashes is Apple's signed attribute holding a plist of the 20-byte cdhashes.
var oidCDHashes = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 9, 1}

func cms(cds [][]byte, o opts) []byte {
	if o.cert == nil {
		return blob(0xfade0b01, nil)
	}
	plist := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\t<key>cdhashes</key>\n\t<array>\n"
	for i, cd := range cds {
		h := crypto.SHA256
		if o.sha1 && i == 0 {
			h = crypto.SHA1
		}
		plist += "\t\t<data>\n\t\t" + b64(digest(h, cd)[:20]) + "\n\t\t</data>\n"
	}
	plist += "\t</array>\n</dict>\n</plist>\n"
	sd := must(pkcs7.NewSignedData(cds[0]))
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	cfg := pkcs7.SignerInfoConfig{ExtraSignedAttributes: []pkcs7.Attribute{{Type: oidCDHashes, Value: []byte(plist)}}}
	if err := sd.AddSigner(o.cert, o.key.(crypto.Signer), cfg); err != nil {
		log.Fatal(err)
	}
	sd.Detach()
	return blob(0xfade0b01, must(sd.Finish()))
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
