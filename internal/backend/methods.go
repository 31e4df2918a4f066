package backend

import (
	"context"

	"github.com/approov-cli/approov/internal/auth"
)

// codeCall signs with the code's key under the key id "aoc_<id>".
func (c *Client) codeCall(ctx context.Context, op Operation, code auth.Code, in, out any) error {
	return c.call(ctx, op, auth.CodePrefix+code.ID, code.Key(), in, out)
}

func (c *Client) sessionCall(ctx context.Context, op Operation, who Caller, in, out any) error {
	return c.call(ctx, op, who.Session, who.Key, in, out)
}

// InspectCode implements Backend.
func (c *Client) InspectCode(ctx context.Context, code auth.Code) (CodeInfo, error) {
	var out CodeInfo
	return out, c.codeCall(ctx, OpInspectCode, code, struct{}{}, &out)
}

// Redeem implements Backend.
func (c *Client) Redeem(ctx context.Context, code auth.Code, req RedeemRequest) (Redeemed, error) {
	var out Redeemed
	return out, c.codeCall(ctx, OpRedeem, code, req, &out)
}

// LoginStart implements Backend.
func (c *Client) LoginStart(ctx context.Context, req LoginStartRequest) (LoginChallenge, error) {
	var out LoginChallenge
	return out, c.call(ctx, OpLoginStart, "", nil, req, &out)
}

// LoginFinish implements Backend.
func (c *Client) LoginFinish(ctx context.Context, req LoginFinishRequest) (SessionGrant, error) {
	var out SessionGrant
	return out, c.call(ctx, OpLoginFinish, "", nil, req, &out)
}

// WhoAmI implements Backend.
func (c *Client) WhoAmI(ctx context.Context, who Caller) (Identity, error) {
	var out Identity
	return out, c.sessionCall(ctx, OpWhoAmI, who, struct{}{}, &out)
}

// Logout implements Backend.
func (c *Client) Logout(ctx context.Context, who Caller) error {
	return c.sessionCall(ctx, OpLogout, who, struct{}{}, nil)
}

// ChangePassword implements Backend.
func (c *Client) ChangePassword(ctx context.Context, who Caller, e Enrolment) error {
	return c.sessionCall(ctx, OpPassword, who, e, nil)
}

// AddUser implements Backend.
func (c *Client) AddUser(ctx context.Context, who Caller, req AddUserRequest) (Invitation, error) {
	var out Invitation
	return out, c.sessionCall(ctx, OpUsersAdd, who, req, &out)
}

// ListUsers implements Backend.
func (c *Client) ListUsers(ctx context.Context, who Caller) ([]User, error) {
	var out []User
	return out, c.sessionCall(ctx, OpUsersList, who, struct{}{}, &out)
}

// RevokeRole implements Backend.
func (c *Client) RevokeRole(ctx context.Context, who Caller, req RevokeRoleRequest) error {
	return c.sessionCall(ctx, OpUsersRevoke, who, req, nil)
}

// RemoveUser implements Backend.
func (c *Client) RemoveUser(ctx context.Context, who Caller, req RemoveUserRequest) error {
	return c.sessionCall(ctx, OpUsersRemove, who, req, nil)
}

// RecoverUser implements Backend.
func (c *Client) RecoverUser(ctx context.Context, who Caller, req RecoverUserRequest) (Invitation, error) {
	var out Invitation
	return out, c.sessionCall(ctx, OpUsersRecover, who, req, &out)
}

// ListAudit implements Backend.
func (c *Client) ListAudit(ctx context.Context, who Caller, q AuditQuery) ([]AuditEvent, error) {
	var out []AuditEvent
	return out, c.sessionCall(ctx, OpAuditList, who, q, &out)
}
