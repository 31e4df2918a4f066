package prompter

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/approov-cli/approov/internal/fault"
)

func TestEditLine(t *testing.T) {
	tests := []struct {
		in   string
		want string
		kind fault.Kind // for errors
		err  bool
	}{
		{in: "secret\r", want: "secret"},
		{in: "secret\n", want: "secret"},
		{in: "ab\x7fc\r", want: "ac"},
		{in: "a\x08\x08b\r", want: "b"},
		{in: "héé\x7f\r", want: "hé"},
		{in: "x\x15yz\r", want: "yz"},
		{in: "ab\x04c\r", want: "abc"},
		{in: "\x03", err: true, kind: fault.Cancelled},
		{in: "abc\x03", err: true, kind: fault.Cancelled},
		{in: "\x04", err: true, kind: fault.Cancelled},
		{in: "", err: true, kind: fault.Cancelled},
		{in: strings.Repeat("a", maxPassword+1), err: true, kind: fault.Invalid},
	}
	for _, tt := range tests {
		got, err := editLine(strings.NewReader(tt.in))
		if tt.err {
			if err == nil || fault.KindOf(err) != tt.kind {
				t.Errorf("editLine(%q) err = %v (%v), want kind %v", tt.in, err, fault.KindOf(err), tt.kind)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("editLine(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestPasswordFromStdin(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "pw\n", want: "pw"},
		{in: "pw\r\nrest\n", want: "pw"},
		{in: "pw", want: "pw"},
		{in: "  spaced  \n", want: "  spaced  "},
		{in: "\n", err: true},
		{in: "", err: true},
		{in: strings.Repeat("x", 2000), err: true},
	}
	for _, tt := range tests {
		got, err := PasswordFromStdin(strings.NewReader(tt.in))
		if (err != nil) != tt.err || string(got) != tt.want {
			t.Errorf("PasswordFromStdin(%q) = %q, %v", tt.in, got, err)
		}
	}
	// It reads exactly one line, leaving the rest for the command.
	r := strings.NewReader("pw\nnext")
	PasswordFromStdin(r)
	if rest, _ := io.ReadAll(r); string(rest) != "next" {
		t.Errorf("over-read: rest = %q", rest)
	}
}

func TestNoTerminalFailsAtOnce(t *testing.T) {
	p := New(strings.NewReader("never read\n"), io.Discard, false)
	for name, call := range map[string]func() error{
		"Password":    func() error { _, err := p.Password("Password"); return err },
		"NewPassword": func() error { _, err := p.NewPassword("Password"); return err },
	} {
		err := call()
		if fault.KindOf(err) != fault.Auth || !errors.Is(err, ErrNoTerminal) || !strings.Contains(fault.HintOf(err), "--password-stdin") {
			t.Errorf("%s: err = %v (kind %v, hint %q), want Auth with a --password-stdin hint", name, err, fault.KindOf(err), fault.HintOf(err))
		}
	}
	if _, err := p.Confirm("Sure?", false); fault.KindOf(err) != fault.Usage || !strings.Contains(fault.HintOf(err), "--yes") {
		t.Errorf("Confirm: %v, want Usage with --yes hint", err)
	}
	// canPrompt true but nothing is a terminal: still no blocking.
	p = New(strings.NewReader("x\n"), io.Discard, true)
	p.openTTY = func() (*os.File, error) { return nil, os.ErrNotExist }
	if _, err := p.Password("Password"); fault.KindOf(err) != fault.Auth {
		t.Errorf("no tty: %v", err)
	}
}

// ptyPrompter returns a Terminal whose /dev/tty is a fresh pty, and the
// pty's master side to type on.
func ptyPrompter(t *testing.T) (*Terminal, *os.File, *os.File) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	p := New(strings.NewReader(""), io.Discard, true)
	p.openTTY = func() (*os.File, error) { return os.OpenFile(slave.Name(), os.O_RDWR, 0) }
	return p, master, slave
}

// collect drains the master side so the prompts never block.
func collect(master *os.File) *syncBuffer {
	var buf syncBuffer
	go io.Copy(&buf, master)
	return &buf
}

// typeAfter types data on the master side once the terminal has shown want.
// Prompts are printed after the terminal is switched to raw mode, so typing
// earlier would race the mode change: a Ctrl-C typed in cooked mode becomes a
// signal to nobody and the read would wait forever.
func typeAfter(out *syncBuffer, master *os.File, want, data string) {
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), want) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		master.Write([]byte(data))
	}()
}

// termState snapshots the terminal's mode; term.State compares by value.
func termState(t *testing.T, f *os.File) *term.State {
	st, err := term.GetState(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPasswordOnPTY(t *testing.T) {
	p, master, slave := ptyPrompter(t)
	out := collect(master)
	before := termState(t, slave)
	typeAfter(out, master, "Password for admin: ", "hunter22\r")
	pw, err := p.Password("Password for admin")
	if err != nil || string(pw) != "hunter22" {
		t.Fatalf("Password = %q, %v", pw, err)
	}
	time.Sleep(50 * time.Millisecond)
	if s := out.String(); !strings.Contains(s, "Password for admin: ") || strings.Contains(s, "hunter22") {
		t.Errorf("terminal showed %q: want the prompt and no echo", s)
	}
	if after := termState(t, slave); !reflect.DeepEqual(after, before) {
		t.Errorf("terminal mode not restored")
	}
}

func TestPasswordCtrlCOnPTY(t *testing.T) {
	p, master, slave := ptyPrompter(t)
	out := collect(master)
	before := termState(t, slave)
	typeAfter(out, master, "Password: ", "half\x03")
	_, err := p.Password("Password")
	if fault.KindOf(err) != fault.Cancelled {
		t.Fatalf("err = %v, want Cancelled", err)
	}
	if after := termState(t, slave); !reflect.DeepEqual(after, before) {
		t.Errorf("terminal mode not restored after Ctrl-C")
	}
}

func TestNewPasswordOnPTY(t *testing.T) {
	p, master, _ := ptyPrompter(t)
	out := collect(master)
	// Too short, mismatch, then a good pair: three tries.
	go func() {
		for _, line := range []string{"short", "longenough1", "different1", "longenough2", "longenough2"} {
			time.Sleep(30 * time.Millisecond)
			master.Write([]byte(line + "\r"))
		}
	}()
	pw, err := p.NewPassword("New password")
	if err != nil || string(pw) != "longenough2" {
		t.Fatalf("NewPassword = %q, %v", pw, err)
	}
	time.Sleep(50 * time.Millisecond)
	s := out.String()
	for _, want := range []string{"too short", "do not match", "Repeat new password"} {
		if !strings.Contains(s, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, s)
		}
	}
}

func TestConfirmOnPTY(t *testing.T) {
	p, master, _ := ptyPrompter(t)
	collect(master)
	for in, want := range map[string]bool{"y\n": true, "no\n": false, "\n": true} {
		go master.Write([]byte(in))
		got, err := p.Confirm("Remove?", true)
		if err != nil || got != want {
			t.Errorf("Confirm(%q) = %v, %v", in, got, err)
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestCheckNewPassword(t *testing.T) {
	for pw, ok := range map[string]bool{"": false, "1234567": false, "12345678": true, "éééééééé": true, "ééé": false} {
		if err := CheckNewPassword([]byte(pw)); (err == nil) != ok {
			t.Errorf("CheckNewPassword(%q) = %v", pw, err)
		}
	}
}
