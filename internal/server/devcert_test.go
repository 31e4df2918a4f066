package server_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/approov-cli/approov/internal/server"
)

// TestDevCertificateOnce: instances starting together on one fresh state
// directory (several approovd on one PostgreSQL) all get the same
// certificate, and a restart finds it again.
func TestDevCertificateOnce(t *testing.T) {
	dir := t.TempDir() + "/state"
	pins := make([][]byte, 6)
	errs := make([]error, len(pins))
	var wg sync.WaitGroup
	for i := range pins {
		wg.Go(func() { _, pins[i], errs[i] = server.DevCertificate(dir) })
	}
	wg.Wait()
	for i := range pins {
		if errs[i] != nil || !bytes.Equal(pins[i], pins[0]) {
			t.Fatalf("instance %d: pin %x, %v; want %x", i, pins[i], errs[i], pins[0])
		}
	}
	if _, again, err := server.DevCertificate(dir); err != nil || !bytes.Equal(again, pins[0]) {
		t.Fatalf("restart: %x, %v", again, err)
	}
	if pin, ok := server.DevPin(dir); !ok || !bytes.Equal(pin, pins[0]) {
		t.Fatalf("DevPin: %x, %v", pin, ok)
	}
}
