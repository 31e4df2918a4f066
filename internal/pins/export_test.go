package pins_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/approov-cli/approov/internal/pins"
	"github.com/approov-cli/approov/internal/testtool"
)

var update = flag.Bool("update", false, "rewrite golden files")

var goldenExt = map[string]string{"okhttp": "kt", "android-nsc": "xml", "ios-ats": "plist", "trustkit": "plist", "json": "json"}

func TestExportGolden(t *testing.T) {
	set := loadFixtureSet(t)
	for _, format := range pins.ExportFormats {
		t.Run(format, func(t *testing.T) {
			out, _, err := pins.Export(set, format)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(vectors, "export", format+"."+goldenExt[format])
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("output differs from %s:\n%s", path, out)
			}
		})
	}
}

// The rest parse each format back and compare the pins with the openssl vectors.

func TestExportNSCParses(t *testing.T) {
	out := export(t, "android-nsc")
	var doc struct {
		XMLName xml.Name `xml:"network-security-config"`
		Domains []struct {
			Domain struct {
				Include string `xml:"includeSubdomains,attr"`
				Name    string `xml:",chardata"`
			} `xml:"domain"`
			PinSet struct {
				Expiration string `xml:"expiration,attr"`
				Pins       []struct {
					Digest string `xml:"digest,attr"`
					Value  string `xml:",chardata"`
				} `xml:"pin"`
			} `xml:"pin-set"`
		} `xml:"domain-config"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	want := opensslPins(t)
	d := doc.Domains[0]
	if d.Domain.Name != "api.example.com" || d.Domain.Include != "true" || d.PinSet.Expiration != "2030-01-31" {
		t.Errorf("domain %+v", d)
	}
	if d.PinSet.Pins[0].Digest != "SHA-256" || d.PinSet.Pins[0].Value != want["rsa2048"] || d.PinSet.Pins[1].Value != want["p256"] {
		t.Errorf("pins %+v", d.PinSet.Pins)
	}
	if doc.Domains[1].Domain.Include != "false" || doc.Domains[1].PinSet.Expiration != "" {
		t.Errorf("second domain %+v", doc.Domains[1])
	}
}

func TestExportATSParses(t *testing.T) {
	var doc struct {
		ATS struct {
			Domains map[string]struct {
				Include bool `plist:"NSIncludesSubdomains"`
				CA      []struct {
					SPKI string `plist:"SPKI-SHA256-BASE64"`
				} `plist:"NSPinnedCAIdentities"`
				Leaf []struct {
					SPKI string `plist:"SPKI-SHA256-BASE64"`
				} `plist:"NSPinnedLeafIdentities"`
			} `plist:"NSPinnedDomains"`
		} `plist:"NSAppTransportSecurity"`
	}
	if _, err := plist.Unmarshal(export(t, "ios-ats"), &doc); err != nil {
		t.Fatal(err)
	}
	want := opensslPins(t)
	api, cdn := doc.ATS.Domains["api.example.com"], doc.ATS.Domains["cdn.example.net"]
	if !api.Include || len(api.CA) != 0 || len(api.Leaf) != 2 || api.Leaf[0].SPKI != want["rsa2048"] {
		t.Errorf("api %+v", api)
	}
	if cdn.Include || len(cdn.Leaf) != 0 || len(cdn.CA) != 2 || cdn.CA[1].SPKI != want["ed25519"] {
		t.Errorf("cdn %+v", cdn)
	}
}

func TestExportTrustKitParses(t *testing.T) {
	var doc struct {
		Config struct {
			Swizzle bool `plist:"TSKSwizzleNetworkDelegates"`
			Domains map[string]struct {
				Hashes  []string `plist:"TSKPublicKeyHashes"`
				Include bool     `plist:"TSKIncludeSubdomains"`
				Enforce bool     `plist:"TSKEnforcePinning"`
				Expires string   `plist:"TSKExpirationDate"`
			} `plist:"TSKPinnedDomains"`
		} `plist:"TSKConfiguration"`
	}
	if _, err := plist.Unmarshal(export(t, "trustkit"), &doc); err != nil {
		t.Fatal(err)
	}
	want := opensslPins(t)
	api := doc.Config.Domains["api.example.com"]
	if !api.Enforce || !api.Include || api.Expires != "2030-01-31" || len(api.Hashes) != 2 || api.Hashes[1] != want["p256"] {
		t.Errorf("api %+v", api)
	}
	if got := doc.Config.Domains["cdn.example.net"].Hashes; len(got) != 2 || got[0] != want["p384"] {
		t.Errorf("cdn hashes %v", got)
	}
}

func TestExportJSONRoundTrips(t *testing.T) {
	set, _, err := pins.LoadPinSet(export(t, "json"))
	if err != nil {
		t.Fatal(err)
	}
	if set.BaseVersion != 7 || set.Domains[1].Pins[0].SHA256.String() != opensslPins(t)["p384"] {
		t.Errorf("set %+v", set)
	}
}

func TestExportOkHttpStructure(t *testing.T) {
	out := string(export(t, "okhttp"))
	line := regexp.MustCompile(`^    \.add\("(\*\*\.)?([a-z0-9.-]+)", "sha256/([A-Za-z0-9+/]{43}=)"\) // (primary|backup), (leaf|intermediate|root)$`)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var adds []string
	for _, l := range lines {
		if m := line.FindStringSubmatch(l); m != nil {
			adds = append(adds, m[1]+m[2]+" "+m[3])
		}
	}
	want := opensslPins(t)
	wantAdds := []string{"**.api.example.com " + want["rsa2048"], "**.api.example.com " + want["p256"],
		"cdn.example.net " + want["p384"], "cdn.example.net " + want["ed25519"]}
	if strings.Join(adds, "\n") != strings.Join(wantAdds, "\n") {
		t.Errorf("add lines:\n%s\nwant:\n%s", strings.Join(adds, "\n"), strings.Join(wantAdds, "\n"))
	}
	if !strings.Contains(out, "val certificatePinner = CertificatePinner.Builder()\n") || lines[len(lines)-1] != "    .build()" {
		t.Errorf("not a builder expression:\n%s", out)
	}
	if strings.Count(out, "(") != strings.Count(out, ")") {
		t.Error("unbalanced parentheses")
	}
}

func TestExportWarnings(t *testing.T) {
	set := loadFixtureSet(t)
	_, warns, _ := pins.Export(set, "ios-ats")
	if !strings.Contains(strings.Join(warns, "\n"), "no pin expiry") {
		t.Errorf("ios-ats warnings %q", warns)
	}
	set.Domains[0].Pins = set.Domains[0].Pins[:1]
	_, warns, _ = pins.Export(set, "trustkit")
	if !strings.Contains(strings.Join(warns, "\n"), "single pin") {
		t.Errorf("trustkit warnings %q", warns)
	}
	if _, _, err := pins.Export(set, "yaml"); err == nil {
		t.Error("unknown format accepted")
	}
}

func export(t *testing.T, format string) []byte {
	t.Helper()
	out, _, err := pins.Export(loadFixtureSet(t), format)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Independent parsers: Python's plistlib and ElementTree read the golden files.
func TestExportGoldenParsedByPython(t *testing.T) {
	testtool.Need(t, "python3")
	const script = `
import json, plistlib, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
ats = plistlib.load(open(d + "/ios-ats.plist", "rb"))["NSAppTransportSecurity"]["NSPinnedDomains"]
tsk = plistlib.load(open(d + "/trustkit.plist", "rb"))["TSKConfiguration"]["TSKPinnedDomains"]
nsc = ET.parse(d + "/android-nsc.xml").getroot()
print(json.dumps({
  "ats": [i["SPKI-SHA256-BASE64"] for dom in sorted(ats) for k in ("NSPinnedLeafIdentities", "NSPinnedCAIdentities") for i in ats[dom].get(k, [])],
  "trustkit": [h for dom in sorted(tsk) for h in tsk[dom]["TSKPublicKeyHashes"]],
  "nsc": [p.text for p in nsc.iter("pin") if p.get("digest") == "SHA-256"],
}))`
	out, err := exec.Command("python3", "-c", script, filepath.Join(vectors, "export")).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got map[string][]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	v := opensslPins(t)
	want := strings.Join([]string{v["rsa2048"], v["p256"], v["p384"], v["ed25519"]}, " ")
	for _, format := range []string{"ats", "trustkit", "nsc"} {
		if g := strings.Join(got[format], " "); g != want {
			t.Errorf("%s: python reads %s, want %s", format, g, want)
		}
	}
}
