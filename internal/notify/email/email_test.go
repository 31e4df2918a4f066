package email

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/notify/email/smtptest"
)

const (
	user = "approovd"
	pass = "relay-password-42"
)

// tlsRelay starts a STARTTLS + AUTH server and a Relay configured for it.
func tlsRelay(t *testing.T, opts smtptest.Options) (*smtptest.Server, Relay) {
	cfg, roots := smtptest.Certificate(t, "127.0.0.1")
	opts.TLS = cfg
	if opts.Username == "" {
		opts.Username, opts.Password = user, pass
	}
	srv := smtptest.Start(t, opts)
	return srv, Relay{Addr: srv.Addr, Username: user, Password: pass, From: "monitor@approov.example",
		StartTLS: true, RootCAs: roots, Timeout: 10 * time.Second, Hello: "approovd.test"}
}

func TestSendSTARTTLSAuth(t *testing.T) {
	srv, r := tlsRelay(t, smtptest.Options{})
	body := "2 domains failing:\n.\n..leading dots\napi.example.com — pin mismatch ✗\n" + strings.Repeat("long ", 60) + "\n"
	to := []string{"ops@example.com", "oncall@example.org"}
	if err := r.Send(context.Background(), to, "Approov: 2 domains failing — ✗", body); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].From != r.From || strings.Join(msgs[0].To, ",") != strings.Join(to, ",") {
		t.Fatalf("messages %+v", msgs)
	}
	m, err := mail.ReadMessage(strings.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	got, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	checks := map[string]bool{
		"subject":      subject == "Approov: 2 domains failing — ✗",
		"to":           m.Header.Get("To") == "ops@example.com, oncall@example.org",
		"content type": m.Header.Get("Content-Type") == "text/plain; charset=utf-8",
		"date":         m.Header.Get("Date") != "",
		"message id":   strings.HasSuffix(m.Header.Get("Message-Id"), "@approov.example>"),
		"body":         strings.ReplaceAll(string(got), "\r\n", "\n") == body,
		"crlf":         !strings.Contains(strings.ReplaceAll(msgs[0].Data, "\r\n", ""), "\n"),
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("%s wrong in:\n%s", name, msgs[0].Data)
		}
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name    string
		opts    smtptest.Options
		edit    func(*Relay)
		kind    fault.Kind
		contain string
	}{
		{"wrong password", smtptest.Options{}, func(r *Relay) { r.Password = "wrong" }, fault.Network, "535"},
		{"recipient refused", smtptest.Options{RejectRecipients: []string{"ops@example.com"}}, nil, fault.Network, "refused recipient ops@example.com"},
		{"untrusted certificate", smtptest.Options{}, func(r *Relay) { r.RootCAs = nil }, fault.Network, "certificate"},
		{"host name mismatch", smtptest.Options{}, func(r *Relay) { r.Addr = strings.Replace(r.Addr, "127.0.0.1", "localhost", 1) }, fault.Network, "certificate"},
		{"nothing listening", smtptest.Options{}, func(r *Relay) { r.Addr = closedAddr(t) }, fault.Network, "refused"},
		{"bad address", smtptest.Options{}, func(r *Relay) { r.Addr = "no-port" }, fault.Invalid, "host:port"},
		{"username without password", smtptest.Options{}, func(r *Relay) { r.Password = "" }, fault.Invalid, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, r := tlsRelay(t, tt.opts)
			if tt.edit != nil {
				tt.edit(&r)
			}
			err := r.Send(context.Background(), []string{"ops@example.com"}, "s", "b\n")
			if err == nil || fault.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.contain) {
				t.Fatalf("Send = %v (%v), want %v containing %q", err, fault.KindOf(err), tt.kind, tt.contain)
			}
			t.Logf("error: %v", err)
			if strings.Contains(err.Error(), pass) || len(srv.Messages()) != 0 {
				t.Fatalf("error %q or a message was delivered", err)
			}
		})
	}
}

// A relay without STARTTLS would take the password in the clear: the
// client must not offer it.
func TestSendRefusesCredentialsWithoutTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: user, Password: pass})
	for _, r := range []Relay{
		{Addr: srv.Addr, Username: user, Password: pass, From: "m@approov.example"},
		{Addr: srv.Addr, Username: user, Password: pass, From: "m@approov.example", StartTLS: true},
	} {
		err := r.Send(context.Background(), []string{"ops@example.com"}, "s", "b")
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") || srv.AuthAttempts() != 0 {
			t.Fatalf("Send = %v, auth attempts %d: want a refusal before AUTH", err, srv.AuthAttempts())
		}
	}
}

func TestSendPlainWithoutCredentials(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	r := Relay{Addr: srv.Addr, From: "m@approov.example"}
	if err := r.Send(context.Background(), []string{"ops@example.com"}, "s", "b"); err != nil || len(srv.Messages()) != 1 {
		t.Fatalf("Send = %v, %d messages", err, len(srv.Messages()))
	}
	r.StartTLS = true
	if err := r.Send(context.Background(), []string{"ops@example.com"}, "s", "b"); err == nil {
		t.Fatal("StartTLS required yet mail sent in the clear")
	}
}

func TestSendHonoursContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never greets
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = Relay{Addr: l.Addr().String(), From: "m@approov.example"}.Send(ctx, []string{"ops@example.com"}, "s", "b")
	if err == nil || time.Since(start) > 5*time.Second || fault.KindOf(err) != fault.Network {
		t.Fatalf("Send = %v after %v", err, time.Since(start))
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	srv, r := tlsRelay(t, smtptest.Options{})
	tests := []struct {
		name    string
		to      []string
		subject string
		from    string
	}{
		{"CRLF in subject", []string{"ops@example.com"}, "hi\r\nBcc: victim@example.com", ""},
		{"LF in subject", []string{"ops@example.com"}, "hi\nBcc: victim@example.com", ""},
		{"ESC in subject", []string{"ops@example.com"}, "hi\x1b[2J", ""},
		{"CRLF in recipient", []string{"ops@example.com\r\nBcc: victim@example.com"}, "s", ""},
		{"display name", []string{"Ops <ops@example.com>"}, "s", ""},
		{"two recipients in one", []string{"ops@example.com, victim@example.com"}, "s", ""},
		{"CRLF in sender", []string{"ops@example.com"}, "s", "m@approov.example\r\nBcc: victim@example.com"},
		{"no recipients", nil, "s", ""},
		{"too many recipients", make([]string, maxRecipients+1), "s", ""},
	}
	for _, tt := range tests {
		rr := r
		if tt.from != "" {
			rr.From = tt.from
		}
		err := rr.Send(context.Background(), tt.to, tt.subject, "body")
		if err == nil || fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: Send = %v, want an invalid-input error", tt.name, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}

func TestCheckAddress(t *testing.T) {
	good := []string{"ops@example.com", "first.last+tag@sub.example.co.uk", "a@localhost"}
	bad := []string{"", "ops", "@example.com", "ops@", "ops@example", "Ops <ops@example.com>", "<ops@example.com>",
		"ops@example.com (comment)", "\"Ops\" <ops@example.com>", "ops@example.com, x@example.com", "ops @example.com",
		"ops@example.com\r\n", "ops@exa\nmple.com", "opé@example.com", "ops@[127.0.0.1]", "group: a@example.com;",
		strings.Repeat("a", 250) + "@example.com", "ops@example.com\x00"}
	for _, a := range good {
		if err := CheckAddress(a); err != nil {
			t.Errorf("CheckAddress(%q) = %v", a, err)
		}
	}
	for _, a := range bad {
		if err := CheckAddress(a); err == nil {
			t.Errorf("CheckAddress(%q) accepted", a)
		} else if !errors.Is(err, err) || fault.KindOf(err) != fault.Invalid {
			t.Errorf("CheckAddress(%q) kind %v", a, fault.KindOf(err))
		}
	}
}

func FuzzCheckAddress(f *testing.F) {
	for _, s := range []string{"ops@example.com", "A <a@b.c>", "a@b.c\r\nBcc: x@y.z", "\"a b\"@c.d", "a@b.c,d@e.f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckAddress(s) != nil {
			return
		}
		if strings.ContainsAny(s, "\r\n ,<>\"") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
