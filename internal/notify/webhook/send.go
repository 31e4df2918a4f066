package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Sender delivers signed webhooks. The zero value is ready to use.
type Sender struct {
	Client   *http.Client     // nil: a client with Timeout per attempt
	Timeout  time.Duration    // per attempt; 0: 10s
	Attempts int              // 0: 4
	Backoff  time.Duration    // first wait, doubling, with jitter; 0: 2s
	Now      func() time.Time // nil: time.Now
	// Sleep waits between attempts; nil: a real sleep honouring ctx (tests inject).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Attempt is one POST: when it started, the HTTP status (0 when none came
// back), why it failed ("" on success) and how long it took.
type Attempt struct {
	At      time.Time
	Status  int
	Error   string
	Latency time.Duration
}

// Delivery is the record of one Send: every attempt, in order.
type Delivery struct {
	URL      string
	OK       bool
	Attempts []Attempt
}

const (
	// maxResponse bounds how much of a receiver's answer is read (and
	// discarded): enough to reuse the connection, not enough to hurt.
	maxResponse = 64 << 10
	// maxRetryAfter caps a receiver's Retry-After so it cannot park a sender.
	maxRetryAfter = time.Minute
	// maxRedirects bounds same-host redirects.
	maxRedirects = 3
	userAgent    = "approov-monitor/1"
)

// Send POSTs body to url as JSON, signed with secret, retrying network
// errors, timeouts, 5xx and 429 with doubling backoff (or the receiver's
// Retry-After, capped); any other answer ends the delivery. Each attempt
// is signed afresh, so a retry is never stale. The secret is in no error.
func (s *Sender) Send(ctx context.Context, url string, secret []byte, body []byte) Delivery {
	d := Delivery{URL: url}
	if err := CheckURL(url); err != nil {
		d.Attempts = []Attempt{{At: s.now(), Error: err.Error()}}
		return d
	}
	wait := s.backoff()
	for i := range s.attempts() {
		r := s.attempt(ctx, url, secret, body)
		d.Attempts = append(d.Attempts, r.Attempt)
		if r.Error == "" {
			d.OK = true
			return d
		}
		if !r.retry || i == s.attempts()-1 || s.sleep(ctx, max(jitter(wait), r.after)) != nil {
			return d
		}
		wait *= 2
	}
	return d
}

// result is an attempt and what it says about the next one.
type result struct {
	Attempt
	retry bool          // worth another attempt
	after time.Duration // the receiver's Retry-After, capped
}

// attempt makes one signed POST under its own timeout.
func (s *Sender) attempt(parent context.Context, url string, secret, body []byte) result {
	start := s.now()
	r := result{Attempt: Attempt{At: start}}
	ctx, cancel := context.WithTimeout(parent, s.timeout())
	defer cancel()
	resp, err := s.client().Do(newRequest(ctx, url, secret, body, start))
	r.Latency = s.now().Sub(start)
	if err != nil {
		r.Error = describe(err)
		r.retry = parent.Err() == nil // a network error or our timeout, not the caller giving up
		return r
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	r.Status = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return r
	}
	r.Error = "HTTP " + strconv.Itoa(resp.StatusCode)
	r.retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	r.after = retryAfter(resp)
	return r
}

// newRequest builds the signed POST; url was checked, so it parses.
func newRequest(ctx context.Context, url string, secret, body []byte, at time.Time) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(SignatureHeader, Sign(secret, body, at))
	return req
}

// describe is an attempt's error without the URL net/http wraps it in
// (the Delivery has it once) and with timeouts named as such.
func describe(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// retryAfter reads a Retry-After in seconds (the HTTP-date form is rare
// from webhook receivers and ignored), capped at maxRetryAfter.
func retryAfter(resp *http.Response) time.Duration {
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, maxRetryAfter)
}

// jitter spreads retries from many senders: d plus up to half of d.
func jitter(d time.Duration) time.Duration {
	return d + rand.N(d/2+1)
}

// client is s.Client, or a default one, with redirects limited to the
// same scheme and host: a receiver cannot bounce a signed notification
// to somebody else.
func (s *Sender) client() *http.Client {
	c := &http.Client{}
	if s.Client != nil {
		*c = *s.Client
	}
	c.CheckRedirect = sameHost
	return c
}

// sameHost follows a few 307/308 redirects (they keep the method and the
// body) that stay on the first request's scheme and host; any other
// redirect comes back as the answer, a failure that is not retried.
func sameHost(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	code := req.Response.StatusCode
	if len(via) > maxRedirects || req.URL.Scheme != first.Scheme || req.URL.Host != first.Host ||
		code != http.StatusTemporaryRedirect && code != http.StatusPermanentRedirect {
		return http.ErrUseLastResponse
	}
	return nil
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) timeout() time.Duration { return orDefault(s.Timeout, 10*time.Second) }
func (s *Sender) backoff() time.Duration { return orDefault(s.Backoff, 2*time.Second) }
func (s *Sender) attempts() int {
	if s.Attempts > 0 {
		return s.Attempts
	}
	return 4
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (s *Sender) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
