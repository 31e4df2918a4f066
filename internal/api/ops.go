package api

// Credential says how an operation's request is signed.
type Credential uint8

// Credentials.
const (
	CredNone    Credential = iota // unsigned (the answer is still signed)
	CredCode                      // signed with an onboarding code's key
	CredSession                   // signed with a session key
)

// Operation names one service operation and its HTTP mapping. Name is the
// command path it serves ("users.add" for `approov users add`), the key of
// the service's authorisation table.
type Operation struct {
	Name   string
	Method string
	Path   string
	Cred   Credential
}

// The operations, one per Backend method.
var (
	OpInfo         = Operation{"info", "GET", "/v1/info", CredNone}
	OpInspectCode  = Operation{"code.inspect", "POST", "/v1/codes/inspect", CredCode}
	OpRedeem       = Operation{"init", "POST", "/v1/codes/redeem", CredCode}
	OpLoginStart   = Operation{"login.start", "POST", "/v1/login/start", CredNone}
	OpLoginFinish  = Operation{"login.finish", "POST", "/v1/login/finish", CredNone}
	OpWhoAmI       = Operation{"whoami", "GET", "/v1/whoami", CredSession}
	OpLogout       = Operation{"logout", "POST", "/v1/logout", CredSession}
	OpPassword     = Operation{"password", "POST", "/v1/password", CredSession}
	OpUsersAdd     = Operation{"users.add", "POST", "/v1/users", CredSession}
	OpUsersList    = Operation{"users.list", "GET", "/v1/users", CredSession}
	OpUsersRevoke  = Operation{"users.revoke", "POST", "/v1/users/revoke", CredSession}
	OpUsersRemove  = Operation{"users.remove", "POST", "/v1/users/remove", CredSession}
	OpUsersRecover = Operation{"users.recover", "POST", "/v1/users/recover", CredSession}
	OpAuditList    = Operation{"audit.list", "GET", "/v1/audit", CredSession}
)

// Operations lists every operation, for dispatch tables and docs.
var Operations = []Operation{
	OpInfo, OpInspectCode, OpRedeem, OpLoginStart, OpLoginFinish, OpWhoAmI, OpLogout, OpPassword,
	OpUsersAdd, OpUsersList, OpUsersRevoke, OpUsersRemove, OpUsersRecover, OpAuditList,
}

// Lookup finds the operation served at method and path.
func Lookup(method, path string) (Operation, bool) {
	for _, op := range Operations {
		if op.Method == method && op.Path == path {
			return op, true
		}
	}
	return Operation{}, false
}
