package ipa

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/testtool"
)

// zipEntry reads one entry with the standard library, independently of zipsafe.
func zipEntry(t *testing.T, ipa, name string) []byte {
	t.Helper()
	z, err := zip.OpenReader(filepath.Join(fixtures, ipa))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	f, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pyCD is what macho_cs.py prints for one CodeDirectory.
type pyCD struct{ slot, cdhash, full, pages string }

var (
	pySlot  = regexp.MustCompile(`slot 0x([0-9a-f]+) codedirectory`)
	pyHash  = regexp.MustCompile(`cdhash\(truncated 20B\)=([0-9a-f]+)\s+full=([0-9a-f]+)`)
	pyPages = regexp.MustCompile(`code page hashes: (\d+/\d+) OK`)
	pySlice = regexp.MustCompile(`(?m)^slice `)
)

// runMachoCS runs the research note's independent checker and returns, per
// slice, its CodeDirectories.
func runMachoCS(t *testing.T, python string, exe []byte) [][]pyCD {
	t.Helper()
	dir := t.TempDir() // macho_cs.py writes the CMS blobs to the working directory
	path := filepath.Join(dir, "exe")
	if err := os.WriteFile(path, exe, 0o600); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join(fixtures, "macho_cs.py"))
	cmd := exec.Command(python, script, path)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("macho_cs.py: %v\n%s", err, out)
	}
	var slices [][]pyCD
	for _, block := range pySlice.Split(string(out), -1)[1:] {
		var cds []pyCD
		for _, part := range strings.Split(block, "  slot ")[1:] {
			slot, hash, pages := pySlot.FindStringSubmatch("slot "+part), pyHash.FindStringSubmatch(part), pyPages.FindStringSubmatch(part)
			if slot == nil || hash == nil || pages == nil {
				continue
			}
			cds = append(cds, pyCD{strings.TrimLeft(slot[1], "0"), hash[1], hash[2], pages[1]})
		}
		slices = append(slices, cds)
	}
	return slices
}

// TestCrossCheckMachoCS: every cdhash (full and 20-byte) and the page-hash
// verdict equal the independent Python computation of research Appendix C.
func TestCrossCheckMachoCS(t *testing.T) {
	python := testtool.Need(t, "python3")
	for _, name := range []string{"adhoc", "cms", "fat", "sealed"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, err := inspectFile(t, name+".ipa")
			if err != nil {
				t.Fatal(err)
			}
			check := func(rel string, ours []Slice) {
				py := runMachoCS(t, python, zipEntry(t, name+".ipa", "Payload/Fixture.app/"+rel))
				if len(py) != len(ours) {
					t.Fatalf("%s: macho_cs.py sees %d slices, we see %d", rel, len(py), len(ours))
				}
				for i, s := range ours {
					var got []pyCD
					for _, cd := range s.CodeDirectories {
						got = append(got, pyCD{strings.TrimLeft(strings.TrimPrefix(cd.Slot, "0x"), "0"), cd.CDHash, cd.CDHashFull,
							pagesOK(cd.Pages)})
					}
					if !slices.Equal(got, py[i]) {
						t.Errorf("%s slice %s: ours %v, macho_cs.py %v", rel, s.CPU, got, py[i])
					}
				}
				t.Logf("%s: %d slices agree with macho_cs.py", rel, len(ours))
			}
			check(m.Executable.Name, m.Executable.Slices)
			for _, n := range m.Nested {
				check(n.Path, n.Slices)
			}
		})
	}
}

func pagesOK(n uint32) string {
	s := strconv.FormatUint(uint64(n), 10)
	return s + "/" + s
}

// TestCrossCheckMachoCSTampered: the Python checker also sees the flipped
// page of bad-page.ipa (one of 282 pages fails), while the cdhash stays
// what it was: a cdhash alone does not prove integrity.
func TestCrossCheckMachoCSTampered(t *testing.T) {
	python := testtool.Need(t, "python3")
	py := runMachoCS(t, python, zipEntry(t, "bad-page.ipa", "Payload/Fixture.app/Fixture"))
	good := runMachoCS(t, python, zipEntry(t, "sealed.ipa", "Payload/Fixture.app/Fixture"))
	if len(py) != 1 || len(py[0]) != 2 || len(good) != 1 || len(good[0]) != 2 {
		t.Fatalf("unexpected macho_cs.py output: %v", py)
	}
	for i := range py[0] {
		if py[0][i].pages != "281/282" || py[0][i].full != good[0][i].full {
			t.Errorf("CD %d: pages %q (want a failure), cdhash %s (want unchanged %s)", i, py[0][i].pages, py[0][i].full, good[0][i].full)
		}
	}
}

// TestCrossCheckOpenSSL: openssl verifies each CMS blob over the CodeDirectory
// and prints the same signer certificate digest.
func TestCrossCheckOpenSSL(t *testing.T) {
	openssl := testtool.Need(t, "openssl")
	for _, name := range []string{"cms", "fat", "sealed"} {
		t.Run(name, func(t *testing.T) {
			m, err := inspectFile(t, name+".ipa")
			if err != nil {
				t.Fatal(err)
			}
			cms, cd := cmsAndCD(t, zipEntry(t, name+".ipa", "Payload/Fixture.app/Fixture"))
			dir := t.TempDir()
			write := func(n string, b []byte) string {
				p := filepath.Join(dir, n)
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			cmsPath, cdPath := write("cms.der", cms), write("cd.bin", cd)
			out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", cmsPath,
				"-content", cdPath, "-noverify", "-out", os.DevNull).CombinedOutput()
			if err != nil {
				t.Fatalf("openssl cms -verify: %v\n%s", err, out)
			}
			pemCerts, err := exec.Command(openssl, "pkcs7", "-inform", "DER", "-in", cmsPath, "-print_certs").Output()
			if err != nil {
				t.Fatal(err)
			}
			blk, _ := pem.Decode(pemCerts)
			sum := sha256.Sum256(blk.Bytes)
			if got := hex.EncodeToString(sum[:]); got != m.Signer.CertSHA256 {
				t.Errorf("openssl signer cert sha256 %s, ours %s", got, m.Signer.CertSHA256)
			}
		})
	}
}

// cmsAndCD finds, independently of codesign, the CMS payload and slot-0
// CodeDirectory of the first slice by walking the last SuperBlob.
func cmsAndCD(t *testing.T, exe []byte) (cms, cd []byte) {
	t.Helper()
	if bytes.HasPrefix(exe, []byte{0xca, 0xfe, 0xba, 0xbe}) {
		off := be32(exe[16:])
		exe = exe[off : off+be32(exe[20:])]
	}
	sb := exe[bytes.LastIndex(exe, []byte{0xfa, 0xde, 0x0c, 0xc0}):]
	for i := uint32(0); i < be32(sb[8:]); i++ {
		slot, off := be32(sb[12+8*i:]), be32(sb[16+8*i:])
		blob := sb[off : off+be32(sb[off+4:])]
		switch slot {
		case 0:
			cd = blob
		case 0x10000:
			cms = blob[8:]
		}
	}
	return cms, cd
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
