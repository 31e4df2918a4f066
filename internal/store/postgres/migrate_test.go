package postgres

import "testing"

// TestMigrationsNumbered: the embedded files parse, numbered from 1.
func TestMigrationsNumbered(t *testing.T) {
	m, err := migrations()
	if err != nil || len(m) == 0 || m[0].version != 1 || SchemaVersion() != len(m) {
		t.Fatalf("migrations: %v, %v", m, err)
	}
}
