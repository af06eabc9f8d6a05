package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestBackoff(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	b := &service.Backoff{Free: 2, First: time.Second, Max: 8 * time.Second, Forget: time.Hour}
	now := t0
	// Each failure once the wait has run out: 0, 0, then 1 s doubling to 8 s.
	for i, want := range []time.Duration{0, 0, 1, 2, 4, 8, 8} {
		if got := b.Wait("k", now); got != 0 {
			t.Fatalf("before failure %d: wait %s, want none", i+1, got)
		}
		if got := b.Fail("k", now); got != want*time.Second {
			t.Fatalf("failure %d: wait %s, want %s", i+1, got, want*time.Second)
		}
		if want > 0 {
			if got := b.Wait("k", now.Add(want*time.Second/2)); got != want*time.Second/2 {
				t.Fatalf("halfway through wait %d: %s left, want %s", i+1, got, want*time.Second/2)
			}
			if got := b.Until("k", now); !got.Equal(now.Add(want * time.Second)) {
				t.Fatalf("Until: %s, want %s", got, now.Add(want*time.Second))
			}
		}
		now = now.Add(want * time.Second)
	}
	if b.Wait("other", now) != 0 || !b.Until("other", now).IsZero() {
		t.Error("another key waits")
	}
	// An hour without failures: the count starts again.
	now = now.Add(time.Hour + 9*time.Second)
	if got := b.Fail("k", now); got != 0 {
		t.Errorf("after an hour of quiet: wait %s, want none", got)
	}
	b.Fail("k", now)
	b.Fail("k", now)
	b.Reset("k")
	if got := b.Fail("k", now); got != 0 {
		t.Errorf("after Reset: wait %s, want none", got)
	}
	for _, key := range []string{"a\x001", "a\x002", "ab\x001"} {
		for range 3 {
			b.Fail(key, now)
		}
	}
	b.ResetPrefix("a\x00")
	if b.Wait("a\x001", now) != 0 || b.Wait("a\x002", now) != 0 || b.Wait("ab\x001", now) == 0 {
		t.Error("ResetPrefix cleared the wrong keys")
	}
}

// TestBackoffBounded: a flood of made-up keys keeps memory bounded and the
// keys being throttled now keep their waits as long as there is room.
func TestBackoffBounded(t *testing.T) {
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	b := &service.Backoff{Free: 0, First: time.Minute, Max: time.Minute, Forget: time.Hour, MaxKeys: 100}
	for i := range 10_000 {
		b.Fail(fmt.Sprint("name", i), now)
	}
	waiting := 0
	for i := range 10_000 {
		if b.Wait(fmt.Sprint("name", i), now) > 0 {
			waiting++
		}
	}
	if waiting > 100 || waiting < 50 {
		t.Errorf("%d keys remembered, want at most MaxKeys (100) and most of them", waiting)
	}
}

// loginEnv is the service on SQLite alone: the throttling lives in memory,
// and every real password check costs a bcrypt comparison.
func loginEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, store: storetest.SQLite(t), clock: servicetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)), ctx: context.Background()}
	e.svc = service.New(service.Config{Store: e.store, Renderer: &servicetest.Letters{}, Now: e.clock.Now,
		Institution: service.Institution{Name: "测试银行股份有限公司", Kind: service.KindBank, Code: "TB"}, Underwriting: service.DefaultUnderwriting()})
	return e
}

// answer is what a login attempt shows: its code and message.
func answer(err error) string {
	if err == nil {
		return "logged in"
	}
	return service.ErrorCode(err) + ": " + service.ErrorMessage(err)
}

// TestLoginAnswersTellNothing: issue 11's finding 6. An account whose
// logins are held up ("locked") answers exactly like a name no account has,
// attempt by attempt, and so does a disabled account given its right
// password.
func TestLoginAnswersTellNothing(t *testing.T) {
	e := loginEnv(t)
	e.mustOfficer("zhangsan", service.RoleMaker)
	lisi := e.mustOfficer("lisi", service.RoleChecker)
	if _, err := e.svc.Officers.UpdateOfficer(e.ctx, service.SystemActor(), lisi.ID, service.OfficerChange{Role: service.RoleChecker, Disabled: true}); err != nil {
		t.Fatal(err)
	}
	t0 := e.clock.Now()
	// The same attempts for each name: from one address (four failures, then
	// the wait of 1 s), an attempt during the wait, more after it; then from
	// one new address after another until the name is held up everywhere.
	type step struct {
		after time.Duration
		ip    string
	}
	steps := []step{{0, "10.0.0.1"}, {0, "10.0.0.1"}, {0, "10.0.0.1"}, {0, "10.0.0.1"}, {0, "10.0.0.1"},
		{time.Second, "10.0.0.1"}, {0, "10.0.0.1"}}
	for i := range 6 {
		steps = append(steps, step{0, fmt.Sprint("10.0.1.", i)})
	}
	steps = append(steps, step{0, "10.0.2.1"}, step{500 * time.Millisecond, "10.0.2.2"})

	run := func(name string, password func(i int) string) []string {
		e.clock.Set(t0)
		var out []string
		for i, st := range steps {
			if name == "lisi" && i == 5 { // enough to see it answer alike; each attempt costs a bcrypt
				break
			}
			e.clock.Advance(st.after)
			_, err := e.loginFrom(name, password(i), st.ip)
			out = append(out, answer(err))
		}
		return out
	}
	unknown := run("nobody", func(int) string { return testPassword })
	// zhangsan types wrong passwords, and the right one whenever the
	// unknown name was being held up: that is when the account is "locked".
	real := run("zhangsan", func(i int) string {
		if strings.Contains(unknown[i], "次数过多") {
			return testPassword
		}
		return "wrong-password-1"
	})
	disabled := run("lisi", func(int) string { return testPassword })

	held := 0
	for i := range steps {
		if real[i] != unknown[i] {
			t.Errorf("attempt %d: zhangsan %q, unknown name %q: want one answer", i+1, real[i], unknown[i])
		}
		if i < len(disabled) && disabled[i] != unknown[i] {
			t.Errorf("attempt %d: disabled lisi with the right password %q, unknown name %q: want one answer", i+1, disabled[i], unknown[i])
		}
		if strings.Contains(unknown[i], "次数过多") {
			held++
		}
	}
	if held < 3 {
		t.Fatalf("only %d attempts were held up: the sequence does not reach the lock\n%q", held, unknown)
	}
	for i, want := range map[int]string{0: "forbidden: 用户名或密码错误", 3: "forbidden: 用户名或密码错误：请 1 秒后再试",
		4: "forbidden: 用户名或密码错误次数过多：请 1 秒后再试", 5: "forbidden: 用户名或密码错误：请 2 秒后再试",
		13: "forbidden: 用户名或密码错误次数过多：请 1 秒后再试"} {
		if unknown[i] != want {
			t.Errorf("attempt %d: %q, want %q", i+1, unknown[i], want)
		}
	}

	// The wait over, the account's own officer gets in.
	e.clock.Advance(5 * time.Minute)
	if _, err := e.loginFrom("zhangsan", testPassword, "10.0.3.1"); err != nil {
		t.Errorf("after the waits: %v", err)
	}
}

// TestLoginRightUserWhileHammered: a guesser hammering one account (and
// another name) from one address for half a minute holds up that address
// only; the account's officer at another address logs in.
func TestLoginRightUserWhileHammered(t *testing.T) {
	e := loginEnv(t)
	e.mustOfficer("zhangsan", service.RoleMaker)
	const attacker = "203.0.113.9"
	refused := 0
	for i := range 300 {
		e.clock.Advance(100 * time.Millisecond)
		name := "zhangsan"
		if i%5 == 4 {
			name = "admin"
		}
		_, err := e.loginFrom(name, fmt.Sprint("guess-", i), attacker)
		if err == nil {
			t.Fatal("a guess got in")
		}
		if strings.Contains(service.ErrorMessage(err), "次数过多") {
			refused++
		}
	}
	if refused < 270 {
		t.Errorf("only %d of 300 guesses were held up", refused)
	}
	if _, err := e.loginFrom("zhangsan", testPassword, attacker); err == nil || !strings.Contains(service.ErrorMessage(err), "次数过多") {
		t.Errorf("the right password from the guesser's address: %v, want it held up", err)
	}
	if _, err := e.loginFrom("zhangsan", testPassword, "198.51.100.7"); err != nil {
		t.Errorf("the officer at another address: %v", err)
	}
}
