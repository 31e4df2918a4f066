package api

import (
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

func TestQueryRoundTrip(t *testing.T) {
	since := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   any
		want string
	}{
		{AuditQuery{}, ""},
		{AuditQuery{Since: since, Limit: 5}, "limit=5&since=2026-11-22T10%3A00%3A00Z"},
		{RevokeRoleRequest{Email: "a+b@example.com", Role: role.Dev}, "email=a%2Bb%40example.com&role=dev"},
		{Empty{}, ""},
	} {
		got, err := EncodeQuery(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("EncodeQuery(%+v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	var q AuditQuery
	if err := DecodeQuery("limit=5&since=2026-11-22T10%3A00%3A00Z", &q); err != nil || q.Limit != 5 || !q.Since.Equal(since) {
		t.Errorf("DecodeQuery = %+v, %v", q, err)
	}
	var r RevokeRoleRequest
	if err := DecodeQuery("email=5&role=dev", &r); err != nil || r.Email != "5" {
		t.Errorf("a string parameter that looks like a number: %+v, %v", r, err)
	}
}

func TestQueryRefusals(t *testing.T) {
	for _, raw := range []string{
		"since=2026-11-22T10:00:00Z", // not escaped canonically
		"since=yesterday",
		"limit=5&limit=6",
		"since=2026-11-22T10%3A00%3A00Z&limit=5", // keys out of order
		"limit=five",
		"limit=%225%22",
		"limit=",
		"limit={}",
		"other=1",
		"limit=1;since=x",
		"%zz=1",
	} {
		var q AuditQuery
		if err := DecodeQuery(raw, &q); fault.KindOf(err) != fault.Invalid {
			t.Errorf("DecodeQuery(%q) = %+v, %v; want an invalid error", raw, q, err)
		}
	}
	if _, err := EncodeQuery(RedeemRequest{}); err == nil {
		t.Error("a nested request was encoded as a query string")
	}
}

// FuzzDecodeQuery: no input panics, and whatever decodes encodes again.
func FuzzDecodeQuery(f *testing.F) {
	for _, s := range []string{"", "limit=5", "limit=5&since=2026-11-22T10%3A00%3A00Z", "limit=1e3", "limit=-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var q AuditQuery
		if DecodeQuery(raw, &q) != nil {
			return
		}
		if _, err := EncodeQuery(q); err != nil {
			t.Fatalf("decoded %q to %+v, which does not encode: %v", raw, q, err)
		}
	})
}
