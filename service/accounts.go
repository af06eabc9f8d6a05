package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"
)

// Officers keeps the console's accounts: creating and changing them,
// logging in with the throttle and lockout (login.go), sessions and TOTP.
type Officers struct {
	*env
	// logins throttles console logins by user name (see Login).
	logins *loginGuard
}

const (
	// touchEvery is how stale a session's last use may get before a request
	// records it: one write a minute per session, not one per request.
	touchEvery = time.Minute
	bcryptCost = 12
)

// totpOpts are the parameters every authenticator app understands.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpStep returns the 30-second time step whose code under secret is code,
// among the one of now and its neighbours (a phone's clock a little off);
// ok is false when none matches.
func totpStep(code, secret string, now time.Time) (step int64, ok bool) {
	if len(code) != int(totpOpts.Digits) {
		return 0, false
	}
	period := int64(totpOpts.Period)
	current := now.Unix() / period
	for _, st := range []int64{current, current - 1, current + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*period, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// errSessionEnded asks the officer to log in (again).
func errSessionEnded() error { return Errorf(ENOTFOUND, "登录已失效，请重新登录") }

// hashToken is how a session token is stored.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the officer and session of a session token. A
// session ends SessionIdle after its last use and SessionMax after login,
// and with its officer's account; ENOTFOUND then.
func (s *Officers) Authenticate(ctx context.Context, token string) (*Officer, *Session, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, errSessionEnded()
	}
	sess, err := s.Store.GetSession(ctx, hashToken(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, errSessionEnded()
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if now.After(sess.ExpiresAt) || now.After(sess.LastSeenAt.Add(s.SessionIdle)) {
		if err := s.Store.DeleteSession(ctx, sess.ID); err != nil {
			return nil, nil, err
		}
		return nil, nil, Errorf(ENOTFOUND, "登录已超时，请重新登录")
	}
	o, err := s.Store.GetOfficer(ctx, sess.OfficerID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, errSessionEnded()
	}
	if err != nil {
		return nil, nil, err
	}
	if o.Disabled {
		return nil, nil, Errorf(ENOTFOUND, "账户已停用，请联系管理员")
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, sess.ID, now); err != nil {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	return o, sess, nil
}

// Logout ends a session.
func (s *Officers) Logout(ctx context.Context, o *Officer, sess *Session) error {
	return s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.DeleteSession(ctx, sess.ID); err != nil {
			return err
		}
		return s.audit(ctx, nil, o.Actor(), "logout", "退出登录")
	})
}

// PurgeSessions removes ended sessions; serve calls it now and then.
func (s *Officers) PurgeSessions(ctx context.Context) error {
	now := s.now()
	return s.Store.DeleteSessionsBefore(ctx, now, now.Add(-s.SessionIdle))
}

// checkPassword is the password rule: 10 to 72 characters (bcrypt reads 72
// bytes), letters and digits, not the user name.
func checkPassword(username, password string) error {
	var letter, digit bool
	for _, r := range password {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	switch {
	case len([]rune(password)) < 10 || len(password) > 72:
		return Errorf(EINVALID, "密码不符合规则：长度应为 10 到 72 个字符")
	case !letter || !digit:
		return Errorf(EINVALID, "密码不符合规则：须同时包含字母和数字")
	case strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		return Errorf(EINVALID, "密码不符合规则：不能包含用户名")
	}
	return nil
}

func hashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// ChangePassword sets an officer's own password after checking the current
// one, and ends the officer's other sessions.
func (s *Officers) ChangePassword(ctx context.Context, o *Officer, sess *Session, current, next, confirm string) error {
	switch {
	case current == "":
		return Errorf(EINVALID, "请输入当前密码")
	case bcrypt.CompareHashAndPassword([]byte(o.PasswordHash), []byte(current)) != nil:
		return Errorf(EINVALID, "当前密码错误")
	case next != confirm:
		return Errorf(EINVALID, "两次输入的新密码不一致")
	case next == current:
		return Errorf(EINVALID, "新密码不能与当前密码相同")
	}
	if err := checkPassword(o.Username, next); err != nil {
		return err
	}
	hash, err := hashPassword(next)
	if err != nil {
		return err
	}
	o.PasswordHash, o.MustChangePassword, o.PasswordChangedAt = hash, false, s.now()
	return s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.UpdateOfficer(ctx, o); err != nil {
			return err
		}
		if err := s.Store.DeleteOfficerSessions(ctx, o.ID, sess.ID); err != nil {
			return err
		}
		return s.audit(ctx, nil, o.Actor(), "password_change", "修改密码")
	})
}

// NewOfficer is the form of a new account.
type NewOfficer struct {
	Username    string
	DisplayName string
	Role        string
	Password    string
}

// mayManage allows administrators, and the system (first start, the
// command line).
func mayManage(actor Actor) error {
	if actor.Kind == ActorSystem || actor.Role == RoleAdmin {
		return nil
	}
	return Errorf(EFORBIDDEN, "只有管理员可以管理账户")
}

// CreateOfficer creates an account; its first login asks for a new
// password unless the system (the command line) created it.
func (s *Officers) CreateOfficer(ctx context.Context, actor Actor, in NewOfficer) (*Officer, error) {
	if err := mayManage(actor); err != nil {
		return nil, err
	}
	o := &Officer{Username: strings.TrimSpace(in.Username), DisplayName: strings.TrimSpace(in.DisplayName), Role: in.Role,
		MustChangePassword: actor.Kind != ActorSystem, PasswordChangedAt: s.now()}
	if err := checkUsername(o.Username); err != nil {
		return nil, err
	}
	if err := checkPassword(o.Username, in.Password); err != nil {
		return nil, err
	}
	var err error
	if o.PasswordHash, err = hashPassword(in.Password); err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	err = s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateOfficer(ctx, o); err != nil {
			return err
		}
		return s.audit(ctx, nil, actor, "officer_create", fmt.Sprintf("创建账户 %s（%s）", o.Username, RoleLabel(o.Role)))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// EnsureFirstAdmin creates the administrator "admin" with a random password
// when there is no account at all, and returns the password (to be printed
// once); "" when accounts exist. Of several instances starting at once on
// one database, one creates it.
func (s *Officers) EnsureFirstAdmin(ctx context.Context) (username, password string, err error) {
	n, err := s.Store.CountOfficers(ctx)
	if err != nil || n > 0 {
		return "", "", err
	}
	password = randomPassword()
	hash, err := hashPassword(password)
	if err != nil {
		return "", "", err
	}
	o := &Officer{Username: "admin", DisplayName: "系统管理员", Role: RoleAdmin, PasswordHash: hash,
		MustChangePassword: true, PasswordChangedAt: s.now()}
	err = s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateOfficer(ctx, o); err != nil {
			return err
		}
		return s.audit(ctx, nil, SystemActor(), "officer_create", "首次启动，创建管理员账户 admin")
	})
	if ErrorCode(err) == ECONFLICT { // another instance made it
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	return o.Username, password, nil
}

// randomPassword is 16 readable characters with letters and digits.
func randomPassword() string {
	for {
		p := randomCode(16)
		if checkPassword("admin", p) == nil {
			return p
		}
	}
}

// ListOfficers returns every account, for administrators and auditors.
func (s *Officers) ListOfficers(ctx context.Context, actor Actor) ([]*Officer, error) {
	if actor.Role != RoleAdmin && actor.Role != RoleAuditor {
		return nil, Errorf(EFORBIDDEN, "只有管理员和审计可以查看账户")
	}
	list, err := s.Store.ListOfficers(ctx)
	if err != nil {
		return nil, err
	}
	// LockedUntil shows the wait logins with the name are held to now
	// (over all addresses; the counts live in this process).
	now := s.now()
	for _, o := range list {
		o.LockedUntil = s.logins.name.Until(loginName(o.Username), now)
	}
	return list, nil
}

// OfficerChange is an administrator's change to an account.
type OfficerChange struct {
	DisplayName string
	Role        string
	Disabled    bool
	Password    string // a new temporary password; "" keeps it
	ResetTOTP   bool   // turn the second factor off (a lost phone)
}

// UpdateOfficer changes an account: name, role, disabled, a temporary
// password (asked to be changed at the next login; it also lifts a lock),
// the second factor off. Administrators may not change their own role or
// disable themselves, so that one always remains. Disabling or a new
// password ends the account's sessions.
func (s *Officers) UpdateOfficer(ctx context.Context, actor Actor, id int64, ch OfficerChange) (*Officer, error) {
	if err := mayManage(actor); err != nil {
		return nil, err
	}
	o, err := s.Store.GetOfficer(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Username == actor.Name && (ch.Role != o.Role || ch.Disabled) {
		return nil, Errorf(EFORBIDDEN, "不能修改自己的角色或停用自己的账户")
	}
	var changes []string
	if name := strings.TrimSpace(ch.DisplayName); name != o.DisplayName {
		changes = append(changes, fmt.Sprintf("姓名 %s → %s", o.DisplayName, name))
		o.DisplayName = name
	}
	if ch.Role != o.Role {
		changes = append(changes, fmt.Sprintf("角色 %s → %s", RoleLabel(o.Role), RoleLabel(ch.Role)))
		o.Role = ch.Role
	}
	if ch.Disabled != o.Disabled {
		changes = append(changes, map[bool]string{true: "停用", false: "启用"}[ch.Disabled])
		o.Disabled = ch.Disabled
	}
	endSessions := o.Disabled
	if ch.Password != "" {
		if err := checkPassword(o.Username, ch.Password); err != nil {
			return nil, err
		}
		if o.PasswordHash, err = hashPassword(ch.Password); err != nil {
			return nil, err
		}
		o.MustChangePassword, o.PasswordChangedAt, o.FailedLogins, o.LockedUntil = true, s.now(), 0, time.Time{}
		changes = append(changes, "重置密码")
		endSessions = true
		s.logins.lift(loginName(o.Username)) // a new password lifts the waits of earlier failures
	}
	if ch.ResetTOTP && o.TOTPSecret != "" {
		o.TOTPSecret, o.TOTPPending = "", ""
		changes = append(changes, "关闭动态口令")
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return o, nil
	}
	err = s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.UpdateOfficer(ctx, o); err != nil {
			return err
		}
		if endSessions {
			if err := s.Store.DeleteOfficerSessions(ctx, o.ID, 0); err != nil {
				return err
			}
		}
		return s.audit(ctx, nil, actor, "officer_update", fmt.Sprintf("账户 %s：%s", o.Username, strings.Join(changes, "，")))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// TOTPEnrollment is a second-factor secret being enrolled, for the officer
// to add to an authenticator app: as text and as an otpauth:// URL (the QR
// code).
type TOTPEnrollment struct {
	Secret string
	URL    string
}

// BeginTOTP makes a new secret for the officer, kept pending until
// ConfirmTOTP sees a code made from it.
func (s *Officers) BeginTOTP(ctx context.Context, o *Officer) (*TOTPEnrollment, error) {
	if o.TOTPSecret != "" {
		return nil, Errorf(ESTATE, "动态口令已启用")
	}
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("TOTP secret: %w", err)
	}
	o.TOTPPending = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	if err := s.Store.UpdateOfficer(ctx, o); err != nil {
		return nil, err
	}
	return s.PendingTOTP(o), nil
}

// PendingTOTP returns the enrollment BeginTOTP started, to show it again;
// nil when none is pending.
func (s *Officers) PendingTOTP(o *Officer) *TOTPEnrollment {
	if o.TOTPPending == "" || o.TOTPSecret != "" {
		return nil
	}
	issuer := s.Institution.Name
	if issuer == "" {
		issuer = "保函系统"
	}
	q := url.Values{"secret": {o.TOTPPending}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + o.Username, RawQuery: q.Encode()}
	return &TOTPEnrollment{Secret: o.TOTPPending, URL: u.String()}
}

// ConfirmTOTP turns the second factor on when code comes from the pending
// secret.
func (s *Officers) ConfirmTOTP(ctx context.Context, o *Officer, code string) error {
	if o.TOTPPending == "" {
		return Errorf(ESTATE, "请先生成动态口令密钥")
	}
	step, ok := totpStep(strings.TrimSpace(code), o.TOTPPending, s.now())
	if !ok {
		return Errorf(EINVALID, "动态口令错误：请输入验证器当前显示的 6 位数字")
	}
	o.TOTPSecret, o.TOTPPending = o.TOTPPending, ""
	return s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.UpdateOfficer(ctx, o); err != nil {
			return err
		}
		// The code that confirmed the secret does not open a session too.
		if _, err := s.Store.UseTOTPStep(ctx, o.ID, step); err != nil {
			return err
		}
		o.TOTPLastStep = max(o.TOTPLastStep, step)
		return s.audit(ctx, nil, o.Actor(), "totp_enable", "启用动态口令")
	})
}

// DisableTOTP turns the officer's second factor off after checking the
// password.
func (s *Officers) DisableTOTP(ctx context.Context, o *Officer, password string) error {
	if o.TOTPSecret == "" {
		return Errorf(ESTATE, "动态口令未启用")
	}
	if bcrypt.CompareHashAndPassword([]byte(o.PasswordHash), []byte(password)) != nil {
		return Errorf(EINVALID, "当前密码错误")
	}
	o.TOTPSecret, o.TOTPPending = "", ""
	return s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.UpdateOfficer(ctx, o); err != nil {
			return err
		}
		return s.audit(ctx, nil, o.Actor(), "totp_disable", "关闭动态口令")
	})
}
