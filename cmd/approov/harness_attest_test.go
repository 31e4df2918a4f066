package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/attestsim"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/installkey"
)

// cmdSimApp attests as an installed app (internal/attestsim) to the local
// account, on the scripts' clock:
//
//	simapp ACCOUNT APP KEYFILE OUT [rooted|debugger|emulator|frida]...
//
// APP is a build file measured with internal/appsig; KEYFILE holds the
// installation's Ed25519 seed (made when missing, so one installation can
// attest again); OUT gets the token, OUT.json the whole answer and
// KEYFILE.id the installation id.
func cmdSimApp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: simapp ACCOUNT APP KEYFILE OUT [rooted|debugger|emulator|frida]...")
	}
	m, err := attestsim.Measure(context.Background(), ts.MkAbs(args[1]))
	ts.Check(err)
	app := &attestsim.App{Account: args[0], Measurement: m, Key: simKey(ts, args[2]), Now: scriptClock(ts.Getenv(clockEnv))}
	for _, p := range args[4:] {
		switch p {
		case "rooted":
			app.Device.Rooted = true
		case "debugger":
			app.Device.Debugger = true
		case "emulator":
			app.Device.Emulator = true
		default:
			app.Device.Instrumentation = p
		}
	}
	out := simAttest(ts, app)
	ts.Check(writeFile(ts, args[3], out.Token+"\n"))
	raw, _ := json.MarshalIndent(out, "", "  ")
	ts.Check(writeFile(ts, args[3]+".json", string(raw)+"\n"))
	ts.Check(writeFile(ts, args[2]+".id", app.ID()+"\n"))
}

func simKey(ts *testscript.TestScript, file string) *installkey.Private {
	seed, err := hex.DecodeString(strings.TrimSpace(readIfExists(ts.MkAbs(file))))
	if err != nil || len(seed) == 0 {
		seed = make([]byte, 32)
		rand.Read(seed)
		ts.Check(writeFile(ts, file, hex.EncodeToString(seed)+"\n"))
	}
	k, err := installkey.Ed25519FromSeed(seed)
	ts.Check(err)
	return k
}

func readIfExists(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// simAttest sends the request through the local transport, as an app's SDK
// would over HTTPS to approovd.
func simAttest(ts *testscript.TestScript, app *attestsim.App) api.Attestation {
	req, err := app.Request()
	ts.Check(err)
	_, body, err := api.EncodeRequest(api.OpAttest, req)
	ts.Check(err)
	now := app.Now()
	ar := &auth.Request{Account: app.Account, Method: api.OpAttest.Method, Body: body, Created: now.Unix(), Nonce: auth.NewNonce(),
		Path: strings.Replace(api.OpAttest.Path, "{account}", app.Account, 1)}
	t := &local.Transport{Path: local.StorePath(ts.Getenv("APPROOV_HOME"), app.Account), Opts: local.Options{Now: app.Now}}
	defer t.Close()
	resp, err := t.Exchange(context.Background(), api.OpAttest.Operation, ar)
	ts.Check(err)
	if resp.Status != 200 {
		ts.Fatalf("attest: %d %s", resp.Status, resp.Body)
	}
	var out api.Attestation
	ts.Check(json.Unmarshal(resp.Body, &out))
	return out
}
