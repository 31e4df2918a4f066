package prompter

import (
	"bytes"
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/fault"
)

// FuzzEditLine: any keystrokes give a bounded password or an error, never a panic.
func FuzzEditLine(f *testing.F) {
	for _, s := range []string{"secret\r", "a\x7f\x7f\x7fb\r", "\x03", "\x04", "é\x7f\r", "\xff\xfe\x7f\r", "x\x15\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, keys []byte) {
		pw, err := editLine(bytes.NewReader(keys))
		if k := fault.KindOf(err); err != nil && k != fault.Cancelled && k != fault.Invalid {
			t.Fatalf("error of kind %v: %v", k, err)
		}
		if err != nil && len(keys) >= 16 && strings.Contains(err.Error(), string(keys)) {
			t.Fatalf("error %q echoes the keystrokes", err)
		}
		if err == nil && len(pw) > maxPassword {
			t.Fatalf("password of %d bytes accepted", len(pw))
		}
		if err == nil && bytes.ContainsAny(pw, "\r\n") {
			t.Fatalf("line ending inside the password %q", pw)
		}
	})
}

func FuzzPasswordFromStdin(f *testing.F) {
	for _, s := range []string{"pw\n", "pw\r\n", "", "\n", "a\nb\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		pw, err := PasswordFromStdin(bytes.NewReader(in))
		if err != nil && (fault.KindOf(err) != fault.Invalid || (len(in) >= 16 && strings.Contains(err.Error(), string(in)))) {
			t.Fatalf("error %q of kind %v", err, fault.KindOf(err))
		}
		if err == nil && (len(pw) == 0 || len(pw) > maxPassword || bytes.IndexByte(pw, '\n') >= 0) {
			t.Fatalf("bad password %q accepted", pw)
		}
	})
}
