package backend

import (
	"context"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
)

// codeCall signs with the code's key under the key id "aoc_<id>".
func (c *Client) codeCall(ctx context.Context, op api.Operation, code auth.Code, in, out any) error {
	return c.call(ctx, op, auth.CodePrefix+code.ID, code.Key(), in, out)
}

func (c *Client) sessionCall(ctx context.Context, op api.Operation, who Caller, in, out any) error {
	return c.call(ctx, op, who.Session, who.Key, in, out)
}

// InspectCode implements Backend.
func (c *Client) InspectCode(ctx context.Context, code auth.Code) (api.CodeInfo, error) {
	var out api.CodeInfo
	return out, c.codeCall(ctx, api.OpInspectCode, code, struct{}{}, &out)
}

// Redeem implements Backend.
func (c *Client) Redeem(ctx context.Context, code auth.Code, req api.RedeemRequest) (api.Redeemed, error) {
	var out api.Redeemed
	return out, c.codeCall(ctx, api.OpRedeem, code, req, &out)
}

// LoginStart implements Backend.
func (c *Client) LoginStart(ctx context.Context, req api.LoginStartRequest) (api.LoginChallenge, error) {
	var out api.LoginChallenge
	return out, c.call(ctx, api.OpLoginStart, "", nil, req, &out)
}

// LoginFinish implements Backend.
func (c *Client) LoginFinish(ctx context.Context, req api.LoginFinishRequest) (api.SessionGrant, error) {
	var out api.SessionGrant
	return out, c.call(ctx, api.OpLoginFinish, "", nil, req, &out)
}

// WhoAmI implements Backend.
func (c *Client) WhoAmI(ctx context.Context, who Caller) (api.Identity, error) {
	var out api.Identity
	return out, c.sessionCall(ctx, api.OpWhoAmI, who, struct{}{}, &out)
}

// Logout implements Backend.
func (c *Client) Logout(ctx context.Context, who Caller) error {
	return c.sessionCall(ctx, api.OpLogout, who, struct{}{}, nil)
}

// ChangePassword implements Backend.
func (c *Client) ChangePassword(ctx context.Context, who Caller, e api.Enrolment) error {
	return c.sessionCall(ctx, api.OpPassword, who, e, nil)
}

// AddUser implements Backend.
func (c *Client) AddUser(ctx context.Context, who Caller, req api.AddUserRequest) (api.Invitation, error) {
	var out api.Invitation
	return out, c.sessionCall(ctx, api.OpUsersAdd, who, req, &out)
}

// ListUsers implements Backend.
func (c *Client) ListUsers(ctx context.Context, who Caller) ([]api.User, error) {
	var out []api.User
	return out, c.sessionCall(ctx, api.OpUsersList, who, struct{}{}, &out)
}

// RevokeRole implements Backend.
func (c *Client) RevokeRole(ctx context.Context, who Caller, req api.RevokeRoleRequest) error {
	return c.sessionCall(ctx, api.OpUsersRevoke, who, req, nil)
}

// RemoveUser implements Backend.
func (c *Client) RemoveUser(ctx context.Context, who Caller, req api.RemoveUserRequest) error {
	return c.sessionCall(ctx, api.OpUsersRemove, who, req, nil)
}

// RecoverUser implements Backend.
func (c *Client) RecoverUser(ctx context.Context, who Caller, req api.RecoverUserRequest) (api.Invitation, error) {
	var out api.Invitation
	return out, c.sessionCall(ctx, api.OpUsersRecover, who, req, &out)
}

// ListAudit implements Backend.
func (c *Client) ListAudit(ctx context.Context, who Caller, q api.AuditQuery) ([]api.AuditEvent, error) {
	var out []api.AuditEvent
	return out, c.sessionCall(ctx, api.OpAuditList, who, q, &out)
}
