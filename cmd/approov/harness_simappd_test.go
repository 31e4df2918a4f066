package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend/remote"
	"github.com/approov-cli/approov/internal/installkey"
)

// cmdSimAppd is `simappd [-out FILE] CODE-FILE BUILD N [rooted|debugger|emulator]...`:
// a new installation of BUILD (an .apk, .aab or .ipa) on a device with those
// properties attests N times to the approovd that the onboarding code in
// CODE-FILE names (its account, URL and pinned key), as an app's SDK would.
// -out writes the last token to FILE, and the whole answer to FILE.json.
func cmdSimAppd(ts *testscript.TestScript, neg bool, args []string) {
	out := ""
	if len(args) > 1 && args[0] == "-out" {
		out, args = args[1], args[2:]
	}
	if neg || len(args) < 3 {
		ts.Fatalf("usage: simappd [-out FILE] CODE-FILE BUILD N [rooted|debugger|emulator]...")
	}
	code, err := auth.ParseCode(ts.ReadFile(args[0]))
	ts.Check(err)
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	ctx := context.Background()
	m, err := attestsim.Measure(ctx, ts.MkAbs(args[1]))
	ts.Check(err)
	app, err := attestsim.New(code.Account, m, installkey.Ed25519)
	ts.Check(err)
	for _, p := range args[3:] {
		switch strings.ToLower(p) {
		case "rooted":
			app.Device.Rooted = true
		case "debugger":
			app.Device.Debugger = true
		case "emulator":
			app.Device.Emulator = true
		default:
			ts.Fatalf("simappd: unknown device property %q", p)
		}
	}
	b, err := remote.Open(code.Account, code.ServiceKey, remote.Options{URLs: code.Backend}, nil)
	ts.Check(err)
	for range n {
		answer, err := app.Attest(ctx, b)
		ts.Check(err)
		if out != "" {
			ts.Check(writeFile(ts, out, answer.Token+"\n"))
			raw, _ := json.MarshalIndent(answer, "", "  ")
			ts.Check(writeFile(ts, out+".json", string(raw)+"\n"))
		}
	}
}
