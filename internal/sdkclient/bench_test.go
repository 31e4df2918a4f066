package sdkclient_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/approov-cli/approov/internal/sdkclient"
	"github.com/approov-cli/approov/internal/sdkconfig"
)

// benchPublic measures the public endpoint over loopback TLS with
// keep-alive connections from parallel clients, as docs/bench/sdkconfig.sh
// runs it: the steady state of polling apps, which hold the latest
// configuration (304), without and with a challenge.
func benchPublic(b *testing.B, challenge bool) {
	r := newRig(b)
	sc, _ := r.embedded(b)
	etag := sdkconfig.ETag(sc.Version, sc.Config)
	tr := r.fetch.Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ch := make([]byte, 32)
		for pb.Next() {
			req, _ := http.NewRequest("GET", r.url, nil)
			req.Header.Set("If-None-Match", etag)
			if challenge {
				rand.Read(ch)
				req.Header.Set(sdkclient.HeaderChallenge, base64.RawURLEncoding.EncodeToString(ch))
			}
			resp, err := r.fetch.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkPublicConfigNotModified(b *testing.B) { benchPublic(b, false) }

func BenchmarkPublicConfigChallenge(b *testing.B) { benchPublic(b, true) }
