package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// Answers of the fake platform.
var (
	answerRefused = func(context.Context, servicetest.Sent) (service.SendResult, error) {
		return service.SendResult{Outcome: service.SendRefused, HTTPStatus: 200, Code: "0", Message: "项目数据尚未同步", Duration: time.Millisecond}, nil
	}
	answerUnreachable = func(context.Context, servicetest.Sent) (service.SendResult, error) {
		return service.SendResult{Outcome: service.SendUnreachable}, errors.New("dial tcp 127.0.0.1:9: connect: connection refused")
	}
	answer503 = func(context.Context, servicetest.Sent) (service.SendResult, error) {
		return service.SendResult{Outcome: service.SendHTTPError, HTTPStatus: 503, Duration: time.Millisecond}, errors.New("HTTP 503")
	}
)

// dispatchEnv is a service on a real store with a dispatcher that sends
// through a fake sender, on a clock the test moves.
type dispatchEnv struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	svc    *service.Service
	clock  *servicetest.Clock
	sender *servicetest.Sender
	d      *service.Dispatcher
}

var t0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

func newDispatchEnv(t *testing.T, st *store.Store, cfg service.DispatcherConfig) *dispatchEnv {
	t.Helper()
	e := &dispatchEnv{t: t, ctx: context.Background(), st: st, clock: servicetest.NewClock(t0), sender: &servicetest.Sender{}}
	e.svc = newTestService(st, e.clock.Now)
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0.5 } // no jitter: the schedule exactly
	}
	if cfg.Owner == "" {
		cfg.Owner = "test-dispatcher"
	}
	e.d = e.svc.NewDispatcher(e.sender, cfg)
	return e
}

func newTestService(st service.Store, now func() time.Time) *service.Service {
	return service.New(service.Config{
		Store: st, Renderer: &servicetest.Letters{}, Now: now,
		Institution:  service.Institution{Name: "测试银行股份有限公司", Kind: service.KindBank, Code: "TB"},
		Underwriting: service.DefaultUnderwriting(),
		Platforms:    []service.PlatformInfo{{AppKey: appkey, Name: "测试平台"}},
		PublicURL:    "https://baohan.example.com",
	})
}

// approve applies and approves, queueing a baohannotice.
func (e *dispatchEnv) approve(applyNo string) *service.Application {
	e.t.Helper()
	return approveWith(e.t, e.svc, applyNo)
}

func approveWith(t *testing.T, svc *service.Service, applyNo string) *service.Application {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.Guarantees.Apply(ctx, applyReq(applyNo)); err != nil {
		t.Fatalf("apply %s: %v", applyNo, err)
	}
	a, err := svc.Views.FindApplication(ctx, appkey, applyNo)
	if err != nil {
		t.Fatal(err)
	}
	a, err = svc.Guarantees.Approve(ctx, officerChecker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
	if err != nil {
		t.Fatalf("approve %s: %v", applyNo, err)
	}
	return a
}

// restore restores an approved application and produces its plaintext
// letter, queueing a restorenotice after the baohannotice.
func restoreWith(t *testing.T, svc *service.Service, a *service.Application) {
	t.Helper()
	ctx := context.Background()
	if err := svc.Guarantees.Restore(ctx, restoreReq(a)); err != nil {
		t.Fatalf("restore %s: %v", a.ApplyNo, err)
	}
	if err := svc.Letters.ProducePlainLetter(ctx, a.ID); err != nil {
		t.Fatalf("plaintext letter of %s: %v", a.ApplyNo, err)
	}
}

// round runs one round of the dispatcher and returns how many notices it
// claimed.
func (e *dispatchEnv) round() int {
	e.t.Helper()
	n, err := e.d.DeliverDue(e.ctx)
	if err != nil {
		e.t.Fatalf("deliver due: %v", err)
	}
	return n
}

func (e *dispatchEnv) notices(a *service.Application) []*service.Notice {
	e.t.Helper()
	ns, err := e.st.ListNotices(e.ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

// only returns the application's one notice.
func (e *dispatchEnv) only(a *service.Application) *service.Notice {
	e.t.Helper()
	ns := e.notices(a)
	if len(ns) != 1 {
		e.t.Fatalf("%s has %d notices, want 1", a.ApplyNo, len(ns))
	}
	return ns[0]
}

func (e *dispatchEnv) attempts(n *service.Notice) []*service.NoticeAttempt {
	e.t.Helper()
	as, err := e.st.ListAttempts(e.ctx, n.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

func TestDispatcherRetrySchedule(t *testing.T) {
	tests := []struct {
		desc       string
		answer     func(context.Context, servicetest.Sent) (service.SendResult, error)
		delays     []time.Duration // waits after each failed attempt
		thenFailed bool            // the attempt after the delays fails the notice
		wantError  string          // in the attempt's Error
		wantLast   string          // in the notice's LastError
	}{
		{"connection refused", answerUnreachable, []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute}, false,
			"connection refused", "connection refused"},
		{"HTTP 503", answer503, []time.Duration{time.Second, 5 * time.Second, 15 * time.Second}, false, "HTTP 503", "HTTP 503"},
		{"code 0", answerRefused, []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour}, true,
			"", "交易平台返回 code 0：项目数据尚未同步"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, st *store.Store) {
				e := newDispatchEnv(t, st, service.DispatcherConfig{})
				a := e.approve("TBaoHanRETRY2026112700001")
				e.sender.SetAnswer(tt.answer)
				for i, delay := range tt.delays {
					if got := e.round(); got != 1 {
						t.Fatalf("attempt %d: claimed %d notices, want 1", i+1, got)
					}
					n := e.only(a)
					as := e.attempts(n)
					if n.Status != service.NoticePending || n.Attempts != i+1 || len(as) != i+1 {
						t.Fatalf("after attempt %d: status %s, %d attempts, %d recorded; want pending, %d", i+1, n.Status, n.Attempts, len(as), i+1)
					}
					if want := e.clock.Now().Add(delay); !n.NextAttemptAt.Equal(want) {
						t.Fatalf("after attempt %d: next attempt at %v, want %v (+%v)", i+1, n.NextAttemptAt, want, delay)
					}
					last := as[len(as)-1]
					if !last.StartedAt.Equal(e.clock.Now()) || !strings.Contains(last.Error, tt.wantError) || !strings.Contains(n.LastError, tt.wantLast) {
						t.Fatalf("attempt %d recorded as %+v, last error %q; want started %v, error containing %q, last error %q",
							i+1, last, n.LastError, e.clock.Now(), tt.wantError, tt.wantLast)
					}
					// Not before it is due; at once when it is.
					e.clock.Set(n.NextAttemptAt.Add(-time.Millisecond))
					if got := e.round(); got != 0 {
						t.Fatalf("attempt %d: %d notices claimed a millisecond before the retry is due", i+2, got)
					}
					e.clock.Set(n.NextAttemptAt)
				}
				if tt.thenFailed {
					e.round()
					n := e.only(a)
					if n.Status != service.NoticeFailed || n.Attempts != len(tt.delays)+1 || !n.NextAttemptAt.IsZero() {
						t.Fatalf("after the last attempt: %+v, want failed after %d attempts", n, len(tt.delays)+1)
					}
					e.clock.Advance(24 * time.Hour)
					if got := e.round(); got != 0 {
						t.Fatalf("a failed notice was claimed again")
					}
					return
				}
				e.sender.SetAnswer(nil) // the platform is back
				e.round()
				n := e.only(a)
				if n.Status != service.NoticeDelivered || n.Attempts != len(tt.delays)+1 || !n.DeliveredAt.Equal(e.clock.Now()) || n.LastError != "" {
					t.Fatalf("after the platform came back: %+v, want delivered now after %d attempts", n, len(tt.delays)+1)
				}
				as := e.attempts(n)
				if last := as[len(as)-1]; last.HTTPStatus != 200 || last.Code != "1" || last.Message != "成功" || last.Error != "" {
					t.Fatalf("the delivery is recorded as %+v", last)
				}
				if got := len(e.sender.Sends()); got != len(tt.delays)+1 {
					t.Errorf("the platform got %d sends, want %d", got, len(tt.delays)+1)
				}
			})
		})
	}
}

// TestDispatcherDayOfRetriesThenResend keeps the platform unreachable: the
// notice is retried for a day, then failed; the application's next notice
// waits all along; resent, both arrive in order.
func TestDispatcherDayOfRetriesThenResend(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newDispatchEnv(t, st, service.DispatcherConfig{Rand: func() float64 { return 0 }}) // the shortest waits
		a := e.approve("TBaoHanDAY2026112700001")
		restoreWith(t, e.svc, a)
		e.sender.SetAnswer(answerUnreachable)
		var first *service.Notice
		for i := 0; ; i++ {
			if i > 100 {
				t.Fatal("still retrying after 100 attempts")
			}
			e.round()
			ns := e.notices(a)
			if len(ns) != 2 || ns[0].Interface != "baohannotice" || ns[1].Interface != "restorenotice" {
				t.Fatalf("notices: %+v", ns)
			}
			if ns[1].Attempts != 0 || ns[1].Status != service.NoticePending {
				t.Fatalf("the restorenotice was tried before the baohannotice arrived: %+v", ns[1])
			}
			if first = ns[0]; first.Status == service.NoticeFailed {
				break
			}
			e.clock.Set(first.NextAttemptAt)
		}
		if elapsed := e.clock.Now().Sub(t0); elapsed < 24*time.Hour {
			t.Fatalf("gave up after %v, want at least 24h", elapsed)
		}
		for _, s := range e.sender.Sends() {
			if s.Interface != "baohannotice" {
				t.Fatalf("sent %s while the baohannotice was undelivered", s.Interface)
			}
		}
		e.clock.Advance(time.Hour)
		if got := e.round(); got != 0 {
			t.Fatalf("%d notices claimed while the first one is failed; the later one must wait", got)
		}

		// An officer resends it; the platform is back.
		e.sender.SetAnswer(nil)
		before := len(e.attempts(first))
		nd, err := e.svc.Guarantees.ResendNotice(e.ctx, officerChecker, first.ID)
		if err != nil {
			t.Fatalf("resend: %v", err)
		}
		if nd.Status != service.NoticePending || nd.Notice.Attempts != 0 || !nd.NextAttemptAt.Equal(e.clock.Now()) || nd.LastError != "" || len(nd.Attempts) != before {
			t.Fatalf("resent notice: %+v with %d attempts, want pending, due now, attempts 0, history of %d kept", nd.Notice, len(nd.Attempts), before)
		}
		e.round()
		e.round()
		ns := e.notices(a)
		if ns[0].Status != service.NoticeDelivered || ns[1].Status != service.NoticeDelivered {
			t.Fatalf("after the resend: %s %s, want both delivered", ns[0].Status, ns[1].Status)
		}
		sends := e.sender.Sends()
		if got := sends[len(sends)-2].Interface + "," + sends[len(sends)-1].Interface; got != "baohannotice,restorenotice" {
			t.Errorf("order after the resend: %s", got)
		}
	})
}

func TestDispatcherClaimOfDeadProcess(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newDispatchEnv(t, st, service.DispatcherConfig{})
		a := e.approve("TBaoHanDEAD2026112700001")
		// A process claims the notice and dies before recording anything.
		claimed, err := st.ClaimDueNotices(e.ctx, "dead-host:4242:xyz", t0, t0.Add(service.DefaultNoticeLease), 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim by the dead process: %d, %v", len(claimed), err)
		}
		for _, after := range []time.Duration{0, 30 * time.Second, service.DefaultNoticeLease - time.Millisecond} {
			e.clock.Set(t0.Add(after))
			if got := e.round(); got != 0 {
				t.Fatalf("%v after the dead claim: %d claimed, want 0 while the lease lasts", after, got)
			}
		}
		e.clock.Set(t0.Add(service.DefaultNoticeLease + time.Second))
		if got := e.round(); got != 1 {
			t.Fatalf("after the lease ran out: %d claimed, want 1", got)
		}
		if n := e.only(a); n.Status != service.NoticeDelivered || n.Attempts != 1 || n.LeaseOwner != "" {
			t.Fatalf("notice: %+v, want delivered after one attempt, unleased", n)
		}
	})
}

func TestDispatcherDocumentNotPDF(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newDispatchEnv(t, st, service.DispatcherConfig{})
		a := e.approve("TBaoHanZIP2026112700001")
		e.round() // the baohannotice
		zip := []byte("PK\x03\x04 an error report, not a letter")
		doc := &service.Document{ApplicationID: a.ID, Kind: service.DocPlainLetter, Token: "not-a-pdf-token-0123456789abcdefghijklmnop",
			FileName: a.BaohanNo + "-明文保函.pdf", ContentType: "application/pdf", SM3: strings.Repeat("0", 64), Size: int64(len(zip)), Data: zip, CreatedAt: t0}
		if err := st.CreateDocument(e.ctx, doc); err != nil {
			t.Fatal(err)
		}
		for i, iface := range []string{"restorenotice", "invoicenotice"} {
			n := &service.Notice{ApplicationID: a.ID, Platform: appkey, Interface: iface, Status: service.NoticePending, CreatedAt: t0.Add(time.Duration(i) * time.Second),
				Fields: map[string]string{"applyno": a.ApplyNo, "baohanno": a.BaohanNo, "applystatus": "1"}}
			if iface == "restorenotice" {
				n.DocumentID = doc.ID
			}
			if err := st.CreateNotice(e.ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		before := len(e.sender.Sends())
		e.round()
		e.clock.Advance(48 * time.Hour)
		e.round()
		if got := len(e.sender.Sends()); got != before {
			t.Fatalf("the platform got %d more sends, want none", got-before)
		}
		ns := e.notices(a)
		bad := ns[1]
		as := e.attempts(bad)
		if bad.Status != service.NoticeFailed || bad.Attempts != 1 || len(as) != 1 || !strings.Contains(bad.LastError, "不是 PDF") ||
			!strings.Contains(as[0].Error, "不是 PDF") || as[0].HTTPStatus != 0 {
			t.Fatalf("notice with a ZIP: %+v, attempts %+v; want failed at once, naming the PDF check", bad, as)
		}
		if ns[2].Status != service.NoticePending || ns[2].Attempts != 0 {
			t.Errorf("the next notice: %+v, want waiting behind the failed one", ns[2])
		}
	})
}

func TestResendNotice(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newDispatchEnv(t, st, service.DispatcherConfig{})
		delivered := e.only(e.approve("TBaoHanRS2026112700001"))
		e.round()
		failedApp := e.approve("TBaoHanRS2026112700003")
		e.sender.SetAnswer(answerRefused)
		e.round()
		for i := 0; i < 8; i++ {
			e.clock.Advance(9 * time.Hour)
			e.round()
		}
		failed := e.only(failedApp)
		if failed.Status != service.NoticeFailed {
			t.Fatalf("setup: %+v, want failed", failed)
		}

		tests := []struct {
			desc string
			id   int64
			want string // error code
		}{
			{"no such notice", 999999, service.ENOTFOUND},
			{"delivered", delivered.ID, service.ESTATE},
			{"pending", e.only(e.approve("TBaoHanRS2026112700002")).ID, service.ESTATE},
			{"failed", failed.ID, ""},
		}
		for _, tt := range tests {
			t.Run(tt.desc, func(t *testing.T) {
				_, err := e.svc.Guarantees.ResendNotice(e.ctx, service.Actor{Kind: service.ActorAPI, Name: "core-banking", Role: service.RoleChecker}, tt.id)
				if got := service.ErrorCode(err); got != tt.want {
					t.Fatalf("got %v (%q), want code %q", err, got, tt.want)
				}
			})
		}
		n, err := st.GetNotice(e.ctx, failed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != service.NoticePending || n.Attempts != 0 || !n.NextAttemptAt.Equal(e.clock.Now()) {
			t.Fatalf("resent notice: %+v", n)
		}
		events, _, err := st.FindAudit(e.ctx, service.AuditFilter{ApplicationID: failedApp.ID, Action: "notice_resend"})
		if err != nil || len(events) != 1 || events[0].Actor.Name != "core-banking" || !strings.Contains(events[0].Detail, "此前已尝试 8 次") {
			t.Fatalf("audit: %+v, %v", events, err)
		}
		// The resend gets eight fresh tries.
		e.round()
		if n, _ := st.GetNotice(e.ctx, failed.ID); n.Status != service.NoticePending || n.Attempts != 1 {
			t.Fatalf("after the resend and one refusal: %+v, want pending again", n)
		}
	})
}

// TestDispatcherRun runs the dispatcher for real: notices queued before it
// starts go out at once, and one queued later wakes it although its poll is
// an hour away, which works only if the wake comes after the commit.
func TestDispatcherRun(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		svc := newTestService(st, time.Now)
		sender := &servicetest.Sender{}
		early := approveWith(t, svc, "TBaoHanRUN2026112700001")
		d := svc.NewDispatcher(sender, service.DispatcherConfig{Poll: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			d.Run(ctx)
		}()
		defer func() {
			cancel()
			<-done
		}()
		waitDelivered(t, st, early, 5*time.Second)
		for i := 2; i <= 4; i++ {
			a := approveWith(t, svc, fmt.Sprintf("TBaoHanRUN202611270000%d", i))
			start := time.Now()
			waitDelivered(t, st, a, 5*time.Second)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("notice %d delivered %v after it was queued", i, took)
			}
		}

		// A resent notice goes out at once too.
		sender.SetAnswer(func(context.Context, servicetest.Sent) (service.SendResult, error) {
			return service.SendResult{Outcome: service.SendInvalid}, errors.New("报文不符合接口规范")
		})
		a := approveWith(t, svc, "TBaoHanRUN2026112700005")
		var n *service.Notice
		for deadline := time.Now().Add(5 * time.Second); n == nil || n.Status != service.NoticeFailed; time.Sleep(5 * time.Millisecond) {
			ns, err := st.ListNotices(context.Background(), a.ID)
			if err != nil || time.Now().After(deadline) {
				t.Fatalf("the notice did not fail: %v", err)
			}
			n = ns[0]
		}
		sender.SetAnswer(nil)
		start := time.Now()
		if _, err := svc.Guarantees.ResendNotice(context.Background(), officerChecker, n.ID); err != nil {
			t.Fatal(err)
		}
		waitDelivered(t, st, a, 5*time.Second)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("resent notice delivered %v after the resend", took)
		}
	})
}

// waitDelivered waits until a's notices are all delivered.
func waitDelivered(t *testing.T, st service.Store, a *service.Application, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ns, err := st.ListNotices(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		all := len(ns) > 0
		for _, n := range ns {
			all = all && n.Status == service.NoticeDelivered
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not delivered within %v: %+v", a.ApplyNo, timeout, ns[0])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDispatcherShutdown: a notice being sent when the dispatcher stops is
// finished within the drain time, or cut off and given back; so is a fresh
// restorenotice a letter worker handed over (see handoff_test.go).
func TestDispatcherShutdown(t *testing.T) {
	tests := []struct {
		desc        string
		drain       time.Duration
		releaseSend bool // the send finishes during the drain
		want        service.NoticeStatus
		wantTries   int
	}{
		{"send finishes within the drain", 5 * time.Second, true, service.NoticeDelivered, 1},
		{"send cut off, claim released", 50 * time.Millisecond, false, service.NoticePending, 0},
	}
	for _, tt := range tests {
		for _, iface := range []string{"baohannotice", "restorenotice"} {
			t.Run(tt.desc+"/"+iface, func(t *testing.T) {
				storetest.ForEach(t, func(t *testing.T, st *store.Store) {
					svc := newTestService(st, time.Now)
					sender := &servicetest.Sender{}
					d := svc.NewDispatcher(sender, service.DispatcherConfig{Poll: time.Hour, Drain: tt.drain, Owner: "stopping"})
					ctx, cancel := context.WithCancel(context.Background())
					done := make(chan struct{})
					go func() {
						defer close(done)
						d.Run(ctx)
					}()
					release, started := make(chan struct{}), make(chan servicetest.Sent, 1)
					hold := func() {
						sender.Hold(started, release)
					}
					var a *service.Application
					if iface == "baohannotice" { // claimed from the outbox
						hold()
						a = approveWith(t, svc, "TBaoHanSTOP2026112700001")
					} else { // handed over by the letter worker
						a = approveWith(t, svc, "TBaoHanSTOP2026112700001")
						waitDelivered(t, st, a, 5*time.Second)
						hold()
						restoreWith(t, svc, a)
					}
					select {
					case <-started:
					case <-time.After(5 * time.Second):
						t.Fatal("nothing sent within 5 s")
					}
					cancel()
					if tt.releaseSend {
						time.Sleep(20 * time.Millisecond)
						close(release)
					}
					select {
					case <-done:
					case <-time.After(tt.drain + 5*time.Second):
						t.Fatal("Run did not return")
					}
					n := noticeOf(t, st, a, iface)
					if n.Status != tt.want || n.Attempts != tt.wantTries || n.LeaseOwner != "" {
						t.Errorf("after shutdown: %+v, want %s after %d attempts, no lease", n, tt.want, tt.wantTries)
					}
				})
			})
		}
	}
}

// TestTwoDispatchers runs two services with a dispatcher each on one
// database: every notice is sent by one of them at a time, exactly once,
// in order. (cmd/baohan repeats this over HTTP with two stores.)
func TestTwoDispatchers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		svcA, svcB := newTestService(st, time.Now), newTestService(st, time.Now)
		sender := &servicetest.Sender{}
		var (
			mu    sync.Mutex
			tries = map[string]int{}
		)
		sender.SetAnswer(func(ctx context.Context, s servicetest.Sent) (service.SendResult, error) {
			time.Sleep(time.Millisecond)
			mu.Lock()
			tries[s.Key()]++
			n := tries[s.Key()]
			mu.Unlock()
			if n == 1 && len(s.Fields["applyno"])%3 == 0 { // some fail once
				return answer503(ctx, s)
			}
			return service.SendResult{Outcome: service.SendAccepted, HTTPStatus: 200, Code: "1", Message: "成功"}, nil
		})
		var apps []*service.Application
		for i := 0; i < 30; i++ {
			a := approveWith(t, svcA, fmt.Sprintf("TBaoHanTWO%0*d", 10+i%3, i))
			restoreWith(t, svcA, a)
			apps = append(apps, a)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for i, svc := range []*service.Service{svcA, svcB} {
			d := svc.NewDispatcher(sender, service.DispatcherConfig{Owner: fmt.Sprintf("dispatcher-%d", i), Workers: 4, Poll: 20 * time.Millisecond,
				Rand: func() float64 { return 0 }})
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.Run(ctx)
			}()
		}
		for _, a := range apps {
			waitDelivered(t, st, a, 20*time.Second)
		}
		cancel()
		wg.Wait()
		if sender.Overlaps() != 0 {
			t.Errorf("%d sends overlapped another send of the same notice", sender.Overlaps())
		}
		seen := map[string]bool{}
		for _, s := range sender.Sends() {
			if s.Interface == "restorenotice" && !seen["baohannotice "+s.Fields["applyno"]] {
				t.Errorf("restorenotice of %s sent before its baohannotice", s.Fields["applyno"])
			}
			seen[s.Key()] = true
		}
		if len(tries) != 2*len(apps) {
			t.Errorf("%d notices sent, want %d", len(tries), 2*len(apps))
		}
		for k, n := range tries {
			want := 1
			if applyNo := strings.Fields(k)[1]; len(applyNo)%3 == 0 {
				want = 2 // refused once with 503
			}
			if n != want {
				t.Errorf("%s sent %d times, want %d", k, n, want)
			}
		}
	})
}
