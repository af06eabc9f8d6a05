package service_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/baohangateway/baohan/service"
)

const testPassword = "Passw0rd-2026"

// mustOfficer creates an account as the command line does.
func (e *env) mustOfficer(username, role string) *service.Officer {
	e.t.Helper()
	o, err := e.svc.Officers.CreateOfficer(e.ctx, service.SystemActor(), service.NewOfficer{Username: username, Role: role, Password: testPassword})
	if err != nil {
		e.t.Fatalf("create officer %s: %v", username, err)
	}
	return o
}

func (e *env) login(username, password, code string) (*service.Login, error) {
	return e.svc.Officers.Login(e.ctx, service.LoginInput{Username: username, Password: password, TOTPCode: code, IP: "10.0.0.1", UserAgent: "test"})
}

func (e *env) loginFrom(username, password, ip string) (*service.Login, error) {
	return e.svc.Officers.Login(e.ctx, service.LoginInput{Username: username, Password: password, IP: ip, UserAgent: "test"})
}

func TestLoginLockAndSessions(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		o := e.mustOfficer("zhangsan", service.RoleMaker)
		if o.MustChangePassword {
			t.Error("an account made on the command line must not ask for a new password")
		}
		for _, tc := range []struct{ user, pass, want string }{
			{"", "x", "请输入用户名"},
			{"zhangsan", "", "请输入密码"},
			{"nobody", testPassword, "用户名或密码错误"},
			{"zhangsan", "wrong-password-1", "用户名或密码错误"},
		} {
			_, err := e.login(tc.user, tc.pass, "")
			if err == nil || service.ErrorMessage(err) != tc.want {
				t.Errorf("login %q/%q: got %v, want %q", tc.user, tc.pass, err, tc.want)
			}
		}
		l, err := e.login("ZhangSan", testPassword, "")
		if err != nil {
			t.Fatalf("login in another case: %v", err)
		}
		if l.Token == "" || l.Session.TokenHash == l.Token || len(l.Session.TokenHash) != 64 {
			t.Fatalf("session: token %q hash %q", l.Token, l.Session.TokenHash)
		}
		got, _, err := e.svc.Officers.Authenticate(e.ctx, l.Token)
		if err != nil || got.Username != "zhangsan" || got.FailedLogins != 0 {
			t.Fatalf("Authenticate: %+v, %v", got, err)
		}
		if _, _, err := e.svc.Officers.Authenticate(e.ctx, l.Token+"x"); service.ErrorCode(err) != service.ENOTFOUND {
			t.Errorf("a wrong token: got %v, want ENOTFOUND", err)
		}

		// Idle for longer than SessionIdle: the session has ended.
		e.clock.Advance(31 * time.Minute)
		if _, _, err := e.svc.Officers.Authenticate(e.ctx, l.Token); service.ErrorCode(err) != service.ENOTFOUND {
			t.Errorf("idle session: got %v, want ENOTFOUND", err)
		}

		// Wrong passwords from one address: the fourth in a row starts a
		// wait of 1 s, which doubles with each further one; an attempt
		// during a wait is answered without looking at the password, even
		// the right one. Another address is not held up.
		for i, want := range []string{"用户名或密码错误", "用户名或密码错误", "用户名或密码错误", "用户名或密码错误：请 1 秒后再试"} {
			if _, err := e.login("zhangsan", "wrong-password-1", ""); service.ErrorMessage(err) != want {
				t.Fatalf("failure %d: got %v, want %q", i+1, err, want)
			}
		}
		if _, err := e.login("zhangsan", testPassword, ""); service.ErrorMessage(err) != "用户名或密码错误次数过多：请 1 秒后再试" {
			t.Fatalf("the right password during the wait: got %v", err)
		}
		if _, err := e.loginFrom("zhangsan", testPassword, "10.0.0.2"); err != nil {
			t.Fatalf("the right password from another address: %v", err)
		}
		e.clock.Advance(time.Second)
		if _, err := e.login("zhangsan", "wrong-password-1", ""); service.ErrorMessage(err) != "用户名或密码错误：请 2 秒后再试" {
			t.Fatalf("after the wait, wrong again: got %v, want a wait of 2 s", err)
		}
		e.clock.Advance(2 * time.Second)
		l, err = e.login("zhangsan", testPassword, "")
		if err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		events, _, _ := e.store.FindAudit(e.ctx, service.AuditFilter{Action: "login_failed"})
		if len(events) != 7 {
			t.Errorf("audited login failures: got %d, want 7: two in the table, five here (a refusal during a wait is not a failure)", len(events))
		}

		// Changing the password checks the rules and ends other sessions.
		other, err := e.login("zhangsan", testPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ cur, next, confirm, want string }{
			{"bad", "NewPassw0rd1", "NewPassw0rd1", "当前密码错误"},
			{testPassword, "NewPassw0rd1", "NewPassw0rd2", "两次输入的新密码不一致"},
			{testPassword, "short1", "short1", "长度"},
			{testPassword, "onlyletterspassword", "onlyletterspassword", "字母和数字"},
			{testPassword, "zhangsan12345", "zhangsan12345", "用户名"},
		} {
			err := e.svc.Officers.ChangePassword(e.ctx, l.Officer, l.Session, tc.cur, tc.next, tc.confirm)
			if err == nil || !strings.Contains(service.ErrorMessage(err), tc.want) {
				t.Errorf("change %q→%q: got %v, want %q", tc.cur, tc.next, err, tc.want)
			}
		}
		if err := e.svc.Officers.ChangePassword(e.ctx, l.Officer, l.Session, testPassword, "NewPassw0rd1", "NewPassw0rd1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Officers.Authenticate(e.ctx, other.Token); err == nil {
			t.Error("another session survived the password change")
		}
		if _, _, err := e.svc.Officers.Authenticate(e.ctx, l.Token); err != nil {
			t.Errorf("the session that changed the password: %v", err)
		}
		if _, err := e.login("zhangsan", "NewPassw0rd1", ""); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
	})
}

func TestTOTP(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		e.mustOfficer("lisi", service.RoleChecker)
		l, err := e.login("lisi", testPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		enr, err := e.svc.Officers.BeginTOTP(e.ctx, l.Officer)
		if err != nil || !strings.HasPrefix(enr.URL, "otpauth://totp/") || !strings.Contains(enr.URL, "secret="+enr.Secret) {
			t.Fatalf("BeginTOTP: %+v, %v", enr, err)
		}
		if again := e.svc.Officers.PendingTOTP(l.Officer); again == nil || again.Secret != enr.Secret {
			t.Fatalf("PendingTOTP: %+v", again)
		}
		wantCode(t, e.svc.Officers.ConfirmTOTP(e.ctx, l.Officer, "000000"), service.EINVALID)
		code, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
		if err := e.svc.Officers.ConfirmTOTP(e.ctx, l.Officer, code); err != nil {
			t.Fatal(err)
		}
		_, err = e.login("lisi", testPassword, "")
		if err == nil || !strings.Contains(service.ErrorMessage(err), "动态口令") {
			t.Fatalf("login without a code: %v", err)
		}
		_, err = e.login("lisi", testPassword, "123456")
		wantCode(t, err, service.EFORBIDDEN)

		// A code is taken once (RFC 6238 §5.2): not the one that confirmed
		// the secret, not one that opened a session, nor an earlier one.
		used := func(code string) {
			t.Helper()
			_, err := e.login("lisi", testPassword, code)
			if service.ErrorCode(err) != service.EFORBIDDEN || !strings.Contains(service.ErrorMessage(err), "已使用过") {
				t.Errorf("login with the used code %s: %v, want EFORBIDDEN 已使用过", code, err)
			}
		}
		used(code)
		e.clock.Advance(30 * time.Second)
		code2, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
		if _, err := e.login("lisi", testPassword, code2); err != nil {
			t.Fatalf("login with the next code: %v", err)
		}
		used(code2)
		ahead, _ := totp.GenerateCode(enr.Secret, e.clock.Now().Add(30*time.Second)) // a phone's clock a little ahead
		if _, err := e.login("lisi", testPassword, ahead); err != nil {
			t.Fatalf("login with the code of the next step: %v", err)
		}
		e.clock.Advance(30 * time.Second)
		used(ahead)
		audit, _, _ := e.store.FindAudit(e.ctx, service.AuditFilter{Action: "login_failed"})
		if n := len(audit); n < 3 || !strings.Contains(audit[0].Detail, "动态口令已使用过") {
			t.Errorf("refused replays in the audit trail: %d, latest %+v", n, audit[0])
		}

		// Two logins with one fresh code at once: one session.
		e.clock.Advance(30 * time.Second)
		code3, _ := totp.GenerateCode(enr.Secret, e.clock.Now())
		var wg sync.WaitGroup
		var ok, refused atomic.Int32
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.login("lisi", testPassword, code3)
				switch {
				case err == nil:
					ok.Add(1)
				case strings.Contains(service.ErrorMessage(err), "已使用过"):
					refused.Add(1)
				default:
					t.Errorf("concurrent login: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || refused.Load() != 3 {
			t.Errorf("4 logins with one code at once: %d sessions, %d refused; want 1 and 3", ok.Load(), refused.Load())
		}
		// An administrator turns it off for a lost phone.
		admin := e.mustOfficer("admin1", service.RoleAdmin)
		if _, err := e.svc.Officers.UpdateOfficer(e.ctx, admin.Actor(), l.Officer.ID, service.OfficerChange{Role: service.RoleChecker, ResetTOTP: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.login("lisi", testPassword, ""); err != nil {
			t.Fatalf("login after the reset: %v", err)
		}
	})
}

func TestOfficerAdministration(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		user, password, err := e.svc.Officers.EnsureFirstAdmin(e.ctx)
		if err != nil || user != "admin" || len(password) != 16 {
			t.Fatalf("EnsureFirstAdmin: %q %q %v", user, password, err)
		}
		if u, p, err := e.svc.Officers.EnsureFirstAdmin(e.ctx); err != nil || u != "" || p != "" {
			t.Fatalf("EnsureFirstAdmin again: %q %q %v, want nothing made", u, p, err)
		}
		l, err := e.login("admin", password, "")
		if err != nil || !l.Officer.MustChangePassword {
			t.Fatalf("first login: %+v, %v", l, err)
		}
		admin := l.Officer.Actor()
		maker := e.mustOfficer("zhangsan", service.RoleMaker)

		_, err = e.svc.Officers.CreateOfficer(e.ctx, maker.Actor(), service.NewOfficer{Username: "x1", Role: service.RoleMaker, Password: testPassword})
		wantCode(t, err, service.EFORBIDDEN)
		_, err = e.svc.Officers.CreateOfficer(e.ctx, admin, service.NewOfficer{Username: "ZHANGSAN", Role: service.RoleMaker, Password: testPassword})
		wantCode(t, err, service.ECONFLICT)
		_, err = e.svc.Officers.CreateOfficer(e.ctx, admin, service.NewOfficer{Username: "bad name", Role: service.RoleMaker, Password: testPassword})
		wantCode(t, err, service.EINVALID)
		_, err = e.svc.Officers.CreateOfficer(e.ctx, admin, service.NewOfficer{Username: "wangwu", Role: "boss", Password: testPassword})
		wantCode(t, err, service.EINVALID)
		w, err := e.svc.Officers.CreateOfficer(e.ctx, admin, service.NewOfficer{Username: "wangwu", DisplayName: "王五", Role: service.RoleChecker, Password: testPassword})
		if err != nil || !w.MustChangePassword {
			t.Fatalf("create by an administrator: %+v, %v", w, err)
		}

		_, err = e.svc.Officers.UpdateOfficer(e.ctx, admin, l.Officer.ID, service.OfficerChange{Role: service.RoleMaker})
		wantCode(t, err, service.EFORBIDDEN)
		_, err = e.svc.Officers.UpdateOfficer(e.ctx, admin, l.Officer.ID, service.OfficerChange{Role: service.RoleAdmin, Disabled: true})
		wantCode(t, err, service.EFORBIDDEN)

		ml, err := e.login("zhangsan", testPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Officers.UpdateOfficer(e.ctx, admin, maker.ID, service.OfficerChange{Role: service.RoleMaker, Disabled: true}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Officers.Authenticate(e.ctx, ml.Token); err == nil {
			t.Error("a disabled officer's session goes on")
		}
		if _, err := e.login("zhangsan", testPassword, ""); service.ErrorMessage(err) != "用户名或密码错误" {
			t.Errorf("login of a disabled officer: got %v, want the answer to a wrong password", err)
		}
		if _, err := e.svc.Officers.UpdateOfficer(e.ctx, admin, maker.ID, service.OfficerChange{Role: service.RoleChecker, Password: "TempPassw0rd9"}); err != nil {
			t.Fatal(err)
		}
		ml, err = e.login("zhangsan", "TempPassw0rd9", "")
		if err != nil || !ml.Officer.MustChangePassword || ml.Officer.Role != service.RoleChecker {
			t.Fatalf("after the reset: %+v, %v", ml, err)
		}
		list, err := e.svc.Officers.ListOfficers(e.ctx, admin)
		if err != nil || len(list) != 3 {
			t.Fatalf("ListOfficers: %d, %v", len(list), err)
		}
		_, err = e.svc.Officers.ListOfficers(e.ctx, ml.Officer.Actor())
		wantCode(t, err, service.EFORBIDDEN)
	})
}
