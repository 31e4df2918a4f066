package api

import (
	"errors"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/approov-cli/approov/internal/fault"
	"github.com/approov-cli/approov/internal/role"
)

// TestOperationTable checks the rules every operation's row must follow.
func TestOperationTable(t *testing.T) {
	seen := map[string]bool{}
	for _, op := range Operations() {
		key := op.Method + " " + op.Path
		if seen[key] || seen[op.Name] {
			t.Errorf("duplicate operation %s / %s", key, op.Name)
		}
		seen[key], seen[op.Name] = true, true
		checkRow(t, op)
		if got, account, err := Route(op.Method, op.PathFor("acme")); err != nil || got != op || account != "acme" {
			t.Errorf("Route(%s) = %v, %q, %v", key, got.Name, account, err)
		}
		if _, inBoth := commands[op.Name]; inBoth {
			t.Errorf("%s is in the operation table and the command table: move its row", op.Name)
		}
	}
}

func checkRow(t *testing.T, op Operation) {
	t.Helper()
	if !slices.Contains([]string{"GET", "POST", "PUT", "DELETE"}, op.Method) || !strings.HasPrefix(op.Path, "/v1/accounts/{account}") {
		t.Errorf("%s: %s %s is not a /v1/accounts/{account} path with GET, POST, PUT or DELETE", op.Name, op.Method, op.Path)
	}
	req, _ := op.Types()
	if _, err := queryFields(req); !op.HasBody() && (err != nil || op.MaxBody != 0) {
		t.Errorf("%s: a %s request must be flat query parameters and have no body limit: %v", op.Name, op.Method, err)
	}
	if op.HasBody() && op.MaxBody <= 0 {
		t.Errorf("%s: a %s needs a body limit", op.Name, op.Method)
	}
	if (op.Cred == CredSession) != (op.Roles != NoRole) {
		t.Errorf("%s: a session operation needs a role policy, and only it (roles %v)", op.Name, op.Roles.List())
	}
	if op.Idempotent && op.Method != "GET" && op.Method != "PUT" && op != OpLoginStart.Operation {
		t.Errorf("%s: only reads, PUTs and the stateless login.start may be retried", op.Name)
	}
}

func TestPolicies(t *testing.T) {
	for _, tt := range []struct {
		p    Policy
		want []role.Role
	}{
		{NoRole, nil}, {AdminOnly, []role.Role{role.Admin}}, {AdminDev, []role.Role{role.Admin, role.Dev}}, {AnyRole, role.All},
		{Builders, []role.Role{role.Admin, role.Dev, role.Delegate, role.Automation}},
	} {
		p, want := tt.p, tt.want
		if p != Allow(want...) || !slices.Equal(p.List(), want) {
			t.Errorf("policy %08b lists %v, want %v", p, p.List(), want)
		}
	}
	if p, known := PolicyOf("pin.check"); !known || p != NoRole {
		t.Error("pin.check is a command needing no role")
	}
	if p, known := PolicyOf("users.add"); !known || p != AdminOnly {
		t.Error("users.add is admin only")
	}
	if _, known := PolicyOf("rm.rf"); known {
		t.Error("an unknown name has a policy")
	}
}

// TestDocumented: docs/api.md has a section for every operation, with its
// method and path, credential, roles and body limit.
func TestDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, h := range []string{HeaderKeyID, HeaderCreated, HeaderNonce, HeaderSignature, HeaderTime, HeaderIdempotencyKey} {
		if !strings.Contains(doc, "`"+h+"`") {
			t.Errorf("docs/api.md does not document header %s", h)
		}
	}
	_, ops, _ := strings.Cut(doc, "\n## Operations\n")
	ops, _, _ = strings.Cut(ops, "\n## ")
	for _, part := range strings.Split(ops, "\n### `")[1:] {
		if name, _, _ := strings.Cut(part, "`"); !slices.ContainsFunc(Operations(), func(o Operation) bool { return o.Name == name }) {
			t.Errorf("docs/api.md documents %q, which is no operation", name)
		}
	}
	for _, op := range Operations() {
		_, section, ok := strings.Cut(doc, "\n### `"+op.Name+"`\n")
		section, _, _ = strings.Cut(section, "\n### ")
		if !ok {
			t.Errorf("docs/api.md has no section \"### `%s`\"", op.Name)
			continue
		}
		for _, want := range docFacts(op) {
			if !strings.Contains(section, want) {
				t.Errorf("docs/api.md, %s: missing %q", op.Name, want)
			}
		}
	}
}

// docFacts are the strings an operation's section must contain.
func docFacts(op Operation) []string {
	roles := []string{}
	for _, r := range op.Roles.List() {
		roles = append(roles, string(r))
	}
	if len(roles) == 0 {
		roles = []string{"—"}
	}
	retry := map[bool]string{true: "yes", false: "no"}[op.Idempotent]
	limit := "none (query string)"
	if op.HasBody() {
		limit = strconv.Itoa(op.MaxBody>>10) + " KiB"
	}
	return []string{"`" + op.Method + " " + op.Path + "`", "credential: " + op.Cred.String(),
		"roles: " + strings.Join(roles, ", "), "idempotent: " + retry, "body limit: " + limit}
}

func TestRouteErrors(t *testing.T) {
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/accounts/acme/nope", http.StatusNotFound},
		{"GET", "/v1/accounts//users", http.StatusNotFound},
		{"GET", "/v1/accounts/a/b/users", http.StatusNotFound},
		{"PATCH", "/v1/accounts/acme/users", http.StatusMethodNotAllowed},
		{"GET", "/v1/users", http.StatusNotFound},
	} {
		_, _, err := Route(tt.method, tt.path)
		if StatusOf(err) != tt.status || fault.KindOf(err) != fault.Invalid {
			t.Errorf("Route(%s %s): %v (status %d), want %d", tt.method, tt.path, err, StatusOf(err), tt.status)
		}
	}
}

func TestStatusOf(t *testing.T) {
	for err, want := range map[error]int{
		nil:                              200,
		fault.New(fault.Auth, "x"):       401,
		fault.New(fault.Permission, "x"): 403,
		fault.New(fault.Conflict, "x"):   409,
		fault.New(fault.Invalid, "x"):    422,
		fault.New(fault.Usage, "x"):      400,
		errors.New("x"):                  500,
		&RateLimitError{Err: errors.New("x"), After: time.Second}: 429,
	} {
		if got := StatusOf(err); got != want {
			t.Errorf("StatusOf(%v) = %d, want %d", err, got, want)
		}
	}
}
