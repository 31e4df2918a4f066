package api

import (
	"reflect"
	"slices"

	"github.com/approov-cli/approov/internal/apitoken"
	"github.com/approov-cli/approov/internal/role"
)

// Credential says how an operation's request is signed.
type Credential uint8

// Credentials.
const (
	CredNone    Credential = iota // unsigned (the answer is still signed)
	CredCode                      // signed with an onboarding code's key
	CredSession                   // signed with a session key
)

// String names the credential as docs/api.md does.
func (c Credential) String() string {
	if names := [...]string{"none", "code", "session"}; int(c) < len(names) {
		return names[c]
	}
	return "unknown"
}

// Operation is one service operation: its name, HTTP mapping and the rules
// every layer applies to it. Name is the command path it serves
// ("users.add" for `approov users add`), the key of authorisation.
type Operation struct {
	Name       string
	Method     string // GET and DELETE: parameters in the query; POST and PUT: a JSON body
	Path       string // a template under /v1/accounts/{account}
	Cred       Credential
	Roles      Policy // who may call it with a session (NoRole for other credentials)
	Idempotent bool   // safe to send again after a network failure
	MaxBody    int    // bound on the JSON body (0 for GET and DELETE)

	req, resp reflect.Type // set by define, for checks and docs
}

// Types returns the operation's request and answer types.
func (o Operation) Types() (req, resp reflect.Type) { return o.req, o.resp }

// Op is an Operation with its request and answer types, so that handlers
// and client calls are checked by the compiler against the table.
type Op[Req, Resp any] struct{ Operation }

// Empty is the request or answer of an operation that carries none ({}).
type Empty struct{}

// Body limits: most requests are a few short fields; a redemption carries
// up to four enrolments and a PIN verifier, a measurement up to 16 signers
// and 16 digests, a certificate its DER.
const (
	smallBody = 4 << 10
	largeBody = 16 << 10
	tokenBody = 64 << 10 // a token (16 KiB at most) and the data it is bound to, base64
)

const acct = "/v1/accounts/{account}"

// The operations. Adding one: see docs/project-layout.md.
var (
	OpInfo = define[Empty, ServiceInfo](Operation{Name: "info", Method: "GET", Path: acct,
		Cred: CredNone, Idempotent: true})
	OpInspectCode = define[Empty, CodeInfo](Operation{Name: "code.inspect", Method: "GET", Path: acct + "/code",
		Cred: CredCode, Idempotent: true})
	OpRedeem = define[RedeemRequest, Redeemed](Operation{Name: "init", Method: "POST", Path: acct + "/code/redeem",
		Cred: CredCode, MaxBody: largeBody})
	OpLoginStart = define[LoginStartRequest, LoginChallenge](Operation{Name: "login.start", Method: "POST", Path: acct + "/login/start",
		Cred: CredNone, Idempotent: true, MaxBody: smallBody})
	OpLoginFinish = define[LoginFinishRequest, SessionGrant](Operation{Name: "login.finish", Method: "POST", Path: acct + "/login/finish",
		Cred: CredNone, MaxBody: smallBody})
	OpWhoAmI = define[Empty, Identity](Operation{Name: "whoami", Method: "GET", Path: acct + "/session",
		Cred: CredSession, Roles: AnyRole, Idempotent: true})
	OpLogout = define[Empty, Empty](Operation{Name: "logout", Method: "DELETE", Path: acct + "/session",
		Cred: CredSession, Roles: AnyRole})
	OpPassword = define[Enrolment, Empty](Operation{Name: "password", Method: "POST", Path: acct + "/session/password",
		Cred: CredSession, Roles: AnyRole, MaxBody: smallBody}) // automation: rotates its token
	OpUsersAdd = define[AddUserRequest, Invitation](Operation{Name: "users.add", Method: "POST", Path: acct + "/users",
		Cred: CredSession, Roles: AdminOnly, MaxBody: smallBody})
	OpUsersList = define[Empty, []User](Operation{Name: "users.list", Method: "GET", Path: acct + "/users",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true})
	OpUsersRevoke = define[RevokeRoleRequest, Empty](Operation{Name: "users.revoke", Method: "DELETE", Path: acct + "/users/roles",
		Cred: CredSession, Roles: AdminOnly})
	OpUsersRemove = define[RemoveUserRequest, Empty](Operation{Name: "users.remove", Method: "DELETE", Path: acct + "/users",
		Cred: CredSession, Roles: AdminOnly})
	OpUsersRecover = define[RecoverUserRequest, Invitation](Operation{Name: "users.recover", Method: "POST", Path: acct + "/users/recover",
		Cred: CredSession, Roles: AdminOnly, MaxBody: smallBody})
	OpAuditList = define[AuditQuery, []AuditEvent](Operation{Name: "audit.list", Method: "GET", Path: acct + "/audit",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true})

	// Registrations and app-signing certificates.
	OpRegistrationAdd = define[AddRegistrationRequest, RegistrationAdded](Operation{Name: "registration.add", Method: "POST", Path: acct + "/registrations",
		Cred: CredSession, Roles: Builders, MaxBody: largeBody})
	OpRegistrationList = define[ListRegistrationsRequest, []Registration](Operation{Name: "registration.list", Method: "GET", Path: acct + "/registrations",
		Cred: CredSession, Roles: Builders, Idempotent: true})
	OpRegistrationRemove = define[RemoveRegistrationRequest, RemovedRegistrations](Operation{Name: "registration.remove", Method: "DELETE", Path: acct + "/registrations",
		Cred: CredSession, Roles: Builders})
	OpAppSignCertAdd = define[AddAppSignCertRequest, AppSignCert](Operation{Name: "appsigncert.add", Method: "POST", Path: acct + "/appsigncerts",
		Cred: CredSession, Roles: AdminDev, MaxBody: largeBody})
	OpAppSignCertList = define[Empty, []AppSignCert](Operation{Name: "appsigncert.list", Method: "GET", Path: acct + "/appsigncerts",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpAppSignCertRemove = define[RemoveAppSignCertRequest, Empty](Operation{Name: "appsigncert.remove", Method: "DELETE", Path: acct + "/appsigncerts",
		Cred: CredSession, Roles: AdminDev})
	// Tokens and the account's token secret (tokens.go).
	OpSecretGet = define[Empty, TokenSecret](Operation{Name: "secret.get", Method: "GET", Path: acct + "/secret",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true})
	OpSecretRotate = define[Empty, SecretInfo](Operation{Name: "secret.rotate", Method: "POST", Path: acct + "/secret/rotate",
		Cred: CredSession, Roles: AdminOnly, MaxBody: smallBody})
	OpSecretSetKeyID = define[SetKeyIDRequest, SecretInfo](Operation{Name: "secret.set-kid", Method: "PUT", Path: acct + "/secret/kid",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true, MaxBody: smallBody})
	OpTokenExample = define[TokenExampleRequest, TokenExample](Operation{Name: "token.example", Method: "POST", Path: acct + "/tokens/example",
		Cred: CredSession, Roles: AdminDev, MaxBody: tokenBody})
	OpTokenCheck = define[TokenCheckRequest, apitoken.Report](Operation{Name: "token.check", Method: "POST", Path: acct + "/tokens/check",
		Cred: CredSession, Roles: AdminDev, MaxBody: tokenBody})
	// The pin configuration and the SDK configuration (internal/api/pins.go).
	OpPinPull = define[Empty, PinConfig](Operation{Name: "pin.pull", Method: "GET", Path: acct + "/pins",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpPinPush = define[PinPushRequest, PinPushResult](Operation{Name: "pin.push", Method: "POST", Path: acct + "/pins",
		Cred: CredSession, Roles: AdminOnly, MaxBody: MaxMessage})
	OpPinLog = define[PinLogRequest, []PinVersion](Operation{Name: "pin.log", Method: "GET", Path: acct + "/pins/log",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpPinShow = define[PinShowRequest, PinConfig](Operation{Name: "pin.show", Method: "GET", Path: acct + "/pins/version",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpAPIAdd = define[APIAddRequest, PinPushResult](Operation{Name: "api.add", Method: "POST", Path: acct + "/apis",
		Cred: CredSession, Roles: AdminOnly, MaxBody: largeBody})
	OpAPIList = define[Empty, APIDomains](Operation{Name: "api.list", Method: "GET", Path: acct + "/apis",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpAPIRemove = define[APIRemoveRequest, PinPushResult](Operation{Name: "api.remove", Method: "DELETE", Path: acct + "/apis",
		Cred: CredSession, Roles: AdminOnly})
	OpSDKConfig = define[SDKConfigRequest, SDKConfig](Operation{Name: "sdk.config", Method: "GET", Path: acct + "/sdk/config",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	// Continuous API monitoring (internal/api/monitoring.go, issue 13).
	OpMonitoringStatus = define[Empty, MonitoringStatus](Operation{Name: "monitoring.status", Method: "GET", Path: acct + "/monitoring",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpMonitoringHistory = define[MonitoringHistoryRequest, []MonitoringCheck](Operation{Name: "monitoring.history", Method: "GET", Path: acct + "/monitoring/history",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpMonitoringSet = define[MonitoringSetRequest, MonitoringSettings](Operation{Name: "monitoring.set", Method: "PUT", Path: acct + "/monitoring",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true, MaxBody: smallBody})
	OpMonitoringTest = define[Empty, MonitoringTest](Operation{Name: "monitoring.test", Method: "POST", Path: acct + "/monitoring/test",
		Cred: CredSession, Roles: AdminOnly, MaxBody: smallBody})
	OpMonitoringRun = define[Empty, MonitoringRun](Operation{Name: "monitoring.run", Method: "POST", Path: acct + "/monitoring/run",
		Cred: CredSession, Roles: AdminDev, MaxBody: smallBody})
	OpMonitoringPageEnable = define[Empty, StatusPageLink](Operation{Name: "monitoring.page.enable", Method: "POST", Path: acct + "/monitoring/page",
		Cred: CredSession, Roles: AdminOnly, MaxBody: smallBody})
	OpMonitoringPageDisable = define[Empty, Empty](Operation{Name: "monitoring.page.disable", Method: "DELETE", Path: acct + "/monitoring/page",
		Cred: CredSession, Roles: AdminOnly})

	// The token service (issue 14): attestation, policy, device overrides,
	// runtime secrets (internal/api/attest.go).
	OpAttest = define[AttestRequest, Attestation](Operation{Name: "attest", Method: "POST", Path: acct + "/attest",
		Cred: CredNone, MaxBody: attestBody})
	OpPolicyShow = define[Empty, TokenPolicy](Operation{Name: "policy.show", Method: "GET", Path: acct + "/policy",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true})
	OpPolicySet = define[PolicySetRequest, TokenPolicy](Operation{Name: "policy.set", Method: "PUT", Path: acct + "/policy",
		Cred: CredSession, Roles: AdminOnly, MaxBody: smallBody}) // a retry after success must not see its own bump as a conflict
	OpDeviceAdd = define[DeviceAddRequest, Device](Operation{Name: "device.add", Method: "POST", Path: acct + "/devices",
		Cred: CredSession, Roles: AdminDev, MaxBody: smallBody}) // pentest: admin only (service)
	OpDeviceList = define[Empty, []Device](Operation{Name: "device.list", Method: "GET", Path: acct + "/devices",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
	OpDeviceRemove = define[DeviceRemoveRequest, Device](Operation{Name: "device.remove", Method: "DELETE", Path: acct + "/devices",
		Cred: CredSession, Roles: AdminDev})
	OpSecStringsAdd = define[SecStringAddRequest, SecString](Operation{Name: "secstrings.add", Method: "PUT", Path: acct + "/secstrings",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true, MaxBody: smallBody})
	OpSecStringsList = define[Empty, []SecString](Operation{Name: "secstrings.list", Method: "GET", Path: acct + "/secstrings",
		Cred: CredSession, Roles: AdminOnly, Idempotent: true})
	OpSecStringsRemove = define[SecStringRemoveRequest, Empty](Operation{Name: "secstrings.remove", Method: "DELETE", Path: acct + "/secstrings",
		Cred: CredSession, Roles: AdminOnly})
	// attestation metrics (issue 14)
	OpMetrics = define[MetricsQuery, Metrics](Operation{Name: "metrics", Method: "GET", Path: acct + "/metrics",
		Cred: CredSession, Roles: AdminDev, Idempotent: true})
)

// attestBody bounds an attestation: a report with a measurement (16
// signers, 16 digests) and evidence, base64 in the body (issue 14).
const attestBody = 32 << 10

// commands holds the roles of command paths that are not (yet) operations
// of their own: CLI-only commands, and those of DESIGN §2 whose operation
// is still to come. When the operation is added, its row moves into its
// definition above (a test refuses a name in both).
var commands = map[string]Policy{
	"account.create": NoRole, "app.inspect": NoRole, "pin.extract": NoRole,
	"pin.check": NoRole, "pin.export": NoRole, "completion": NoRole, "version": NoRole,

	"role": AnyRole,

	"api.check":  AdminDev,
	"pin.status": AdminDev, "pin.add": AdminDev, "pin.remove": AdminDev,
	"pin.diff": AdminDev, "pin.rebase": AdminDev, "pin.rotate": AdminDev, "pin.retire": AdminDev, "pin.revert": AdminDev,
	"sdk.verify": AdminDev,
}

// registry holds every defined operation in definition order. It is
// written only while the package initialises.
var registry []Operation

func define[Req, Resp any](o Operation) Op[Req, Resp] {
	o.req, o.resp = reflect.TypeFor[Req](), reflect.TypeFor[Resp]()
	registry = append(registry, o)
	return Op[Req, Resp]{o}
}

// Operations lists every operation, in definition order.
func Operations() []Operation { return slices.Clone(registry) }

// ByName finds an operation by name.
func ByName(name string) (Operation, bool) {
	i := slices.IndexFunc(registry, func(o Operation) bool { return o.Name == name })
	if i < 0 {
		return Operation{}, false
	}
	return registry[i], true
}

// PolicyOf returns the roles that may run name, an operation or a command
// path; known is false for a name in neither table.
func PolicyOf(name string) (p Policy, known bool) {
	if op, ok := ByName(name); ok {
		return op.Roles, true
	}
	p, known = commands[name]
	return p, known
}

// Names lists every operation and command path with a policy, sorted.
func Names() []string {
	out := make([]string, 0, len(registry)+len(commands))
	for _, op := range registry {
		out = append(out, op.Name)
	}
	for name := range commands {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Policy is a set of roles. NoRole means the caller needs none: commands
// that run without an account, and unsigned or code-signed operations.
type Policy uint8

// Policies of DESIGN §2. Bit i stands for role.All[i].
const (
	NoRole    Policy = 0
	AdminOnly Policy = 1 << 0
	AdminDev  Policy = AdminOnly | 1<<1
	Builders  Policy = AdminDev | 1<<2 | 1<<3 // delegate: own only (service code)
	AnyRole   Policy = Builders
)

// Allow returns the policy admitting roles.
func Allow(roles ...role.Role) Policy {
	var p Policy
	for _, r := range roles {
		if i := slices.Index(role.All, r); i >= 0 {
			p |= 1 << i
		}
	}
	return p
}

// Allows reports whether r is in the set.
func (p Policy) Allows(r role.Role) bool {
	i := slices.Index(role.All, r)
	return i >= 0 && p&(1<<i) != 0
}

// List returns the roles in the set, in role.All order (nil for NoRole).
func (p Policy) List() []role.Role {
	var out []role.Role
	for _, r := range role.All {
		if p.Allows(r) {
			out = append(out, r)
		}
	}
	return out
}

// Op returns the untyped operation (for tables listing operations of
// different types).
func (o Op[Req, Resp]) Op() Operation { return o.Operation }
