package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/approov-cli/approov/internal/appsig"
	"github.com/approov-cli/approov/internal/appsig/aab"
	"github.com/approov-cli/approov/internal/appsig/apk"
	"github.com/approov-cli/approov/internal/iostreams"
	"github.com/approov-cli/approov/internal/safetext"
)

// writeSummary prints a readable record: a status line, then aligned
// "label  value" lines. Digests are printed in full: users compare them.
func writeSummary(ios *iostreams.IOStreams, r *appsig.Record) {
	cs := ios.ColorScheme()
	w := ios.Out
	if r.Verified {
		fmt.Fprintf(w, "%s %s  %s\n", cs.SuccessIcon(), cs.Bold(safetext.Escape(r.FileName)), "verified "+strings.ToUpper(r.Format))
	} else {
		fmt.Fprintf(w, "%s %s  %s\n", cs.FailureIcon(), cs.Bold(safetext.Escape(r.FileName)), cs.Red("UNVERIFIED: "+safetext.Escape(r.Problem)))
		fmt.Fprintf(w, "  %s\n", cs.Yellow("the values below come from a file that failed verification; do not register them"))
	}
	var lines [][2]string
	switch {
	case r.APK != nil:
		lines = apkLines(r.APK)
	case r.AAB != nil:
		lines = aabLines(r.AAB)
	case r.IPA != nil:
		lines = ipaLines(r.IPA)
	}
	lines = append(lines, [2]string{"File SHA-256", r.FileSHA256}, [2]string{"File size", fmt.Sprintf("%d bytes", r.FileSize)})
	writeLines(w, lines)
}

// writeLines prints labels and values, the values escaped: package names,
// subjects and nested paths come from the file.
func writeLines(w io.Writer, lines [][2]string) {
	width := 0
	for _, l := range lines {
		width = max(width, len(l[0]))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], safetext.Escape(l[1]))
	}
}

func version(name string, code int64) string {
	if name == "" {
		return fmt.Sprintf("(code %d)", code)
	}
	return fmt.Sprintf("%s (code %d)", name, code)
}

func sdk(minSDK, target int) string {
	return fmt.Sprintf("min %s, target %s", orDash(minSDK), orDash(target))
}

func orDash(v int) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprint(v)
}

func apkLines(m *apk.Measurement) [][2]string {
	l := [][2]string{{"Package", m.Package}, {"Version", version(m.VersionName, m.VersionCode)}, {"SDK", sdk(m.MinSDK, m.TargetSDK)}}
	if m.VerifiedScheme != "" {
		l = append(l, [2]string{"Verified scheme", m.VerifiedScheme})
	}
	for _, c := range m.Signers.V1 {
		l = append(l, [2]string{"Signer v1", c})
	}
	for _, c := range m.Signers.V2 {
		l = append(l, [2]string{"Signer v2", c})
	}
	for _, s := range m.Signers.V3 {
		l = append(l, [2]string{"Signer v3", fmt.Sprintf("%s (SDK %s)", s.CertSHA256, sdkRange(s))})
	}
	for _, s := range m.Signers.V31 {
		l = append(l, [2]string{"Signer v3.1", fmt.Sprintf("%s (SDK %s)", s.CertSHA256, sdkRange(s))})
	}
	for i, n := range m.Lineage {
		l = append(l, [2]string{fmt.Sprintf("Lineage %d", i+1), fmt.Sprintf("%s (flags 0x%x)", n.CertSHA256, n.Flags)})
	}
	for _, d := range m.ContentDigests {
		l = append(l, [2]string{"Content digest", d.Alg + " " + d.Hex})
	}
	for _, n := range m.Notes {
		l = append(l, [2]string{"Note", n})
	}
	return l
}

func sdkRange(s apk.V3Signer) string {
	if s.MaxSDK >= 0x7fffffff {
		return fmt.Sprintf("%d+", s.MinSDK)
	}
	return fmt.Sprintf("%d-%d", s.MinSDK, s.MaxSDK)
}

func aabLines(m *aab.Measurement) [][2]string {
	l := [][2]string{{"Package", m.Package}, {"Version", version(m.VersionName, m.VersionCode)}, {"SDK", sdk(m.MinSDK, m.TargetSDK)}}
	for _, c := range m.Signers.V1 {
		l = append(l, [2]string{"Upload key", c + " (Play re-signs APKs with the app signing key)"})
	}
	return append(l, [2]string{"Entries SHA-256", fmt.Sprintf("%s (%d entries)", m.EntriesSHA256, m.EntryCount)})
}
