// Package testtool finds the independent tools that cross-check tests run
// (apksigner, keytool, openssl, python3): a missing tool skips the test on
// a developer's machine and fails it in CI (CI set), where .ci/run
// installs every one of them.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the tool name, or ends the test: skipped
// outside CI, failed in CI.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}
