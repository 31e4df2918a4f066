package backend

import (
	"context"

	"github.com/approov-cli/approov/internal/api"
	"github.com/approov-cli/approov/internal/auth"
)

// The shorthands of the Backend interface, each one Call.

// InspectCode implements Backend.
func (c *Client) InspectCode(ctx context.Context, code auth.Code) (api.CodeInfo, error) {
	return Call(ctx, c, api.OpInspectCode, CodeCaller(code), api.Empty{})
}

// Redeem implements Backend.
func (c *Client) Redeem(ctx context.Context, code auth.Code, req api.RedeemRequest) (api.Redeemed, error) {
	return Call(ctx, c, api.OpRedeem, CodeCaller(code), req)
}

// LoginStart implements Backend.
func (c *Client) LoginStart(ctx context.Context, req api.LoginStartRequest) (api.LoginChallenge, error) {
	return Call(ctx, c, api.OpLoginStart, Anonymous, req)
}

// LoginFinish implements Backend.
func (c *Client) LoginFinish(ctx context.Context, req api.LoginFinishRequest) (api.SessionGrant, error) {
	return Call(ctx, c, api.OpLoginFinish, Anonymous, req)
}

// WhoAmI implements Backend.
func (c *Client) WhoAmI(ctx context.Context, who Caller) (api.Identity, error) {
	return Call(ctx, c, api.OpWhoAmI, who, api.Empty{})
}

// Logout implements Backend.
func (c *Client) Logout(ctx context.Context, who Caller) error {
	_, err := Call(ctx, c, api.OpLogout, who, api.Empty{})
	return err
}

// ChangePassword implements Backend.
func (c *Client) ChangePassword(ctx context.Context, who Caller, e api.Enrolment) error {
	_, err := Call(ctx, c, api.OpPassword, who, e)
	return err
}

// AddUser implements Backend.
func (c *Client) AddUser(ctx context.Context, who Caller, req api.AddUserRequest) (api.Invitation, error) {
	return Call(ctx, c, api.OpUsersAdd, who, req)
}

// ListUsers implements Backend.
func (c *Client) ListUsers(ctx context.Context, who Caller) ([]api.User, error) {
	return Call(ctx, c, api.OpUsersList, who, api.Empty{})
}

// RevokeRole implements Backend.
func (c *Client) RevokeRole(ctx context.Context, who Caller, req api.RevokeRoleRequest) error {
	_, err := Call(ctx, c, api.OpUsersRevoke, who, req)
	return err
}

// RemoveUser implements Backend.
func (c *Client) RemoveUser(ctx context.Context, who Caller, req api.RemoveUserRequest) error {
	_, err := Call(ctx, c, api.OpUsersRemove, who, req)
	return err
}

// RecoverUser implements Backend.
func (c *Client) RecoverUser(ctx context.Context, who Caller, req api.RecoverUserRequest) (api.Invitation, error) {
	return Call(ctx, c, api.OpUsersRecover, who, req)
}

// ListAudit implements Backend.
func (c *Client) ListAudit(ctx context.Context, who Caller, q api.AuditQuery) ([]api.AuditEvent, error) {
	return Call(ctx, c, api.OpAuditList, who, q)
}
