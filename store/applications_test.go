package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestApplicationRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := fullApplication("jilin", "T001")
		allSet(t, a, "ID")
		want := stored(a)
		mustCreateApplication(t, s, a)
		if a.ID == 0 || a.Version != 1 {
			t.Fatalf("after Create: got ID %d, Version %d, want an ID and Version 1", a.ID, a.Version)
		}
		want.ID, want.Version = a.ID, 1
		if !a.CreatedAt.Equal(want.CreatedAt) || !a.UpdatedAt.Equal(want.CreatedAt) {
			t.Errorf("after Create: got CreatedAt %v, UpdatedAt %v, want both %v", a.CreatedAt, a.UpdatedAt, want.CreatedAt)
		}
		want.UpdatedAt = want.CreatedAt

		gets := map[string]func() (*service.Application, error){
			"GetApplication":          func() (*service.Application, error) { return s.GetApplication(ctx, a.ID) },
			"GetApplicationByApplyNo": func() (*service.Application, error) { return s.GetApplicationByApplyNo(ctx, "jilin", "T001") },
			"GetApplicationByToken":   func() (*service.Application, error) { return s.GetApplicationByToken(ctx, "pt-T001") },
			"GetApplicationByBaohanNo": func() (*service.Application, error) {
				return s.GetApplicationByBaohanNo(ctx, "BH-T001")
			},
		}
		for name, get := range gets {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sameFields(t, got, want)
		}
		// The microseconds survive; the nanoseconds below them do not.
		got, _ := s.GetApplication(ctx, a.ID)
		if got.IssuedAt.Nanosecond() != 123456000 || got.IssuedAt.Location() != time.UTC || got.IssuedAt.Hour() != 3 {
			t.Errorf("IssuedAt: got %v, want 03:00:07.123456 UTC", got.IssuedAt)
		}
	})
}

func TestApplicationZeroValuesRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := minimalApplication("jilin", "T002")
		mustCreateApplication(t, s, a)
		got, err := s.GetApplication(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *a
		sameFields(t, got, &want)
		if a.CreatedAt.IsZero() || a.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt: got %v, want now in UTC", a.CreatedAt)
		}
		if got.Flags != nil || !got.IssuedAt.IsZero() || got.BaohanNo != "" || got.PortalToken != "" {
			t.Errorf("got %+v, want no flags, times, baohanno or token", got)
		}
	})
}

func TestApplicationNotFound(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreateApplication(t, s, fullApplication("jilin", "T001"))
		for _, tc := range []struct {
			name string
			get  func() (*service.Application, error)
			msg  string
		}{
			{"id", func() (*service.Application, error) { return s.GetApplication(ctx, 424242) }, "未找到编号为 424242 的申请"},
			{"applyno", func() (*service.Application, error) { return s.GetApplicationByApplyNo(ctx, "jilin", "NOPE") }, "未找到业务流水号 NOPE 的申请"},
			{"applyno of another platform", func() (*service.Application, error) { return s.GetApplicationByApplyNo(ctx, "other", "T001") }, "未找到业务流水号 T001 的申请"},
			{"token", func() (*service.Application, error) { return s.GetApplicationByToken(ctx, "secret-token") }, "未找到该链接对应的申请"},
			{"empty token", func() (*service.Application, error) { return s.GetApplicationByToken(ctx, "") }, "未找到该链接对应的申请"},
			{"baohanno", func() (*service.Application, error) { return s.GetApplicationByBaohanNo(ctx, "BH-NOPE") }, "未找到保函编号 BH-NOPE 的保函"},
			{"empty baohanno", func() (*service.Application, error) { return s.GetApplicationByBaohanNo(ctx, "") }, "未找到保函编号  的保函"},
		} {
			got, err := tc.get()
			if got != nil {
				t.Errorf("%s: got %v, want nil", tc.name, got)
			}
			if e := wantCode(t, err, service.ENOTFOUND); e.Message != tc.msg {
				t.Errorf("%s: got message %q, want %q", tc.name, e.Message, tc.msg)
			}
		}
	})
}

func TestApplicationDuplicates(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreateApplication(t, s, fullApplication("jilin", "T001"))

		dup := fullApplication("jilin", "T001")
		dup.PortalToken, dup.BaohanNo = "other-token", "other-bh"
		e := wantCode(t, s.CreateApplication(ctx, dup), service.ECONFLICT)
		if !strings.Contains(e.Message, "T001") {
			t.Errorf("duplicate applyno: message %q does not name the applyno", e.Message)
		}
		if dup.ID != 0 || dup.Version != 99 {
			t.Errorf("failed Create changed the application: ID %d, Version %d", dup.ID, dup.Version)
		}

		// The same applyno on another platform is another application.
		other := fullApplication("other", "T001")
		other.PortalToken, other.BaohanNo = "pt-other", "BH-other"
		mustCreateApplication(t, s, other)

		// A taken portal token or baohanno conflicts too.
		tok := fullApplication("jilin", "T003")
		tok.PortalToken = "pt-T001"
		wantCode(t, s.CreateApplication(ctx, tok), service.ECONFLICT)
		bh := fullApplication("jilin", "T004")
		bh.BaohanNo = "BH-T001"
		wantCode(t, s.CreateApplication(ctx, bh), service.ECONFLICT)

		// Applications without baohanno or portal token do not collide.
		a := mustCreateApplication(t, s, minimalApplication("jilin", "T005"))
		b := mustCreateApplication(t, s, minimalApplication("jilin", "T006"))

		// Issuing a taken baohanno is refused.
		b.BaohanNo = "BH-T001"
		wantCode(t, s.UpdateApplication(ctx, b), service.ECONFLICT)
		b.BaohanNo = "BH-T006"
		if err := s.UpdateApplication(ctx, b); err != nil {
			t.Fatalf("UpdateApplication with a free baohanno: %v", err)
		}
		if got, err := s.GetApplicationByBaohanNo(ctx, "BH-T006"); err != nil || got.ID != b.ID {
			t.Fatalf("GetApplicationByBaohanNo: got %v, %v, want application %d", got, err, b.ID)
		}
		if got, err := s.GetApplication(ctx, a.ID); err != nil || got.BaohanNo != "" {
			t.Fatalf("GetApplication(%d): got %v, %v, want no baohanno", a.ID, got, err)
		}
	})
}

func TestUpdateApplication(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mustCreateApplication(t, s, minimalApplication("jilin", "T001"))
		created := a.CreatedAt

		// Every field is written, including back to zero values, but the
		// letter queue's record, which only its own methods write.
		full := fullApplication("jilin", "T001")
		full.ID, full.Version, full.CreatedAt = a.ID, a.Version, a.CreatedAt
		if err := s.UpdateApplication(ctx, full); err != nil {
			t.Fatalf("UpdateApplication: %v", err)
		}
		if full.Version != 2 || full.UpdatedAt.IsZero() {
			t.Fatalf("after Update: got Version %d, UpdatedAt %v, want 2 and now", full.Version, full.UpdatedAt)
		}
		got, err := s.GetApplication(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := stored(full)
		want.CreatedAt = created
		want.PlainAttempts, want.PlainNextAt, want.PlainError = 0, time.Time{}, ""
		sameFields(t, got, want)

		// A copy read before the update is stale now.
		a.State = service.StateRejected
		e := wantCode(t, s.UpdateApplication(ctx, a), service.ECONFLICT)
		if e.Message != "申请已被其他操作修改，请刷新后重试" {
			t.Errorf("stale update: got message %q", e.Message)
		}
		if a.Version != 1 {
			t.Errorf("stale update changed Version to %d", a.Version)
		}

		// Back to zero values, from the fresh copy.
		zero := minimalApplication("jilin", "T001")
		zero.ID, zero.Version, zero.CreatedAt = got.ID, got.Version, got.CreatedAt
		if err := s.UpdateApplication(ctx, zero); err != nil {
			t.Fatalf("UpdateApplication to zero values: %v", err)
		}
		got, err = s.GetApplication(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, zero)

		// No such application: a conflict too (the row is not there to update).
		ghost := minimalApplication("jilin", "GHOST")
		ghost.ID, ghost.Version = 424242, 1
		wantCode(t, s.UpdateApplication(ctx, ghost), service.ECONFLICT)
	})
}

func TestCreateApplicationConcurrently(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.CreateApplication(ctx, minimalApplication("jilin", "RACE"))
			}()
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch service.ErrorCode(err) {
			case "":
				created++
			case service.ECONFLICT:
			default:
				t.Errorf("got %v, want nil or ECONFLICT", err)
			}
		}
		if created != 1 {
			t.Errorf("got %d applications created, want 1", created)
		}
		_, total, err := s.FindApplications(ctx, service.ApplicationFilter{Query: "RACE"})
		if err != nil || total != 1 {
			t.Errorf("FindApplications: got %d, %v, want 1 row", total, err)
		}
	})
}

func TestFindApplications(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		yes, no := true, false
		base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		mk := func(platform, applyNo string, state service.State, day int, edit func(a *service.Application)) {
			a := minimalApplication(platform, applyNo)
			a.State, a.CreatedAt = state, base.AddDate(0, 0, day)
			a.BidderName, a.BidderCode = "投标人"+applyNo, "CODE"+applyNo
			if edit != nil {
				edit(a)
			}
			mustCreateApplication(t, s, a)
		}
		mk("jilin", "A1", service.StateReceived, 0, nil)
		mk("jilin", "A2", service.StateIssued, 1, func(a *service.Application) { a.BaohanNo = "BHX-77" })
		mk("jilin", "A3", service.StateRestored, 2, func(a *service.Application) { a.PlainPending = true })
		mk("jilin", "A4", service.StateReceived, 3, func(a *service.Application) {
			a.Flags = []service.Flag{{Code: "exposure", Message: "超过敞口", Blocking: true}}
		})
		mk("jilin", "A5_100%", service.StateClaimed, 4, func(a *service.Application) { a.BidderName = "长春 Road Builders" })
		mk("other", "B1", service.StateIssued, 5, nil)

		for _, tc := range []struct {
			name  string
			f     service.ApplicationFilter
			want  []string // applynos, newest first
			total int
		}{
			{"all", service.ApplicationFilter{}, []string{"B1", "A5_100%", "A4", "A3", "A2", "A1"}, 6},
			{"platform", service.ApplicationFilter{Platform: "other"}, []string{"B1"}, 1},
			{"states", service.ApplicationFilter{States: []service.State{service.StateReceived, service.StateClaimed}}, []string{"A5_100%", "A4", "A1"}, 3},
			{"applyno substring", service.ApplicationFilter{Query: "a3"}, []string{"A3"}, 1},
			{"bidder name, any case", service.ApplicationFilter{Query: "road builders"}, []string{"A5_100%"}, 1},
			{"bidder name, Chinese", service.ApplicationFilter{Query: "长春"}, []string{"A5_100%"}, 1},
			{"credit code", service.ApplicationFilter{Query: "codeb1"}, []string{"B1"}, 1},
			{"baohanno", service.ApplicationFilter{Query: "bhx-7"}, []string{"A2"}, 1},
			{"percent is literal", service.ApplicationFilter{Query: "0%"}, []string{"A5_100%"}, 1},
			{"underscore is literal", service.ApplicationFilter{Query: "A_"}, nil, 0},
			{"flagged", service.ApplicationFilter{Flagged: &yes}, []string{"A4"}, 1},
			{"not flagged", service.ApplicationFilter{Flagged: &no, Platform: "jilin"}, []string{"A5_100%", "A3", "A2", "A1"}, 4},
			{"plain pending", service.ApplicationFilter{PlainPending: &yes}, []string{"A3"}, 1},
			{"not plain pending", service.ApplicationFilter{PlainPending: &no, Platform: "other"}, []string{"B1"}, 1},
			{"from, to", service.ApplicationFilter{From: base.AddDate(0, 0, 1), To: base.AddDate(0, 0, 3)}, []string{"A3", "A2"}, 2},
			{"from in another zone", service.ApplicationFilter{From: base.AddDate(0, 0, 5).In(cst)}, []string{"B1"}, 1},
			{"page", service.ApplicationFilter{Offset: 1, Limit: 2}, []string{"A5_100%", "A4"}, 6},
			{"page past the end", service.ApplicationFilter{Offset: 10}, nil, 6},
			{"criteria together", service.ApplicationFilter{Platform: "jilin", States: []service.State{service.StateReceived}, Flagged: &yes}, []string{"A4"}, 1},
		} {
			got, total, err := s.FindApplications(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var nos []string
			for _, a := range got {
				nos = append(nos, a.ApplyNo)
			}
			if fmt.Sprint(nos) != fmt.Sprint(tc.want) || total != tc.total {
				t.Errorf("%s: got %v (total %d), want %v (total %d)", tc.name, nos, total, tc.want, tc.total)
			}
		}

		counts, err := s.CountByState(ctx, service.ApplicationFilter{Platform: "jilin", States: []service.State{service.StatePaid}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[service.State]int{service.StateReceived: 2, service.StateIssued: 1, service.StateRestored: 1, service.StateClaimed: 1}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("CountByState(jilin): got %v, want %v (states of the filter ignored)", counts, want)
		}
	})
}

func TestFindApplicationsDefaultLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		err := s.WithTx(ctx, func(ctx context.Context) error {
			for i := range 55 {
				if err := s.CreateApplication(ctx, minimalApplication("jilin", fmt.Sprintf("N%03d", i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, total, err := s.FindApplications(ctx, service.ApplicationFilter{})
		if err != nil || len(got) != 50 || total != 55 {
			t.Fatalf("got %d applications (total %d), %v, want 50 of 55", len(got), total, err)
		}
		got, _, err = s.FindApplications(ctx, service.ApplicationFilter{Limit: 100000})
		if err != nil || len(got) != 55 {
			t.Fatalf("Limit 100000: got %d, %v, want all 55 (at most 500)", len(got), err)
		}
	})
}

func TestExposure(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if got, err := s.Exposure(ctx); err != nil || got != 0 {
			t.Fatalf("empty: got %v, %v, want 0", got, err)
		}
		amounts := map[service.State]service.Money{}
		for i, st := range service.States {
			a := minimalApplication("jilin", "E"+string(st))
			a.State, a.Amount = st, service.Money(100000000001+i) // above 2^32 fen: exact
			mustCreateApplication(t, s, a)
			amounts[st] = a.Amount
		}
		want := amounts[service.StateIssued] + amounts[service.StateQuitPending] + amounts[service.StateRestored] + amounts[service.StateClaimed]
		if got, err := s.Exposure(ctx); err != nil || got != want {
			t.Fatalf("got %v, %v, want %v", got, err, want)
		}
	})
}
