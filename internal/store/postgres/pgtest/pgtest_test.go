package pgtest

import "testing"

// TestNoBinaries: a directory without initdb and postgres is a clear error
// (which URL turns into a skip, or a failure when CI=true).
func TestNoBinaries(t *testing.T) {
	if _, err := binDir(t.TempDir()); err == nil {
		t.Fatal("an empty directory passed for PostgreSQL's binaries")
	}
}
