// Command regseed prepares docs/bench/registration.sh's account: a local
// account under -home with -n registrations added through the service (as
// registration add sends them), and an onboarding code for a dev, printed
// on stdout, to join it with approov init.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
	"github.com/approov-cli/approov/internal/backend"
	"github.com/approov-cli/approov/internal/backend/local"
	"github.com/approov-cli/approov/internal/role"
	"github.com/approov-cli/approov/internal/service"
	"github.com/approov-cli/approov/internal/store"
)

func main() {
	home := flag.String("home", "", "the APPROOV_HOME to create the account in")
	n := flag.Int("n", 10_000, "registrations to add")
	flag.Parse()
	code, err := seed(context.Background(), *home, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regseed:", err)
		os.Exit(1)
	}
	fmt.Println(code)
}

func seed(ctx context.Context, home string, n int) (string, error) {
	b, admin, err := adminSession(ctx, home)
	if err != nil {
		return "", err
	}
	for i := range n {
		req := api.AddRegistrationRequest{Measurement: measurement(i)}
		if _, err := backend.Call(ctx, b, api.OpRegistrationAdd, admin, req); err != nil {
			return "", err
		}
	}
	inv, err := b.AddUser(ctx, admin, api.AddUserRequest{Email: "dev@example.com", Roles: []role.Role{role.Dev}})
	return inv.Code, err
}

// measurement i is a distinct, well-formed APK measurement.
func measurement(i int) api.Measurement {
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], uint64(i))
	d := sha256.Sum256(seed[:])
	digest := hex.EncodeToString(d[:])
	return api.Measurement{Format: "apk", AppID: fmt.Sprintf("com.example.app%d", i%50), VersionCode: int64(i), Version: fmt.Sprintf("1.%d", i),
		Scheme: "v2", Signers: []string{digest}, Digests: []string{"CHUNKED_SHA256:" + digest}, FileSHA256: digest, FileName: "app.apk"}
}

// inProcess serves a client from one service on a store kept open, so
// seeding does not reopen the file for every request.
type inProcess struct{ svc *service.Service }

func (t inProcess) Exchange(ctx context.Context, _ api.Operation, req *auth.Request) (*auth.Response, error) {
	return t.svc.Serve(ctx, req), nil
}

// adminSession creates the account, redeems its first code and logs in as admin.
func adminSession(ctx context.Context, home string) (*backend.Client, backend.Caller, error) {
	created, path, err := local.Create(ctx, home, service.CreateAccountRequest{Name: "bench", FirstUser: "owner@example.com"}, local.Options{})
	if err != nil {
		return nil, backend.Caller{}, err
	}
	code, _ := auth.ParseCode(created.Invitation.Code)
	st, err := store.OpenBolt(path, 0)
	if err != nil {
		return nil, backend.Caller{}, err
	}
	// One session sends all the adds: more than a session may in one replay window.
	svc := service.New(st, service.Options{Location: []string{auth.LocalPrefix + path}, MaxNonces: 1_000_000})
	b := backend.NewClient(inProcess{svc}, backend.ClientOptions{Account: code.Account, Fingerprint: code.ServiceKey})
	info, err := b.InspectCode(ctx, code)
	if err != nil {
		return nil, backend.Caller{}, err
	}
	var req api.RedeemRequest
	for _, g := range info.Roles {
		e, _, _ := backend.PasswordEnrolment(g.Role, []byte("bench password"), info.Params)
		req.Enrolments = append(req.Enrolments, e)
	}
	_, req.PIN, _ = backend.NewPIN(info.Params)
	if _, err := b.Redeem(ctx, code, req); err != nil {
		return nil, backend.Caller{}, err
	}
	start := api.LoginStartRequest{Account: code.Account, User: info.User, Role: role.Admin}
	ch, err := b.LoginStart(ctx, start)
	if err != nil {
		return nil, backend.Caller{}, err
	}
	key, _ := backend.PasswordKey([]byte("bench password"), ch)
	caller, _, err := backend.Login(ctx, b, start, ch, key)
	return b, caller, err
}
