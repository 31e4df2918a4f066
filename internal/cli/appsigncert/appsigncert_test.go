package appsigncert

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/backendtest"
	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/session/login/logintest"
)

const fixtures = "../../../testdata/appsigncert/"

// TestAddSendsOnlyTheCertificate: whatever the input (PEM, DER, keystore
// with its password on stdin), only the signing certificate's DER and the
// flags travel; password problems are exit 4, bad files exit 6.
func TestAddSendsOnlyTheCertificate(t *testing.T) {
	const release = "52c3f9b3bb2459fcce4f0f8fed62681825b208831168f6ec64dd224d99077da3"
	tests := []struct {
		args  []string
		stdin string
		kind  fault.Kind
		sha   string
	}{
		{[]string{fixtures + "release.pem", "--auto-register"}, "", 0, release},
		{[]string{fixtures + "release.der"}, "", 0, release},
		{[]string{fixtures + "release.p12", "--password-stdin"}, "fixture-pass\n", 0, release},
		{[]string{fixtures + "empty-pass.p12"}, "", 0, ""},
		{[]string{fixtures + "release.p12"}, "", fault.Auth, ""},
		{[]string{fixtures + "release.p12", "--password-stdin"}, "wrong\n", fault.Auth, ""},
		{[]string{fixtures + "release.jks"}, "", fault.Invalid, ""},
		{[]string{fixtures + "key-only.pem"}, "", fault.Invalid, ""},
		{[]string{fixtures}, "", fault.Invalid, ""},
	}
	for _, tt := range tests {
		fake := &backendtest.Fake{}
		var sent []api.AddAppSignCertRequest
		backendtest.On(fake, api.OpAppSignCertAdd, func(_ backend.Caller, req api.AddAppSignCertRequest) (api.AppSignCert, error) {
			sent = append(sent, req)
			return api.AppSignCert{ID: "x", Name: "n", AutoRegister: req.AutoRegister}, nil
		})
		f, s := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Dev)})
		s.In.WriteString(tt.stdin)
		err := clitest.Execute(NewCmdAdd(f, nil), tt.args...)
		if tt.kind != 0 {
			if fault.KindOf(err) != tt.kind || len(sent) != 0 {
				t.Errorf("%v: err %v (sent %d), want %s and nothing sent", tt.args, err, len(sent), tt.kind)
			}
			continue
		}
		if err != nil || len(sent) != 1 {
			t.Fatalf("%v: err %v, sent %d", tt.args, err, len(sent))
		}
		sum := sha256.Sum256(sent[0].DER)
		if tt.sha != "" && hex.EncodeToString(sum[:]) != tt.sha {
			t.Errorf("%v: sent a DER of SHA-256 %x, want the signing certificate", tt.args, sum)
		}
		if sent[0].AutoRegister != strings.Contains(strings.Join(tt.args, " "), "--auto-register") {
			t.Errorf("%v: auto-register not carried", tt.args)
		}
		if bytes.Contains(sent[0].DER, []byte("PRIVATE")) {
			t.Errorf("%v: key material sent", tt.args)
		}
	}
}

func TestRemoveNeedsYesWithoutTerminal(t *testing.T) {
	fake := &backendtest.Fake{}
	var ids []string
	backendtest.On(fake, api.OpAppSignCertRemove, func(_ backend.Caller, req api.RemoveAppSignCertRequest) (api.Empty, error) {
		ids = append(ids, req.ID)
		return api.Empty{}, nil
	})
	f, _ := clitest.Factory(clitest.Config{Auth: logintest.LiveManager(t, fake, role.Admin)})
	if err := clitest.Execute(NewCmdRemove(f, nil), "abc"); fault.KindOf(err) != fault.Usage || len(ids) != 0 {
		t.Fatalf("without --yes: %v, sent %v", err, ids)
	}
	if err := clitest.Execute(NewCmdRemove(f, nil), "abc", "--yes"); err != nil || len(ids) != 1 || ids[0] != "abc" {
		t.Fatalf("with --yes: %v, sent %v", err, ids)
	}
}
