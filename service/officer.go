package service

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Officer is an account of the officer console. The role decides what the
// officer may do: a maker (经办) reviews and proposes, a checker (复核)
// approves and confirms proposals, an administrator (管理员) keeps accounts
// and settings, an auditor (审计) reads.
type Officer struct {
	ID                 int64
	Username           string
	DisplayName        string
	Role               string
	PasswordHash       string // bcrypt; never shown, never logged
	TOTPSecret         string // base32; "" when the second factor is off
	TOTPPending        string // a secret being enrolled, until a code from it is confirmed
	TOTPLastStep       int64  // the 30-second step of the last code accepted: none at or before it is taken again
	Disabled           bool
	MustChangePassword bool // set for a new or reset password: the first login asks for a new one
	// FailedLogins and LockedUntil are stored columns no longer written on
	// a failure (that would make a real name cost more than an unknown one);
	// logins are throttled in memory by name (Login). ListOfficers fills
	// LockedUntil with the wait logins with the name are held to now.
	FailedLogins      int
	LockedUntil       time.Time
	LastLoginAt       time.Time
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Roles lists the officers' roles in the order the console shows them.
var Roles = []string{RoleMaker, RoleChecker, RoleAdmin, RoleAuditor}

// Actor is the officer as the audit trail names them.
func (o *Officer) Actor() Actor {
	return Actor{Kind: ActorOfficer, Name: o.Username, Role: o.Role}
}

// Name is how pages address the officer: the display name, or the user name.
func (o *Officer) Name() string {
	if o.DisplayName != "" {
		return o.DisplayName
	}
	return o.Username
}

// Validate checks the account's fields.
func (o *Officer) Validate() error {
	if err := checkUsername(o.Username); err != nil {
		return err
	}
	if len([]rune(o.DisplayName)) > 50 {
		return Errorf(EINVALID, "姓名最多 50 个字")
	}
	if !validRole(o.Role) {
		return Errorf(EINVALID, "角色「%s」错误：应为 maker（经办）、checker（复核）、admin（管理员）或 auditor（审计）", o.Role)
	}
	if o.PasswordHash == "" {
		return Errorf(EINVALID, "缺少密码")
	}
	return nil
}

func checkUsername(u string) error {
	if len(u) < 2 || len(u) > 32 || strings.Trim(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return Errorf(EINVALID, "用户名「%s」错误：应为 2 到 32 位字母、数字或 . _ -", u)
	}
	return nil
}

func validRole(role string) bool { return slices.Contains(Roles, role) }

// Session is a console login. The browser holds a random token; the
// database holds only its SHA-256, so a copy of the database opens no
// session.
type Session struct {
	ID         int64
	TokenHash  string // hex SHA-256 of the cookie's token
	OfficerID  int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end (SessionMax after login)
	IP         string
	UserAgent  string
}

// OfficerStore keeps console accounts.
type OfficerStore interface {
	// CreateOfficer inserts o and sets its ID and times; ECONFLICT when the
	// user name is taken.
	CreateOfficer(ctx context.Context, o *Officer) error
	// UpdateOfficer writes every field of o but TOTPLastStep, which only
	// UseTOTPStep moves; ENOTFOUND if there is none.
	UpdateOfficer(ctx context.Context, o *Officer) error
	// UseTOTPStep records that the officer's dynamic password of step was
	// accepted, unless one of that step or a later one was (false).
	UseTOTPStep(ctx context.Context, officerID, step int64) (bool, error)
	GetOfficer(ctx context.Context, id int64) (*Officer, error)
	GetOfficerByUsername(ctx context.Context, username string) (*Officer, error)
	// ListOfficers returns every account, by user name.
	ListOfficers(ctx context.Context) ([]*Officer, error)
	CountOfficers(ctx context.Context) (int, error)
}

// SessionStore keeps console sessions.
type SessionStore interface {
	// CreateSession inserts s and sets its ID.
	CreateSession(ctx context.Context, s *Session) error
	// GetSession returns the session whose token has the hash; ENOTFOUND if
	// none.
	GetSession(ctx context.Context, tokenHash string) (*Session, error)
	// TouchSession records a use of the session.
	TouchSession(ctx context.Context, id int64, seen time.Time) error
	// DeleteSession ends a session; ending one that is gone is no error.
	DeleteSession(ctx context.Context, id int64) error
	// DeleteOfficerSessions ends an officer's sessions but keep (0: all).
	DeleteOfficerSessions(ctx context.Context, officerID, keep int64) error
	// DeleteSessionsBefore removes sessions that expired before t or were
	// last used before idle.
	DeleteSessionsBefore(ctx context.Context, t, idle time.Time) error
}

// Roles of officers. The admin API acts with RoleChecker: a core banking
// system that has done its own review.
const (
	RoleMaker   = "maker"   // 经办
	RoleChecker = "checker" // 复核
	RoleAdmin   = "admin"   // 管理员
	RoleAuditor = "auditor" // 审计
)

// RoleLabel is a role's name in Chinese.
func RoleLabel(role string) string {
	switch role {
	case RoleMaker:
		return "经办"
	case RoleChecker:
		return "复核"
	case RoleAdmin:
		return "管理员"
	case RoleAuditor:
		return "审计"
	}
	return role
}
