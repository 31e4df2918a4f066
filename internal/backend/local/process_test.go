package local_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/service"
)

var cheap = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}

// TestConcurrentProcessesRedeemOnce runs 20 separate processes (this test
// binary, re-executed) that redeem the same code at once on the same
// store file, as 20 CLI invocations would: they wait for each other on the
// store's file lock, exactly one wins, the others see a conflict.
func TestConcurrentProcessesRedeemOnce(t *testing.T) {
	if os.Getenv("APPROOV_TEST_REDEEM_CODE") != "" {
		t.Skip("child process")
	}
	created, _, err := local.Create(context.Background(), t.TempDir(), service.CreateAccountRequest{Name: "acme", FirstUser: "owner@example.com"}, local.Options{Params: cheap})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRedeemChild$", "-test.v")
			cmd.Env = append(os.Environ(), "APPROOV_TEST_REDEEM_CODE="+created.Invitation.Code)
			out, _ := cmd.CombinedOutput()
			outs[i] = string(out)
		})
	}
	wg.Wait()
	won, lost := 0, 0
	for i, out := range outs {
		switch {
		case strings.Contains(out, "RESULT won"):
			won++
		case strings.Contains(out, "RESULT conflict"):
			lost++
		default:
			t.Errorf("process %d: unexpected output:\n%s", i, out)
		}
	}
	if won != 1 || lost != n-1 {
		t.Fatalf("%d processes won and %d saw a conflict; want 1 and %d", won, lost, n-1)
	}
}

// TestRedeemChild is the child side of TestConcurrentProcessesRedeemOnce.
func TestRedeemChild(t *testing.T) {
	text := os.Getenv("APPROOV_TEST_REDEEM_CODE")
	if text == "" {
		t.Skip("only run as a child process")
	}
	code, err := auth.ParseCode(text)
	if err != nil {
		t.Fatal(err)
	}
	b, err := local.ForCode(code, local.Options{Params: cheap})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info, err := b.InspectCode(ctx, code)
	if err != nil && fault.KindOf(err) == fault.Conflict {
		fmt.Println("RESULT conflict")
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, _ := backend.PasswordEnrolment(g.Role, []byte("pw"), info.Params)
		req.Enrolments = append(req.Enrolments, e)
	}
	_, req.PIN, _ = backend.NewPIN(info.Params)
	_, err = b.Redeem(ctx, code, req)
	switch {
	case err == nil:
		fmt.Println("RESULT won")
	case fault.KindOf(err) == fault.Conflict:
		fmt.Println("RESULT conflict")
	default:
		t.Fatalf("redeem: %v", err)
	}
}
