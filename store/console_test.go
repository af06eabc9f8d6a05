package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestOfficers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &service.Officer{Username: "ZhangSan", DisplayName: "张三", Role: service.RoleMaker, PasswordHash: "$2a$12$x",
			TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPPending: "KRSXG5A", TOTPLastStep: 59000000, MustChangePassword: true, FailedLogins: 2,
			LockedUntil: at(3, 9, 0), LastLoginAt: at(2, 9, 0), PasswordChangedAt: at(1, 9, 0), CreatedAt: at(1, 8, 0)}
		if err := s.CreateOfficer(ctx, o); err != nil {
			t.Fatal(err)
		}
		allSet(t, o, "Disabled")
		got, err := s.GetOfficerByUsername(ctx, "zhangsan")
		if err != nil {
			t.Fatalf("get by user name in another case: %v", err)
		}
		sameFields(t, got, stored(o))
		if err := s.CreateOfficer(ctx, &service.Officer{Username: "zhangsan", Role: service.RoleChecker, PasswordHash: "x"}); err == nil {
			t.Fatal("a user name that differs only in case was accepted")
		} else {
			wantCode(t, err, service.ECONFLICT)
		}
		o.Disabled, o.FailedLogins, o.LockedUntil, o.Role = true, 0, time.Time{}, service.RoleChecker
		if err := s.UpdateOfficer(ctx, o); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetOfficer(ctx, o.ID)
		if !got.Disabled || got.FailedLogins != 0 || !got.LockedUntil.IsZero() || got.Role != service.RoleChecker {
			t.Errorf("after update: got %+v", got)
		}

		// The step of the last dynamic password only moves forward, and
		// only through UseTOTPStep: a whole-row update of an officer read
		// earlier leaves it.
		for _, tc := range []struct {
			step int64
			want bool
		}{{59000000, false}, {58999999, false}, {59000001, true}, {59000001, false}, {59000003, true}} {
			if ok, err := s.UseTOTPStep(ctx, o.ID, tc.step); err != nil || ok != tc.want {
				t.Errorf("UseTOTPStep(%d): %v, %v; want %v", tc.step, ok, err, tc.want)
			}
		}
		o.TOTPLastStep = 1 // read before the logins above
		if err := s.UpdateOfficer(ctx, o); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetOfficer(ctx, o.ID); got.TOTPLastStep != 59000003 {
			t.Errorf("TOTPLastStep after a whole-row update: %d, want 59000003", got.TOTPLastStep)
		}
		if _, err := s.GetOfficer(ctx, 999); err == nil {
			t.Error("GetOfficer(999): no error")
		} else {
			wantCode(t, err, service.ENOTFOUND)
		}
		if err := s.UpdateOfficer(ctx, &service.Officer{ID: 999, Username: "x"}); err == nil {
			t.Error("UpdateOfficer(999): no error")
		} else {
			wantCode(t, err, service.ENOTFOUND)
		}
		if n, err := s.CountOfficers(ctx); err != nil || n != 1 {
			t.Errorf("CountOfficers: got %d, %v, want 1", n, err)
		}
		list, err := s.ListOfficers(ctx)
		if err != nil || len(list) != 1 || list[0].Username != "ZhangSan" {
			t.Errorf("ListOfficers: got %v, %v", list, err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &service.Officer{Username: "lisi", Role: service.RoleChecker, PasswordHash: "x"}
		if err := s.CreateOfficer(ctx, o); err != nil {
			t.Fatal(err)
		}
		mk := func(hash string, seen, expires time.Time) *service.Session {
			t.Helper()
			sess := &service.Session{TokenHash: hash, OfficerID: o.ID, CreatedAt: at(1, 8, 0), LastSeenAt: seen, ExpiresAt: expires,
				IP: "10.1.2.3", UserAgent: "Chromium"}
			if err := s.CreateSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
			return sess
		}
		a := mk("aaaa", at(1, 9, 0), at(1, 20, 0))
		b := mk("bbbb", at(1, 9, 30), at(1, 20, 0))
		old := mk("cccc", at(1, 8, 0), at(1, 20, 0))
		allSet(t, a)
		got, err := s.GetSession(ctx, "aaaa")
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, stored(a))
		if err := s.TouchSession(ctx, a.ID, at(1, 10, 0)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetSession(ctx, "aaaa"); !got.LastSeenAt.Equal(at(1, 10, 0).Truncate(time.Microsecond)) {
			t.Errorf("after touch: last seen %v", got.LastSeenAt)
		}
		// Idle since before 9:15: old goes, a and b stay.
		if err := s.DeleteSessionsBefore(ctx, at(1, 9, 15), at(1, 9, 15)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, "cccc"); service.ErrorCode(err) != service.ENOTFOUND {
			t.Errorf("idle session %d: got %v, want ENOTFOUND", old.ID, err)
		}
		if err := s.DeleteOfficerSessions(ctx, o.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, "aaaa"); service.ErrorCode(err) != service.ENOTFOUND {
			t.Errorf("session a after DeleteOfficerSessions: got %v, want ENOTFOUND", err)
		}
		if _, err := s.GetSession(ctx, "bbbb"); err != nil {
			t.Errorf("kept session b: %v", err)
		}
		if err := s.DeleteSession(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, b.ID); err != nil {
			t.Errorf("deleting a deleted session: %v", err)
		}
	})
}

func TestProposals(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("p1", "A1"))
		p := &service.Proposal{ApplicationID: app.ID, ApplyNo: app.ApplyNo, Action: service.ActionPayClaim, TargetID: 7,
			Input: map[string]string{"amount": "100.00", "payment_ref": "REF1"}, Note: "请复核", Why: "理赔赔付须经复核",
			ProposedBy: "zhangsan", ProposerRole: service.RoleMaker, ProposedAt: at(1, 9, 0), Status: service.ProposalPending}
		if err := s.CreateProposal(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetProposal(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, stored(p))

		again := *p
		again.ID = 0
		wantCode(t, s.CreateProposal(ctx, &again), service.ECONFLICT)
		other := again
		other.TargetID = 8
		if err := s.CreateProposal(ctx, &other); err != nil {
			t.Fatalf("a proposal on another claim: %v", err)
		}

		p.Status, p.DecidedBy, p.DecidedAt, p.DecisionNote = service.ProposalDeclined, "lisi", at(1, 10, 0), "凭证不符"
		if err := s.DecideProposal(ctx, p); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DecideProposal(ctx, p), service.ECONFLICT)
		got, _ = s.GetProposal(ctx, p.ID)
		sameFields(t, got, stored(p))
		// The slot is free again.
		again.ID = 0
		if err := s.CreateProposal(ctx, &again); err != nil {
			t.Fatalf("a new proposal after the decision: %v", err)
		}

		pending, n, err := s.FindProposals(ctx, service.ProposalFilter{Statuses: []service.ProposalStatus{service.ProposalPending}})
		if err != nil || n != 2 || len(pending) != 2 || pending[0].ID != again.ID {
			t.Errorf("pending proposals: got %d, %d, %v, want 2 newest first", len(pending), n, err)
		}
		all, n, _ := s.FindProposals(ctx, service.ProposalFilter{ApplicationID: app.ID})
		if n != 3 || len(all) != 3 {
			t.Errorf("proposals of the application: got %d", n)
		}
		wantCode(t, s.DecideProposal(ctx, &service.Proposal{ID: 999, Status: service.ProposalDeclined}), service.ENOTFOUND)
	})
}

func TestSettings(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if m, err := s.ListSettings(ctx); err != nil || len(m) != 0 {
			t.Fatalf("fresh settings: %v %v", m, err)
		}
		if err := s.PutSettings(ctx, map[string]string{"a": "1", "b": "x\ny"}, at(1, 9, 0)); err != nil {
			t.Fatal(err)
		}
		if err := s.PutSettings(ctx, map[string]string{"a": "2", "c": ""}, at(1, 10, 0)); err != nil {
			t.Fatal(err)
		}
		m, err := s.ListSettings(ctx)
		if err != nil || len(m) != 3 || m["a"] != "2" || m["b"] != "x\ny" || m["c"] != "" {
			t.Fatalf("settings: got %v, %v", m, err)
		}
		v, err := s.EnsureSetting(ctx, "secret", "first", at(1, 9, 0))
		if err != nil || v != "first" {
			t.Fatalf("EnsureSetting: got %q, %v", v, err)
		}
		if v, err := s.EnsureSetting(ctx, "secret", "second", at(1, 9, 0)); err != nil || v != "first" {
			t.Fatalf("EnsureSetting again: got %q, %v, want the first value", v, err)
		}
	})
}

func TestReports(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		utc := func(day, hour int) time.Time { return time.Date(2025, 3, day, hour, 30, 0, 0, time.UTC) }
		// 2 March 17:30 UTC is 3 March 01:30 in Beijing.
		mk := func(no string, created, issued time.Time, amount, premium int64) *service.Application {
			a := minimalApplication("p1", no)
			a.CreatedAt, a.IssuedAt, a.Amount, a.Premium = created, issued, service.Money(amount), service.Money(premium)
			if !issued.IsZero() {
				a.BaohanNo = "BH" + no
			}
			return mustCreateApplication(t, s, a)
		}
		a1 := mk("A1", utc(2, 1), utc(2, 3), 1000000, 5000)
		mk("A2", utc(2, 17), utc(2, 18), 2000000, 10000)
		mk("A3", utc(3, 2), time.Time{}, 300, 0)
		mk("A4", utc(1, 1), time.Time{}, 300, 0) // before the range

		stats, err := s.DailyStats(ctx, time.Date(2025, 3, 2, 0, 0, 0, 0, cst), time.Date(2025, 3, 5, 0, 0, 0, 0, cst))
		if err != nil {
			t.Fatal(err)
		}
		want := []service.DayStat{
			{Day: "2025-03-02", Applications: 1, Issued: 1, IssuedAmount: 1000000, Premium: 5000},
			{Day: "2025-03-03", Applications: 2, Issued: 1, IssuedAmount: 2000000, Premium: 10000},
		}
		if len(stats) != len(want) {
			t.Fatalf("daily stats: got %+v, want %+v", stats, want)
		}
		for i := range want {
			if stats[i] != want[i] {
				t.Errorf("day %d: got %+v, want %+v", i, stats[i], want[i])
			}
		}

		for _, c := range []*service.Claim{
			{ApplicationID: a1.ID, Amount: 1000, Status: service.ClaimPending},
			{ApplicationID: a1.ID, Amount: 2000, Status: service.ClaimPending},
			{ApplicationID: a1.ID, Amount: 4000, Status: service.ClaimPaid},
		} {
			if err := s.CreateClaim(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if n, sum, err := s.OpenClaims(ctx); err != nil || n != 2 || sum != 3000 {
			t.Errorf("OpenClaims: got %d, %d, %v, want 2, 3000", n, sum, err)
		}

		nos, err := s.ApplyNos(ctx, []int64{a1.ID, 999})
		if err != nil || len(nos) != 1 || nos[a1.ID] != "A1" {
			t.Errorf("ApplyNos: got %v, %v", nos, err)
		}

		n := &service.Notice{ApplicationID: a1.ID, Platform: "p1", Interface: "baohannotice", Status: service.NoticePending}
		if err := s.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
		claimed, err := s.ClaimDueNotices(ctx, "w1", time.Now(), time.Now().Add(time.Minute), 1)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		n.Status, n.Attempts = service.NoticeDelivered, 1
		if err := s.FinishAttempt(ctx, "w1", n, &service.NoticeAttempt{HTTPStatus: 200, Code: "1"}); err != nil {
			t.Fatal(err)
		}
		attempts, err := s.AttemptsOf(ctx, []int64{n.ID, 999})
		if err != nil || len(attempts[n.ID]) != 1 || attempts[n.ID][0].Code != "1" || len(attempts[999]) != 0 {
			t.Errorf("AttemptsOf: got %v, %v", attempts, err)
		}
	})
}
