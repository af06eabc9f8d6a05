package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// t0 is the dispatcher's clock in the notice tests.
var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func mustCreateNotice(t *testing.T, s *store.Store, appID int64, iface string, next time.Time) *service.Notice {
	t.Helper()
	n := &service.Notice{
		ApplicationID: appID,
		Platform:      "jilin",
		Interface:     iface,
		Fields:        map[string]string{"applyno": fmt.Sprint(appID), "applystatus": "1"},
		Status:        service.NoticePending,
		NextAttemptAt: next,
	}
	if err := s.CreateNotice(context.Background(), n); err != nil {
		t.Fatalf("CreateNotice: %v", err)
	}
	return n
}

// claim claims at now for owner, leasing for a minute, and returns the IDs.
func claim(t *testing.T, s *store.Store, owner string, now time.Time) []int64 {
	t.Helper()
	got, err := s.ClaimDueNotices(context.Background(), owner, now, now.Add(time.Minute), 100)
	if err != nil {
		t.Fatalf("ClaimDueNotices(%s): %v", owner, err)
	}
	var ids []int64
	for _, n := range got {
		if n.LeaseOwner != owner || !n.LeaseUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("claimed notice %d: lease %q until %v, want %q until %v", n.ID, n.LeaseOwner, n.LeaseUntil, owner, now.Add(time.Minute))
		}
		ids = append(ids, n.ID)
	}
	return ids
}

// finish records an attempt of n by owner with the notice's new status.
func finish(t *testing.T, s *store.Store, owner string, n *service.Notice, status service.NoticeStatus, now time.Time) {
	t.Helper()
	n.Status, n.Attempts = status, n.Attempts+1
	if status == service.NoticeDelivered {
		n.DeliveredAt = now
	}
	if err := s.FinishAttempt(context.Background(), owner, n, &service.NoticeAttempt{StartedAt: now, HTTPStatus: 200, Code: "1"}); err != nil {
		t.Fatalf("FinishAttempt(%d, %s): %v", n.ID, status, err)
	}
}

func TestNoticeRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, fullApplication("jilin", "T001"))
		doc := &service.Document{ApplicationID: app.ID, Kind: service.DocCipherLetter, Token: "tok", SM3: "ab", Data: []byte("%PDF")}
		if err := s.CreateDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		n := &service.Notice{
			ApplicationID: app.ID,
			Platform:      "jilin",
			Interface:     "baohannotice",
			Fields:        map[string]string{"applyno": "T001", "baohanno": "BH-T001", "reason": "含\"引号\"与换行\n"},
			DocumentID:    doc.ID,
			Status:        service.NoticeFailed,
			Attempts:      7,
			NextAttemptAt: at(1, 12, 0),
			LeaseOwner:    "host-1",
			LeaseUntil:    at(1, 12, 1),
			LastError:     "平台返回 code 0：签名错误",
			CreatedAt:     at(1, 11, 0),
			DeliveredAt:   at(1, 12, 2),
		}
		allSet(t, n, "ID")
		want := stored(n)
		if err := s.CreateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
		want.ID = n.ID
		got, err := s.GetNotice(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, want)
		list, err := s.ListNotices(ctx, app.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("ListNotices: got %d, %v, want 1", len(list), err)
		}
		sameFields(t, list[0], want)

		// Empty and absent fields survive as they were.
		for _, fields := range []map[string]string{nil, {}} {
			m := &service.Notice{ApplicationID: app.ID, Status: service.NoticePending, Fields: fields}
			if err := s.CreateNotice(ctx, m); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetNotice(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got.Fields == nil) != (fields == nil) || len(got.Fields) != 0 {
				t.Errorf("Fields %#v came back as %#v", fields, got.Fields)
			}
			if got.CreatedAt.IsZero() || !got.NextAttemptAt.IsZero() || !got.LeaseUntil.IsZero() || !got.DeliveredAt.IsZero() {
				t.Errorf("zero times: got %+v", got)
			}
		}

		_, err = s.GetNotice(ctx, 424242)
		if e := wantCode(t, err, service.ENOTFOUND); e.Message != "未找到编号为 424242 的通知" {
			t.Errorf("got message %q", e.Message)
		}
		wantCode(t, s.UpdateNotice(ctx, &service.Notice{ID: 424242}), service.ENOTFOUND)
	})
}

func TestFinishAttempt(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("jilin", "T001"))
		n := mustCreateNotice(t, s, app.ID, "baohannotice", time.Time{})
		if ids := claim(t, s, "d1", t0); !slices.Equal(ids, []int64{n.ID}) {
			t.Fatalf("claimed %v, want [%d]", ids, n.ID)
		}
		a := &service.NoticeAttempt{
			StartedAt:  at(1, 10, 0),
			Duration:   1234567891 * time.Nanosecond,
			HTTPStatus: 502,
			Code:       "0",
			Message:    "系统繁忙",
			Error:      "read: connection reset by peer",
		}
		allSet(t, a, "ID", "NoticeID")
		want := stored(a)
		n.Attempts, n.NextAttemptAt, n.LastError = 1, t0.Add(30*time.Second), "502"
		if err := s.FinishAttempt(ctx, "d1", n, a); err != nil {
			t.Fatalf("FinishAttempt: %v", err)
		}
		if a.ID == 0 || a.NoticeID != n.ID || n.LeaseOwner != "" || !n.LeaseUntil.IsZero() {
			t.Fatalf("after FinishAttempt: attempt %d of %d, lease %q %v", a.ID, a.NoticeID, n.LeaseOwner, n.LeaseUntil)
		}
		want.ID, want.NoticeID = a.ID, n.ID
		attempts, err := s.ListAttempts(ctx, n.ID)
		if err != nil || len(attempts) != 1 {
			t.Fatalf("ListAttempts: got %d, %v, want 1", len(attempts), err)
		}
		sameFields(t, attempts[0], want)
		got, err := s.GetNotice(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Attempts != 1 || !got.NextAttemptAt.Equal(t0.Add(30*time.Second)) || got.LastError != "502" || got.LeaseOwner != "" || !got.LeaseUntil.IsZero() {
			t.Errorf("after FinishAttempt: got %+v", got)
		}

		// Not due before NextAttemptAt; due at it.
		if ids := claim(t, s, "d1", t0.Add(29*time.Second)); len(ids) != 0 {
			t.Errorf("claimed %v before it was due", ids)
		}
		if ids := claim(t, s, "d1", t0.Add(30*time.Second)); len(ids) != 1 {
			t.Fatalf("claimed %v when due, want it", ids)
		}

		// An owner that does not hold the lease records nothing.
		e := wantCode(t, s.FinishAttempt(ctx, "d2", n, &service.NoticeAttempt{}), service.ECONFLICT)
		t.Logf("lost lease: %s", e.Message)
		if attempts, _ := s.ListAttempts(ctx, n.ID); len(attempts) != 1 {
			t.Errorf("a refused FinishAttempt left %d attempts, want 1", len(attempts))
		}
		finish(t, s, "d1", n, service.NoticeDelivered, t0.Add(31*time.Second))
		got, _ = s.GetNotice(ctx, n.ID)
		if got.Status != service.NoticeDelivered || !got.DeliveredAt.Equal(t0.Add(31*time.Second)) {
			t.Errorf("after delivery: got %+v", got)
		}
		// Finished once; the lease is gone with it.
		wantCode(t, s.FinishAttempt(ctx, "d1", n, &service.NoticeAttempt{}), service.ECONFLICT)
	})
}

func TestClaimOrder(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mustCreateApplication(t, s, minimalApplication("jilin", "A"))
		b := mustCreateApplication(t, s, minimalApplication("jilin", "B"))
		a1 := mustCreateNotice(t, s, a.ID, "baohannotice", time.Time{})
		a2 := mustCreateNotice(t, s, a.ID, "restorenotice", time.Time{})
		b1 := mustCreateNotice(t, s, b.ID, "baohannotice", t0)

		// The second notice of A waits for the first; B is not held up.
		if ids := claim(t, s, "d1", t0); !slices.Equal(ids, []int64{a1.ID, b1.ID}) {
			t.Fatalf("first claim: got %v, want [%d %d]", ids, a1.ID, b1.ID)
		}
		// Leased notices are not claimed again, and A2 still waits.
		if ids := claim(t, s, "d2", t0); len(ids) != 0 {
			t.Fatalf("second claim: got %v, want none", ids)
		}
		// A1 fails for good: A2 still waits (the platform must hear of A in order).
		finish(t, s, "d1", a1, service.NoticeFailed, t0)
		if ids := claim(t, s, "d1", t0.Add(time.Second)); len(ids) != 0 {
			t.Fatalf("after A1 failed: got %v, want none", ids)
		}
		// An officer resends A1: it comes first again.
		a1.Status, a1.Attempts, a1.NextAttemptAt, a1.LastError = service.NoticePending, 0, t0, ""
		if err := s.UpdateNotice(ctx, a1); err != nil {
			t.Fatalf("UpdateNotice: %v", err)
		}
		if ids := claim(t, s, "d1", t0.Add(2*time.Second)); !slices.Equal(ids, []int64{a1.ID}) {
			t.Fatalf("after resend: got %v, want [%d]", ids, a1.ID)
		}
		// A1 delivered: now A2 is due.
		finish(t, s, "d1", a1, service.NoticeDelivered, t0.Add(3*time.Second))
		if ids := claim(t, s, "d1", t0.Add(3*time.Second)); !slices.Equal(ids, []int64{a2.ID}) {
			t.Fatalf("after A1 delivered: got %v, want [%d]", ids, a2.ID)
		}

		// Release gives d1's leases back: another dispatcher takes them at once.
		if err := s.ReleaseNotices(ctx, "d1"); err != nil {
			t.Fatalf("ReleaseNotices: %v", err)
		}
		if ids := claim(t, s, "d2", t0.Add(4*time.Second)); !slices.Equal(ids, []int64{a2.ID, b1.ID}) {
			t.Fatalf("after release: got %v, want [%d %d]", ids, a2.ID, b1.ID)
		}

		// At most limit notices, the oldest first.
		var fresh []int64
		for i := range 3 {
			c := mustCreateApplication(t, s, minimalApplication("jilin", fmt.Sprint("C", i)))
			fresh = append(fresh, mustCreateNotice(t, s, c.ID, "baohannotice", t0).ID)
		}
		now := t0.Add(5 * time.Second)
		if got, err := s.ClaimDueNotices(ctx, "d3", now, now.Add(time.Minute), 0); err != nil || len(got) != 0 {
			t.Fatalf("limit 0: got %d, %v, want none", len(got), err)
		}
		got, err := s.ClaimDueNotices(ctx, "d3", now, now.Add(time.Minute), 2)
		if err != nil || len(got) != 2 || got[0].ID != fresh[0] || got[1].ID != fresh[1] {
			t.Fatalf("limit 2: got %v, %v, want notices %v", got, err, fresh[:2])
		}
		if got[0].Fields["applyno"] == "" {
			t.Errorf("claimed notice without its fields: %+v", got[0])
		}
	})
}

func TestClaimDueTimes(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		// Times with fractions of a second of different lengths compare as
		// times on both engines (SQLite compares them as text).
		for i, tc := range []struct {
			next, now time.Time
			due       bool
		}{
			{t0.Add(100 * time.Millisecond), t0, false},
			{t0.Add(100 * time.Millisecond), t0.Add(100 * time.Millisecond), true},
			{t0.Add(100 * time.Millisecond), t0.Add(90 * time.Millisecond), false},
			{t0, t0.Add(-time.Microsecond), false},
			{t0, t0.Add(time.Microsecond), true},
			{t0.Add(123456 * time.Microsecond), t0.Add(123457 * time.Microsecond), true},
			{t0.Add(time.Second), t0.Add(999999 * time.Microsecond), false},
			{t0.In(cst), t0, true},
			{t0.Add(time.Hour).In(cst), t0.Add(30 * time.Minute), false},
		} {
			app := mustCreateApplication(t, s, minimalApplication("jilin", fmt.Sprint("D", i)))
			n := mustCreateNotice(t, s, app.ID, "baohannotice", tc.next)
			ids := claim(t, s, fmt.Sprint("d", i), tc.now)
			if got := slices.Contains(ids, n.ID); got != tc.due {
				t.Errorf("next attempt %v, now %v: claimed %v, want %v", tc.next, tc.now, got, tc.due)
			}
			if err := s.ReleaseNotices(context.Background(), fmt.Sprint("d", i)); err != nil {
				t.Fatal(err)
			}
			n.Status = service.NoticeDelivered
			if err := s.UpdateNotice(context.Background(), n); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestClaimLeaseExpiry(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("jilin", "T001"))
		n := mustCreateNotice(t, s, app.ID, "baohannotice", t0)

		if ids := claim(t, s, "dead", t0); !slices.Equal(ids, []int64{n.ID}) {
			t.Fatalf("dead: got %v, want [%d]", ids, n.ID)
		}
		// The lease holds until it runs out, even when the holder is silent.
		if ids := claim(t, s, "live", t0.Add(59*time.Second)); len(ids) != 0 {
			t.Fatalf("live, during the lease: got %v, want none", ids)
		}
		if ids := claim(t, s, "live", t0.Add(61*time.Second)); !slices.Equal(ids, []int64{n.ID}) {
			t.Fatalf("live, after the lease: got %v, want [%d]", ids, n.ID)
		}
		// The dead owner wakes up: its result is refused.
		wantCode(t, s.FinishAttempt(ctx, "dead", n, &service.NoticeAttempt{}), service.ECONFLICT)
		finish(t, s, "live", n, service.NoticeDelivered, t0.Add(62*time.Second))
		if attempts, _ := s.ListAttempts(ctx, n.ID); len(attempts) != 1 {
			t.Errorf("got %d attempts, want the live one only", len(attempts))
		}
	})
}

func TestClaimConcurrently(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const notices, dispatchers = 200, 8
		err := s.WithTx(ctx, func(ctx context.Context) error {
			for i := range notices {
				a := minimalApplication("jilin", fmt.Sprint("C", i))
				if err := s.CreateApplication(ctx, a); err != nil {
					return err
				}
				if err := s.CreateNotice(ctx, &service.Notice{ApplicationID: a.ID, Status: service.NoticePending}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var (
			mu      sync.Mutex
			claimed = map[int64]string{}
			wg      sync.WaitGroup
		)
		for d := range dispatchers {
			owner := fmt.Sprint("d", d)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := s.ClaimDueNotices(ctx, owner, t0, t0.Add(time.Hour), 7)
					if err != nil {
						t.Errorf("%s: %v", owner, err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, n := range got {
						if other, dup := claimed[n.ID]; dup {
							t.Errorf("notice %d claimed by %s and %s", n.ID, other, owner)
						}
						claimed[n.ID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(claimed) != notices {
			t.Errorf("claimed %d notices, want %d", len(claimed), notices)
		}
		owners := map[string]int{}
		for _, o := range claimed {
			owners[o]++
		}
		t.Logf("notices per dispatcher: %v", owners)
	})
}

func TestNoticeStatsAndFind(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		stats, oldest, err := s.NoticeStats(ctx)
		if err != nil || len(stats) != 0 || !oldest.IsZero() {
			t.Fatalf("empty: got %v, %v, %v", stats, oldest, err)
		}
		app := mustCreateApplication(t, s, minimalApplication("jilin", "T001"))
		mk := func(status service.NoticeStatus, created time.Time) int64 {
			n := &service.Notice{ApplicationID: app.ID, Status: status, CreatedAt: created}
			if err := s.CreateNotice(ctx, n); err != nil {
				t.Fatal(err)
			}
			return n.ID
		}
		d1 := mk(service.NoticeDelivered, t0)
		p1 := mk(service.NoticePending, t0.Add(time.Minute))
		f1 := mk(service.NoticeFailed, t0.Add(2*time.Minute))
		d2 := mk(service.NoticeDelivered, t0.Add(3*time.Minute))
		p2 := mk(service.NoticePending, t0.Add(4*time.Minute))
		f2 := mk(service.NoticeFailed, t0.Add(5*time.Minute))

		stats, oldest, err = s.NoticeStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[service.NoticeStatus]int{service.NoticePending: 2, service.NoticeFailed: 2, service.NoticeDelivered: 2}
		if fmt.Sprint(stats) != fmt.Sprint(want) || !oldest.Equal(t0.Add(time.Minute)) {
			t.Errorf("NoticeStats: got %v, %v, want %v, %v", stats, oldest, want, t0.Add(time.Minute))
		}

		for _, tc := range []struct {
			name  string
			f     service.NoticeFilter
			want  []int64
			total int
		}{
			{"all", service.NoticeFilter{}, []int64{f2, f1, p2, p1, d2, d1}, 6},
			{"undelivered", service.NoticeFilter{Statuses: []service.NoticeStatus{service.NoticePending, service.NoticeFailed}}, []int64{f2, f1, p2, p1}, 4},
			{"delivered", service.NoticeFilter{Statuses: []service.NoticeStatus{service.NoticeDelivered}}, []int64{d2, d1}, 2},
			{"page", service.NoticeFilter{Offset: 1, Limit: 3}, []int64{f1, p2, p1}, 6},
		} {
			got, total, err := s.FindNotices(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var ids []int64
			for _, n := range got {
				ids = append(ids, n.ID)
			}
			if !slices.Equal(ids, tc.want) || total != tc.total {
				t.Errorf("%s: got %v (total %d), want %v (total %d)", tc.name, ids, total, tc.want, tc.total)
			}
		}
	})
}

func TestHasUndeliveredNotice(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, fullApplication("jilin", "T001"))
		other := mustCreateApplication(t, s, fullApplication("jilin", "T002"))
		has := func(id int64) bool {
			t.Helper()
			ok, err := s.HasUndeliveredNotice(ctx, id)
			if err != nil {
				t.Fatalf("HasUndeliveredNotice(%d): %v", id, err)
			}
			return ok
		}
		if has(app.ID) {
			t.Error("an application without notices has an undelivered one")
		}
		n := mustCreateNotice(t, s, app.ID, "baohannotice", time.Time{})
		mustCreateNotice(t, s, other.ID, "baohannotice", time.Time{})
		if !has(app.ID) {
			t.Error("a pending notice is not undelivered")
		}
		claim(t, s, "a", t0)
		finish(t, s, "a", n, service.NoticeFailed, t0)
		if !has(app.ID) {
			t.Error("a failed notice is not undelivered")
		}
		n.Status, n.NextAttemptAt = service.NoticePending, t0
		if err := s.UpdateNotice(ctx, n); err != nil {
			t.Fatal(err)
		}
		claim(t, s, "a", t0.Add(time.Second))
		finish(t, s, "a", n, service.NoticeDelivered, t0)
		if has(app.ID) {
			t.Error("a delivered notice counts as undelivered")
		}
		if !has(other.ID) {
			t.Error("the other application's pending notice was lost")
		}
	})
}

func TestRenewNoticeLease(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("jilin", "RENEW"))
		n := mustCreateNotice(t, s, app.ID, "baohannotice", time.Time{})
		now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
		if got, err := s.ClaimDueNotices(ctx, "a", now, now.Add(time.Minute), 1); err != nil || len(got) != 1 {
			t.Fatalf("claim: %d, %v", len(got), err)
		}
		if err := s.RenewNoticeLease(ctx, n.ID, "b", now.Add(time.Hour)); service.ErrorCode(err) != service.ECONFLICT {
			t.Errorf("renew by another owner: %v, want ECONFLICT", err)
		}
		if err := s.RenewNoticeLease(ctx, n.ID, "a", now.Add(time.Hour)); err != nil {
			t.Fatalf("renew by the holder: %v", err)
		}
		// Past the first lease, within the renewed one: nobody else claims.
		if got, err := s.ClaimDueNotices(ctx, "b", now.Add(2*time.Minute), now.Add(3*time.Minute), 1); err != nil || len(got) != 0 {
			t.Fatalf("claim by another within the renewed lease: %d, %v", len(got), err)
		}
		// Renewed to a time past: free at once.
		if err := s.RenewNoticeLease(ctx, n.ID, "a", now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimDueNotices(ctx, "b", now, now.Add(time.Minute), 1); err != nil || len(got) != 1 {
			t.Fatalf("claim after the give-back: %d, %v", len(got), err)
		}
	})
}

// TestReleaseNoticesByID: a dispatcher gives back the claim of one notice
// (a fresh notice not handed over): only that one, and only while the claim
// is still its own; a notice another dispatcher took over when the claim
// ran out, or delivered, is left as it is.
func TestReleaseNoticesByID(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mustCreateApplication(t, s, minimalApplication("jilin", "A"))
		b := mustCreateApplication(t, s, minimalApplication("jilin", "B"))
		na := mustCreateNotice(t, s, a.ID, "restorenotice", t0)
		nb := mustCreateNotice(t, s, b.ID, "restorenotice", t0)
		if ids := claim(t, s, "d1", t0); !slices.Equal(ids, []int64{na.ID, nb.ID}) {
			t.Fatalf("claim: got %v", ids)
		}
		if err := s.ReleaseNotices(ctx, "d1", na.ID); err != nil {
			t.Fatal(err)
		}
		if ids := claim(t, s, "d2", t0); !slices.Equal(ids, []int64{na.ID}) {
			t.Fatalf("after releasing A: d2 claimed %v, want A only (B is still d1's)", ids)
		}
		// d2 delivers A; d1's claim on B runs out and d2 takes it over.
		// d1, late, gives both back: neither changes.
		finish(t, s, "d2", na, service.NoticeDelivered, t0.Add(30*time.Second))
		if ids := claim(t, s, "d2", t0.Add(61*time.Second)); !slices.Equal(ids, []int64{nb.ID}) {
			t.Fatalf("after d1's lease ran out: d2 claimed %v, want B", ids)
		}
		if err := s.ReleaseNotices(ctx, "d1", na.ID, nb.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetNotice(ctx, na.ID)
		if got.Status != service.NoticeDelivered || got.LeaseOwner != "" {
			t.Errorf("A after d1's late release: %+v, want delivered", got)
		}
		got, _ = s.GetNotice(ctx, nb.ID)
		if got.Status != service.NoticePending || got.LeaseOwner != "d2" {
			t.Errorf("B after d1's late release: status %s, lease %q; want still d2's", got.Status, got.LeaseOwner)
		}
	})
}
