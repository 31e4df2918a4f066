package local_test

import (
	"context"
	"encoding/base64"
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
	"github.com/approov-cli/approov/internal/role"
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

// TestConcurrentProcessesLoseNothing runs 50 processes at once, each a
// fresh client (service key fetched and the call made on one open of the
// store) that reads and then adds a user in a live session: every process
// succeeds, and every addition is there, each audited once.
func TestConcurrentProcessesLoseNothing(t *testing.T) {
	if os.Getenv("APPROOV_TEST_SESSION") != "" {
		t.Skip("child process")
	}
	c, who, path := liveSession(t)
	pub, _ := c.ServiceKey(context.Background())
	const n = 50
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSessionChild$", "-test.v")
			cmd.Env = append(os.Environ(), "APPROOV_TEST_SESSION="+strings.Join([]string{path, who.Account, who.Session,
				base64.StdEncoding.EncodeToString(who.Key), base64.StdEncoding.EncodeToString(pub)}, " "),
				fmt.Sprintf("APPROOV_TEST_USER=u%d@example.com", i))
			out, _ := cmd.CombinedOutput()
			outs[i] = string(out)
		})
	}
	wg.Wait()
	for i, out := range outs {
		if !strings.Contains(out, "RESULT ok") {
			t.Errorf("process %d:\n%s", i, out)
		}
	}
	users, err := c.ListUsers(context.Background(), who)
	if err != nil || len(users) != n+1 {
		t.Fatalf("%d users after %d concurrent additions (%v), want %d", len(users), n, err, n+1)
	}
	events, err := c.ListAudit(context.Background(), who, api.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	added := 0
	for i, e := range events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
		if e.Op == api.OpUsersAdd.Name {
			added++
		}
	}
	if added != n {
		t.Fatalf("%d users.add events for %d additions", added, n)
	}
}

// TestSessionChild is the child side of TestConcurrentProcessesLoseNothing.
func TestSessionChild(t *testing.T) {
	env := strings.Fields(os.Getenv("APPROOV_TEST_SESSION"))
	if len(env) != 5 {
		t.Skip("only run as a child process")
	}
	key, _ := base64.StdEncoding.DecodeString(env[3])
	pub, _ := base64.StdEncoding.DecodeString(env[4])
	who := backend.Caller{Account: env[1], Session: env[2], Key: key}
	b := local.Open(env[0], backend.ClientOptions{Account: env[1], Fingerprint: auth.FingerprintOf(pub)}, local.Options{Params: cheap})
	ctx := context.Background()
	if _, err := b.WhoAmI(ctx, who); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddUser(ctx, who, api.AddUserRequest{Email: os.Getenv("APPROOV_TEST_USER"), Roles: []role.Role{role.Dev}}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("RESULT ok")
}
