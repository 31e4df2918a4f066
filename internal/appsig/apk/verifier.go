package apk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/avast/apkverifier"
	"github.com/avast/apkverifier/apilevel"

	"github.com/approov-cli/approov/internal/fault"
)

// verdict is apkverifier's answer, reduced to what we cross-check.
type verdict struct {
	scheme  int      // 1, 2, 3 or 31
	signers []string // leaf certificate SHA-256s, deduplicated, in order
	lineage []string // v3/v3.1 lineage certificate SHA-256s, oldest first
	err     error    // nil when the APK verifies
}

// runVerifier runs avast/apkverifier over the file. It panics on some crafted
// inputs; a panic becomes an Invalid error, never a crash. minSDK/maxSDK 0
// mean "from the manifest" and "any".
func runVerifier(r io.ReaderAt, size int64, minSDK, maxSDK int32) (v verdict) {
	defer func() {
		if p := recover(); p != nil {
			v = verdict{err: fault.New(fault.Invalid, "signature verifier failed on malformed input (%s)", oneLine(fmt.Sprint(p)))}
		}
	}()
	if minSDK == 0 {
		minSDK = apilevel.V_AnyMin
	}
	if maxSDK == 0 {
		maxSDK = apilevel.V_AnyMax
	}
	res, err := apkverifier.VerifyWithSdkVersionReader(io.NewSectionReader(r, 0, size), nil, minSDK, maxSDK)
	if err != nil {
		return verdict{err: fault.New(fault.Invalid, "signature does not verify: %s", oneLine(err.Error()))}
	}
	v.scheme = res.SigningSchemeId
	for _, chain := range res.SignerCerts {
		if len(chain) > 0 {
			v.signers = appendUnique(v.signers, certSHA256(chain[0].Raw))
		}
	}
	if sb := res.SigningBlockResult; sb != nil && sb.SigningLineage != nil {
		for _, n := range sb.SigningLineage.Nodes {
			if n != nil && n.SigningCert != nil {
				v.lineage = append(v.lineage, certSHA256(n.SigningCert.Raw))
			}
		}
	}
	return v
}

func certSHA256(der []byte) string {
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:])
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// oneLine keeps error text to one line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
