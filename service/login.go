package service

import (
	"context"
	"fmt"
	"github.com/baohangateway/baohan/internal/text"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// timingHash is a bcrypt hash of nothing anyone types: a login for an
// unknown user name is checked against it, so that it takes as long as one
// with a wrong password and does not tell which names exist.
const timingHash = "$2a$12$mdj44IchMrKf90R0UkwWPuwc5IoK9Jt1ptHDYgqYMzUEAxmWVE5oO"

// errLoginFailed is the one answer to a wrong user name or password, an
// unknown, disabled or throttled account; wait, when not 0, is how long the
// next attempt must wait.
func errLoginFailed(wait time.Duration) error {
	if wait > 0 {
		return Errorf(EFORBIDDEN, "用户名或密码错误：请 %s后再试", WaitText(wait))
	}
	return Errorf(EFORBIDDEN, "用户名或密码错误")
}

// errLoginWait refuses an attempt made before the wait of earlier failures
// with the same user name has run out; the password is not looked at.
func errLoginWait(wait time.Duration) error {
	return Errorf(EFORBIDDEN, "用户名或密码错误次数过多：请 %s后再试", WaitText(wait))
}

// LoginInput is the login form and where it came from.
type LoginInput struct {
	Username  string
	Password  string
	TOTPCode  string // when the officer has the second factor on
	IP        string
	UserAgent string
}

// Login is a successful login: the session and the token for the cookie,
// which exists nowhere else.
type Login struct {
	Officer *Officer
	Session *Session
	Token   string
}

// Login checks a user name, password and (when enabled) TOTP code and opens
// a session. A wrong password, an unknown user name and a disabled account
// get one answer, after the same work (a bcrypt comparison), so that
// nothing tells which names exist or which passwords are right. Failures
// are throttled by user name, per client address and over all addresses,
// with growing waits (loginGuard): an attempt made during a wait is
// answered at once without looking at the password, the same for every
// name. Attempts are audited.
func (s *Officers) Login(ctx context.Context, in LoginInput) (*Login, error) {
	in.Username = strings.TrimSpace(in.Username)
	switch {
	case in.Username == "":
		return nil, Errorf(EINVALID, "请输入用户名")
	case in.Password == "":
		return nil, Errorf(EINVALID, "请输入密码")
	case len(in.Username) > 64 || len(in.Password) > 200:
		return nil, errLoginFailed(0)
	}
	now := s.now()
	name := loginName(in.Username)
	if wait := s.logins.wait(name, in.IP, now); wait > 0 {
		return nil, errLoginWait(wait)
	}
	fail := func(actor Actor, why string, answer func(wait time.Duration) error) (*Login, error) {
		wait := s.logins.fail(name, in.IP, now)
		if wait > 0 {
			why += "；须等待 " + WaitText(wait) + "再试"
		}
		s.auditLogin(ctx, actor, "login_failed", why+"，来源 "+in.IP)
		return nil, answer(wait)
	}
	o, err := s.Store.GetOfficerByUsername(ctx, in.Username)
	if ErrorCode(err) == ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword([]byte(timingHash), []byte(in.Password))
		return fail(Actor{Kind: ActorOfficer, Name: in.Username}, "用户名不存在", errLoginFailed)
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(o.PasswordHash), []byte(in.Password)) != nil {
		return fail(o.Actor(), "密码错误", errLoginFailed)
	}
	if o.Disabled {
		return fail(o.Actor(), "账户已停用", errLoginFailed)
	}
	if o.TOTPSecret != "" {
		// The password was right: from here the answers may say so.
		code := strings.TrimSpace(in.TOTPCode)
		if code == "" {
			return nil, Errorf(EINVALID, "该账户已启用动态口令：请输入验证器显示的 6 位动态口令")
		}
		step, ok := totpStep(code, o.TOTPSecret, now)
		if !ok {
			return fail(o.Actor(), "动态口令错误", func(time.Duration) error {
				return Errorf(EFORBIDDEN, "动态口令错误或已过期：请输入验证器当前显示的 6 位数字")
			})
		}
		if step <= o.TOTPLastStep {
			return fail(o.Actor(), "动态口令已使用过", func(time.Duration) error { return errTOTPUsed() })
		}
		o.TOTPLastStep = step
	}
	o.FailedLogins, o.LockedUntil, o.LastLoginAt = 0, time.Time{}, now
	token := randomToken(32)
	sess := &Session{TokenHash: hashToken(token), OfficerID: o.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.SessionMax), IP: text.Fit(in.IP, 64), UserAgent: text.Fit(in.UserAgent, 255)}
	replayed := false
	err = s.Store.WithTx(ctx, func(ctx context.Context) error {
		if o.TOTPSecret != "" {
			// Of two logins with one code at once, the second finds the
			// step taken here.
			fresh, err := s.Store.UseTOTPStep(ctx, o.ID, o.TOTPLastStep)
			if err != nil {
				return err
			}
			if !fresh {
				replayed = true
				return errTOTPUsed()
			}
		}
		if err := s.Store.UpdateOfficer(ctx, o); err != nil {
			return err
		}
		if err := s.Store.CreateSession(ctx, sess); err != nil {
			return err
		}
		return s.audit(ctx, nil, o.Actor(), "login", "登录，来源 "+in.IP)
	})
	if replayed {
		s.logins.fail(name, in.IP, now)
		s.auditLogin(ctx, o.Actor(), "login_failed", "动态口令已使用过（同时登录），来源 "+in.IP)
	}
	if err != nil {
		return nil, err
	}
	s.logins.succeed(name, in.IP)
	return &Login{Officer: o, Session: sess, Token: token}, nil
}

// errTOTPUsed refuses a dynamic password that was accepted before.
func errTOTPUsed() error {
	return Errorf(EFORBIDDEN, "该动态口令已使用过：请等待验证器显示新的 6 位数字后再登录")
}

// auditLogin records a failed login; a failure to record it is logged, not
// shown: the officer's answer is the same either way.
func (s *Officers) auditLogin(ctx context.Context, actor Actor, action, detail string) {
	actor.Name = text.Fit(actor.Name, 64)
	if err := s.audit(ctx, nil, actor, action, detail); err != nil {
		s.Log.Error("audit login", "error", err)
	}
}

// loginGuard throttles console logins by user name: per name and client
// address (a guesser at one address is slowed down at once, and nobody
// else), and per name over all addresses (guessing spread over many
// addresses), with a higher allowance and a shorter longest wait so that
// the account's officer is held up by minutes at most. The counts go by the
// name typed, whether or not an account has it, so that the answers never
// tell which names exist.
type loginGuard struct {
	pair *Backoff // name + address
	name *Backoff // name, any address
}

func newLoginGuard() *loginGuard {
	return &loginGuard{
		pair: &Backoff{Free: 3, First: time.Second, Max: 15 * time.Minute, Forget: time.Hour},
		name: &Backoff{Free: 10, First: time.Second, Max: 5 * time.Minute, Forget: time.Hour},
	}
}

// loginName is the key of a user name: user names are matched without
// regard to case.
func loginName(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

func pairKey(name, ip string) string { return name + "\x00" + ip }

// wait is how long a login for name from ip must still wait.
func (g *loginGuard) wait(name, ip string, now time.Time) time.Duration {
	return max(g.pair.Wait(pairKey(name, ip), now), g.name.Wait(name, now))
}

// fail records a failed login and returns the wait it starts.
func (g *loginGuard) fail(name, ip string, now time.Time) time.Duration {
	return max(g.pair.Fail(pairKey(name, ip), now), g.name.Fail(name, now))
}

// succeed clears the counts of name from ip, and of name.
func (g *loginGuard) succeed(name, ip string) {
	g.pair.Reset(pairKey(name, ip))
	g.name.Reset(name)
}

// lift clears every count of name (an administrator set a new password).
func (g *loginGuard) lift(name string) {
	g.pair.ResetPrefix(name + "\x00")
	g.name.Reset(name)
}

// WaitText says a wait in words for an answer: "3 秒", "2 分钟" (rounded up).
func WaitText(d time.Duration) string {
	if d <= time.Minute {
		return fmt.Sprintf("%d 秒", max(1, int((d+time.Second-1)/time.Second)))
	}
	return fmt.Sprintf("%d 分钟", int((d+time.Minute-1)/time.Minute))
}
