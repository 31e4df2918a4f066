package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdJWT rewrites a token file for the token scenarios, keeping what a
// forger could not change:
//
//	jwt tamper IN OUT    change the ip claim, keep header and signature
//	jwt alg ALG IN OUT   relabel the header's alg (none: drop the signature)
func cmdJWT(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: jwt tamper IN OUT | jwt alg ALG IN OUT")
	}
	op, in, out := args[0], args[len(args)-2], args[len(args)-1]
	parts := strings.Split(strings.TrimSpace(ts.ReadFile(in)), ".")
	if len(parts) != 3 {
		ts.Fatalf("%s: not a JWS compact token", in)
	}
	switch {
	case op == "tamper" && len(args) == 3:
		parts[1] = editPart(ts, parts[1], func(m map[string]any) { m["ip"] = "9.9.9.9" })
	case op == "alg" && len(args) == 4:
		parts[0] = editPart(ts, parts[0], func(m map[string]any) { m["alg"] = args[1] })
		if args[1] == "none" {
			parts[2] = ""
		}
	default:
		ts.Fatalf("usage: jwt tamper IN OUT | jwt alg ALG IN OUT")
	}
	ts.Check(writeFile(ts, out, strings.Join(parts, ".")+"\n"))
}

func editPart(ts *testscript.TestScript, part string, edit func(map[string]any)) string {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	ts.Check(err)
	m := map[string]any{}
	ts.Check(json.Unmarshal(raw, &m))
	edit(m)
	raw, err = json.Marshal(m)
	ts.Check(err)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func writeFile(ts *testscript.TestScript, name, text string) error {
	return os.WriteFile(ts.MkAbs(name), []byte(text), 0o600)
}

// cmdNoSecret (! nosecret: the opposite) fails when the last command's stdout or stderr holds the
// secret in FILE (standard base64, as `secret get --plain` prints it) in
// any encoding: base64, base64url, raw hex (either case) or the raw bytes.
//
//	nosecret secret.b64
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: [!] nosecret FILE")
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ts.ReadFile(args[0])))
	if err != nil || len(secret) < 16 {
		ts.Fatalf("%s: not a base64 secret", args[0])
	}
	forms := map[string][]byte{
		"base64": []byte(base64.StdEncoding.EncodeToString(secret)), "unpadded base64": []byte(base64.RawStdEncoding.EncodeToString(secret)),
		"base64url": []byte(base64.RawURLEncoding.EncodeToString(secret)), "hex": []byte(hex.EncodeToString(secret)),
		"HEX": []byte(strings.ToUpper(hex.EncodeToString(secret))), "raw": secret,
	}
	found := ""
	for _, stream := range []string{"stdout", "stderr"} {
		got := []byte(ts.ReadFile(stream))
		for name, form := range forms {
			if bytes.Contains(got, form) {
				found = name + " in " + stream
			}
		}
	}
	switch {
	case found != "" && !neg:
		ts.Fatalf("the secret appears (%s)", found)
	case found == "" && neg:
		ts.Fatalf("the secret does not appear in stdout or stderr")
	}
}
