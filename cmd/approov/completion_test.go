package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildBinary compiles approov once into a temp dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "approov")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestBashCompletionSourcesAndCompletes sources the generated script in a
// real bash and asks it to complete "approov ver".
func TestBashCompletionSourcesAndCompletes(t *testing.T) {
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	bash, err := exec.LookPath("bash")
	if _, statErr := os.Stat(bashCompletion); err != nil || statErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must install bash and bash-completion")
		}
		t.Skip("bash or bash-completion not installed")
	}
	bin := buildBinary(t)
	// compopt complains outside a real completion; COMPREPLY is what counts.
	script := `source ` + bashCompletion + `
source <(approov completion bash)
COMP_WORDS=(approov ver); COMP_CWORD=1; COMP_LINE="approov ver"; COMP_POINT=${#COMP_LINE}
__start_approov approov ver approov 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--noprofile", "--norc", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != "version" {
		t.Errorf("completions = %q, want \"version\"", out)
	}
}
