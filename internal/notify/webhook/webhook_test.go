package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
)

var secret = []byte("whsec-test-0123456789")

// receiver is a test webhook endpoint: it verifies each request the way
// docs/notifications.md tells receivers to, then answers with the next
// status of its script (the last one repeats).
type receiver struct {
	mu       sync.Mutex
	statuses []int
	delay    time.Duration
	bodies   []string
	verified []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	err := Verify(secret, r.Header.Get(SignatureHeader), body, time.Now(), 5*time.Minute)
	rc.mu.Lock()
	rc.bodies = append(rc.bodies, string(body))
	rc.verified = append(rc.verified, err)
	status := rc.statuses[min(len(rc.bodies), len(rc.statuses))-1]
	rc.mu.Unlock()
	if rc.delay > 0 {
		select {
		case <-time.After(rc.delay):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(status)
	io.WriteString(w, strings.Repeat("x", 1<<20)) // more than a sender reads
}

func (rc *receiver) calls() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.bodies)
}

// fakeSleep records waits instead of sleeping.
type fakeSleep struct{ waits []time.Duration }

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.waits = append(f.waits, d)
	return ctx.Err()
}

func start(t *testing.T, rc *receiver) (*httptest.Server, *Sender, *fakeSleep) {
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	fs := &fakeSleep{}
	return srv, &Sender{Backoff: time.Second, Timeout: 2 * time.Second, Sleep: fs.sleep}, fs
}

func TestSend(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		delay     time.Duration
		ok        bool
		wantCodes []int // status of each attempt (0: no answer)
	}{
		{"success", []int{204}, 0, true, []int{204}},
		{"500 then success", []int{500, 200}, 0, true, []int{500, 200}},
		{"429 retried", []int{429, 202}, 0, true, []int{429, 202}},
		{"all failing", []int{503}, 0, false, []int{503, 503, 503, 503}},
		{"4xx not retried", []int{400}, 0, false, []int{400}},
		{"redirect not followed", []int{302}, 0, false, []int{302}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &receiver{statuses: tt.statuses, delay: tt.delay}
			srv, s, _ := start(t, rc)
			d := s.Send(context.Background(), srv.URL+"/hook", secret, []byte(`{"event":"test"}`))
			if d.OK != tt.ok || len(d.Attempts) != len(tt.wantCodes) {
				t.Fatalf("OK=%v attempts=%+v, want OK=%v and %d attempts", d.OK, d.Attempts, tt.ok, len(tt.wantCodes))
			}
			for i, a := range d.Attempts {
				if a.Status != tt.wantCodes[i] || (a.Error == "") != (a.Status/100 == 2) || a.At.IsZero() {
					t.Errorf("attempt %d = %+v, want status %d", i, a, tt.wantCodes[i])
				}
			}
			for i, err := range rc.verified {
				if err != nil || rc.bodies[i] != `{"event":"test"}` {
					t.Errorf("request %d: verify %v, body %q", i, err, rc.bodies[i])
				}
			}
		})
	}
}

func TestSendBackoffDoubles(t *testing.T) {
	rc := &receiver{statuses: []int{500}}
	srv, s, fs := start(t, rc)
	s.Send(context.Background(), srv.URL, secret, []byte(`{}`))
	if len(fs.waits) != 3 {
		t.Fatalf("waits %v, want 3", fs.waits)
	}
	for i, w := range fs.waits {
		base := time.Second << i
		if w < base || w > base+base/2 {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, base, base+base/2)
		}
	}
}

func TestSendRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	fs := &fakeSleep{}
	s := &Sender{Attempts: 2, Backoff: time.Second, Sleep: fs.sleep}
	s.Send(context.Background(), srv.URL, secret, nil)
	if len(fs.waits) != 1 || fs.waits[0] != maxRetryAfter {
		t.Fatalf("waits %v, want [%v] (Retry-After capped)", fs.waits, maxRetryAfter)
	}
}

func TestSendTimeout(t *testing.T) {
	rc := &receiver{statuses: []int{200}, delay: 5 * time.Second}
	srv, s, fs := start(t, rc)
	s.Timeout, s.Attempts = 100*time.Millisecond, 2
	d := s.Send(context.Background(), srv.URL, secret, []byte(`{}`))
	if d.OK || len(d.Attempts) != 2 || len(fs.waits) != 1 {
		t.Fatalf("delivery %+v waits %v, want 2 timed-out attempts", d, fs.waits)
	}
	for _, a := range d.Attempts {
		if a.Error != "timeout" || a.Status != 0 || a.Latency < 100*time.Millisecond || a.Latency > 3*time.Second {
			t.Errorf("attempt %+v, want a timeout after ~100ms", a)
		}
	}
}

func TestSendNetworkErrorRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens: connection refused
	fs := &fakeSleep{}
	d := (&Sender{Attempts: 3, Sleep: fs.sleep}).Send(context.Background(), url, secret, nil)
	if d.OK || len(d.Attempts) != 3 || !strings.Contains(d.Attempts[0].Error, "refused") {
		t.Fatalf("delivery %+v, want 3 refused attempts", d)
	}
}

func TestSendCancelledStops(t *testing.T) {
	rc := &receiver{statuses: []int{500}}
	srv, s, _ := start(t, rc)
	ctx, cancel := context.WithCancel(context.Background())
	s.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	d := s.Send(ctx, srv.URL, secret, nil)
	if d.OK || len(d.Attempts) != 1 || rc.calls() != 1 {
		t.Fatalf("delivery %+v, want one attempt then stop", d)
	}
}

func TestSendSameHostRedirect(t *testing.T) {
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+string(body))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	d := (&Sender{}).Send(context.Background(), srv.URL+"/old", secret, []byte(`{"a":1}`))
	if !d.OK || len(got) != 1 || got[0] != `POST {"a":1}` {
		t.Fatalf("delivery %+v, got %q", d, got)
	}
}

func TestSendOtherHostRedirectRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the redirect to another host was followed")
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	d := (&Sender{}).Send(context.Background(), srv.URL, secret, nil)
	if d.OK || len(d.Attempts) != 1 || d.Attempts[0].Status != 307 {
		t.Fatalf("delivery %+v, want one failed attempt answered 307", d)
	}
}

func TestSendSecretNeverInErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
	}))
	defer srv.Close()
	for _, u := range []string{srv.URL, "http://127.0.0.1:1/", "https://user:pw@example.com/", "ftp://x"} {
		d := (&Sender{Attempts: 2, Sleep: (&fakeSleep{}).sleep}).Send(context.Background(), u, secret, nil)
		for _, a := range d.Attempts {
			if a.Error == "" || strings.Contains(a.Error, string(secret)) || strings.Contains(a.Error, "pw") {
				t.Errorf("%s: attempt error %q", u, a.Error)
			}
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/approov", true},
		{"https://hooks.example.com:8443/a?b=c", true},
		{"http://127.0.0.1:8080/hook", true},
		{"http://[::1]:8080/hook", true},
		{"http://localhost/hook", true},
		{"http://hooks.example.com/hook", false},
		{"http://10.0.0.1/hook", false},
		{"https://user:pass@hooks.example.com/", false},
		{"https://user@hooks.example.com/", false},
		{"ftp://hooks.example.com/", false},
		{"hooks.example.com/hook", false},
		{"https:///path", false},
		{"https://h.example.com/#frag", false},
		{"https://h.example.com/\r\nX: y", false},
		{"https://h.example.com/" + strings.Repeat("a", maxURL), false},
		{"", false},
	}
	for _, tt := range tests {
		if err := CheckURL(tt.url); (err == nil) != tt.ok || err != nil && fault.KindOf(err) != fault.Invalid {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		} else if err != nil && strings.Contains(err.Error(), "pass") {
			t.Errorf("CheckURL(%q) error %q repeats the credentials", tt.url, err)
		}
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"event":"failing"}`)
	good := Sign(secret, body, now)
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"good", secret, good, body, now, nil},
		{"within tolerance", secret, good, body, now.Add(4 * time.Minute), nil},
		{"wrong secret", []byte("other"), good, body, now, ErrMismatch},
		{"body changed", secret, good, []byte(`{"event":"ok"}`), now, ErrMismatch},
		{"stale", secret, good, body, now.Add(6 * time.Minute), ErrStale},
		{"from the future", secret, good, body, now.Add(-6 * time.Minute), ErrStale},
		{"rotated secret: second v1 matches", secret, Sign([]byte("old"), body, now) + ",v1=" + strings.Split(good, "v1=")[1], body, now, nil},
		{"unknown key ignored", secret, good + ",v2=zz", body, now, nil},
		{"empty", secret, "", body, now, ErrMalformed},
		{"no t", secret, "v1=" + strings.Split(good, "v1=")[1], body, now, ErrMalformed},
		{"no v1", secret, "t=1800000000", body, now, ErrMalformed},
		{"two t", secret, "t=1," + good, body, now, ErrMalformed},
		{"short v1", secret, "t=1800000000,v1=abcd", body, now, ErrMalformed},
		{"bad t", secret, "t=x,v1=00", body, now, ErrMalformed},
		{"huge", secret, good + strings.Repeat(",x=y", 400), body, now, ErrMalformed},
	}
	for _, tt := range tests {
		if err := Verify(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute); !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestSignVector(t *testing.T) {
	// echo -n '1.{}' | openssl dgst -sha256 -hmac k
	const want = "t=1,v1=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
	if got := Sign([]byte("k"), []byte("{}"), time.Unix(1, 0)); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(Sign(secret, []byte("b"), time.Unix(100, 0)), []byte("b"))
	f.Add("t=1,v1=,v1=", []byte(""))
	f.Add("t=-1,v1=00", []byte("x"))
	f.Add(" t=100 , v1=zz,v1", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify(secret, header, body, time.Unix(100, 0), time.Minute)
		if err != nil {
			return
		}
		ts, sigs, perr := parseHeader(header)
		if perr != nil {
			t.Fatalf("accepted %q that does not parse: %v", header, perr)
		}
		want := mac(secret, ts, body)
		for _, s := range sigs {
			if string(s) == string(want) {
				return
			}
		}
		t.Fatalf("accepted %q without a matching signature", header)
	})
}
