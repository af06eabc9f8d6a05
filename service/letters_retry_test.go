package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// letterService is a service on st rendering with letters, on the clock now
// (nil: time.Now), logging into logs, whose one letter worker polls every
// poll until the test ends.
func letterService(t *testing.T, st service.Store, letters service.LetterRenderer, now func() time.Time, logs io.Writer, poll time.Duration) *service.Service {
	t.Helper()
	svc := service.New(service.Config{
		Store: st, Renderer: letters, Now: now, Log: slog.New(slog.NewTextHandler(logs, nil)),
		Institution:  service.Institution{Name: "测试银行股份有限公司", Kind: service.KindBank, Code: "TB"},
		Underwriting: service.DefaultUnderwriting(),
		Platforms:    []service.PlatformInfo{{AppKey: appkey, Name: "测试平台"}},
		PublicURL:    "https://baohan.example.com",
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		svc.Letters.RunLetterWorkers(ctx, 1, poll)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return svc
}

// waitFor polls the application until cond holds; the deadline only ends a
// broken run.
func waitFor(t *testing.T, st service.Store, id int64, what string, cond func(a *service.Application) bool) *service.Application {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		a, err := st.GetApplication(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(a) {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened; application %+v", what, a)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLetterRetryBackoff: a letter that fails is tried again on its own
// schedule (5 s, then 15 s, …), one log line per attempt, while a letter
// restored after it goes out at once; an officer's retry needs a checker,
// puts it back at once with the schedule from the start, and the audit
// trail tells the story.
func TestLetterRetryBackoff(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		clk := servicetest.NewClock(time.Date(2026, 11, 28, 1, 30, 0, 0, time.UTC))
		letters := &servicetest.Letters{}
		logs := &servicetest.Log{}
		svc := letterService(t, st, letters, clk.Now, logs, 5*time.Millisecond)
		ctx := t.Context()

		bad := approveWith(t, svc, "TBaoHanFLAKY0001")
		good := approveWith(t, svc, "TBaoHanGOOD00001")
		letters.Fail(bad.ApplyNo, errors.New("signing device timed out"))
		if err := svc.Guarantees.Restore(ctx, restoreReq(bad)); err != nil {
			t.Fatal(err)
		}
		start := clk.Now()
		a := waitFor(t, st, bad.ID, "first failure recorded", func(a *service.Application) bool { return a.PlainAttempts == 1 })
		if !a.PlainNextAt.Equal(start.Add(5*time.Second)) || a.PlainError != "系统内部错误（详见日志），将自动重试" || !a.LetterFailed() {
			t.Errorf("after one failure: next %v (want +5s), error %q", a.PlainNextAt, a.PlainError)
		}

		// Behind it, another letter goes out at once.
		if err := svc.Guarantees.Restore(ctx, restoreReq(good)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, st, good.ID, "the letter behind the failing one", func(a *service.Application) bool { return !a.PlainPending })
		if n := letters.Tries(bad.ApplyNo); n != 1 {
			t.Errorf("the failing letter was tried %d times before it was due, want 1", n)
		}

		// Due: tried again, then 15 s.
		clk.Advance(5 * time.Second)
		a = waitFor(t, st, bad.ID, "second failure", func(a *service.Application) bool { return a.PlainAttempts == 2 })
		if want := start.Add(20 * time.Second); !a.PlainNextAt.Equal(want) {
			t.Errorf("after two failures: next %v, want %v", a.PlainNextAt, want)
		}
		// The line is written once the attempt is recorded: wait for it.
		for deadline := time.Now().Add(10 * time.Second); strings.Count(logs.String(), "plaintext letter failed") < 2 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		if n := strings.Count(logs.String(), "plaintext letter failed"); n != 2 {
			t.Errorf("%d log lines for two failed attempts, want 2:\n%s", n, logs.String())
		}

		// An officer's retry: a maker proposes, the maker cannot confirm, a
		// checker does; the letter goes out at once.
		if _, err := svc.Proposals.ProposeRetryLetter(ctx, officerMaker, good.ID, ""); service.ErrorCode(err) != service.ESTATE {
			t.Errorf("retry of a letter that was made: %v, want ESTATE", err)
		}
		p, err := svc.Proposals.ProposeRetryLetter(ctx, officerMaker, bad.ID, "签名设备已恢复")
		if err != nil {
			t.Fatal(err)
		}
		if p.Action != service.ActionRetryLetter || !strings.Contains(p.Summary(), "系统内部错误") {
			t.Errorf("proposal %+v, summary %q", p, p.Summary())
		}
		if _, err := svc.Proposals.ConfirmProposal(ctx, service.Actor{Kind: service.ActorOfficer, Name: officerMaker.Name, Role: service.RoleChecker}, p.ID, ""); service.ErrorCode(err) != service.EFORBIDDEN {
			t.Errorf("the proposer confirmed own retry: %v", err)
		}
		letters.Fail(bad.ApplyNo, nil)
		if _, err := svc.Proposals.ConfirmProposal(ctx, officerChecker, p.ID, ""); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		waitFor(t, st, bad.ID, "the retried letter", func(a *service.Application) bool { return !a.PlainPending })

		events, _, err := st.FindAudit(ctx, service.AuditFilter{ApplicationID: bad.ID})
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range events {
			trail = append(trail, e.Action+": "+e.Detail)
		}
		joined := strings.Join(trail, "\n")
		for _, want := range []string{"letter_retry: 重新生成明文保函，此前失败 2 次，最后错误：系统内部错误", "plain_letter: 生成明文保函", "proposal_confirm"} {
			if !strings.Contains(joined, want) {
				t.Errorf("audit lacks %q:\n%s", want, joined)
			}
		}
		if _, err := svc.Proposals.ProposeRetryLetter(ctx, officerMaker, bad.ID, ""); service.ErrorCode(err) != service.ESTATE {
			t.Errorf("retry after the letter was made: %v, want ESTATE", err)
		}
	})
}

// deferFailing is a store that cannot record a failed letter.
type deferFailing struct{ service.Store }

func (deferFailing) DeferPlainLetter(context.Context, int64, int, time.Time, string) (bool, error) {
	return false, errors.New("database is read-only")
}

// TestLetterFailureUnrecordedHeldBack: when even the failure cannot be
// recorded, the workers hold the letter back themselves instead of taking
// it again at once (the loop that filled the disk with log lines).
func TestLetterFailureUnrecordedHeldBack(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		letters := &servicetest.Letters{}
		logs := &servicetest.Log{}
		svc := letterService(t, deferFailing{st}, letters, nil, logs, time.Millisecond)
		ctx := t.Context()

		bad := approveWith(t, svc, "TBaoHanUNREC0001")
		letters.Fail(bad.ApplyNo, errors.New("render failed"))
		if err := svc.Guarantees.Restore(ctx, restoreReq(bad)); err != nil {
			t.Fatal(err)
		}
		// Eight letters after it, each its own wake and poll rounds.
		for i := range 8 {
			good := approveWith(t, svc, "TBaoHanUNRECOK"+string(rune('A'+i)))
			if err := svc.Guarantees.Restore(ctx, restoreReq(good)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, st, good.ID, "a letter behind the unrecorded failure", func(a *service.Application) bool { return !a.PlainPending })
		}
		if n := letters.Tries(bad.ApplyNo); n != 1 {
			t.Errorf("the failing letter was tried %d times within its first backoff step, want 1", n)
		}
		if n := strings.Count(logs.String(), "\n"); n != 1 {
			t.Errorf("%d log lines, want 1:\n%s", n, logs.String())
		}
	})
}

// TestLetterPanicIsAFailedAttempt: a panic while one letter is made is a
// failed attempt of that letter (recorded, logged once with its stack,
// retried later), not a crash of the workers: the letters after it go out.
func TestLetterPanicIsAFailedAttempt(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		logs := &servicetest.Log{}
		letters := &servicetest.Letters{}
		letters.Panic("TBaoHanPANIC0001")
		svc := letterService(t, st, letters, nil, logs, 5*time.Millisecond)
		ctx := t.Context()

		bad := approveWith(t, svc, "TBaoHanPANIC0001")
		good := approveWith(t, svc, "TBaoHanPANICOK01")
		for _, a := range []*service.Application{bad, good} {
			if err := svc.Guarantees.Restore(ctx, restoreReq(a)); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, st, good.ID, "the letter after the panic", func(a *service.Application) bool { return !a.PlainPending })
		a := waitFor(t, st, bad.ID, "the panic recorded", func(a *service.Application) bool { return a.LetterFailed() })
		if a.PlainAttempts != 1 || !strings.Contains(a.PlainError, "系统内部错误") {
			t.Errorf("after the panic: attempts %d, error %q", a.PlainAttempts, a.PlainError)
		}
		log := logs.String()
		if strings.Count(log, "\n") != 1 || !strings.Contains(log, "stack=") || !strings.Contains(log, "panic") {
			t.Errorf("want one log line with the panic and its stack:\n%s", log)
		}
	})
}
