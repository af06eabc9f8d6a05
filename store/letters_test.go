package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// TestPlainLetterQueue: the letter workers' queue takes the letters never
// tried first, in id order, then the ones due again; a failure recorded
// takes a letter out until it is due; a retry puts it back at once; an
// update of the application leaves the record alone.
func TestPlainLetterQueue(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 1, 0, 0, 0, time.UTC)
		ids := map[string]int64{}
		for _, no := range []string{"P1", "P2", "P3", "P4", "DONE"} {
			a := minimalApplication("jilin", no)
			a.State, a.RestoredAt, a.PlainPending = service.StateRestored, now, no != "DONE"
			ids[no] = mustCreateApplication(t, s, a).ID
		}
		due := func(at time.Time, limit int) []int64 {
			t.Helper()
			got, err := s.PlainDueIDs(ctx, at, limit)
			if err != nil {
				t.Fatalf("PlainDueIDs: %v", err)
			}
			return got
		}
		want := func(nos ...string) []int64 {
			out := []int64{}
			for _, no := range nos {
				out = append(out, ids[no])
			}
			return out
		}
		check := func(what string, got, want []int64) {
			t.Helper()
			if len(got) == 0 {
				got = []int64{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %v, want %v", what, got, want)
			}
		}
		check("all fresh", due(now, 10), want("P1", "P2", "P3", "P4"))
		check("limit", due(now, 2), want("P1", "P2"))

		// P1 fails twice over, P2 once: they wait; the others come first.
		defer1 := func(no string, attempts int, next time.Time) bool {
			t.Helper()
			ok, err := s.DeferPlainLetter(ctx, ids[no], attempts, next, fmt.Sprintf("第 %d 次失败", attempts))
			if err != nil {
				t.Fatalf("DeferPlainLetter(%s, %d): %v", no, attempts, err)
			}
			return ok
		}
		if !defer1("P1", 1, now.Add(5*time.Second)) || !defer1("P2", 1, now.Add(3*time.Second)) {
			t.Fatal("DeferPlainLetter of a pending letter answered false")
		}
		if defer1("P1", 1, now.Add(time.Hour)) {
			t.Error("a second record of the same attempt was written")
		}
		if defer1("DONE", 1, now.Add(time.Hour)) {
			t.Error("a letter that is not pending was deferred")
		}
		check("while waiting", due(now, 10), want("P3", "P4"))
		check("P2 due", due(now.Add(4*time.Second), 10), want("P3", "P4", "P2"))
		check("both due, by due time", due(now.Add(5*time.Second), 10), want("P3", "P4", "P2", "P1"))

		a, err := s.GetApplication(ctx, ids["P1"])
		if err != nil {
			t.Fatal(err)
		}
		if a.PlainAttempts != 1 || !a.PlainNextAt.Equal(now.Add(5*time.Second)) || a.PlainError != "第 1 次失败" || !a.LetterFailed() {
			t.Errorf("P1 after a failure: attempts %d, next %v, error %q", a.PlainAttempts, a.PlainNextAt, a.PlainError)
		}

		// An update from that copy leaves a later record alone.
		if !defer1("P1", 2, now.Add(time.Minute)) {
			t.Fatal("second failure not recorded")
		}
		a.State = service.StateCancelled
		if err := s.UpdateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetApplication(ctx, ids["P1"]); got.PlainAttempts != 2 || got.PlainError != "第 2 次失败" {
			t.Errorf("UpdateApplication undid the failure record: attempts %d, error %q", got.PlainAttempts, got.PlainError)
		}

		// The console's filter of letters that failed.
		failed, total, err := s.FindApplications(ctx, service.ApplicationFilter{LetterFailed: true})
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(failed) != 2 {
			t.Errorf("LetterFailed filter: %d of %d, want P1 and P2", len(failed), total)
		}

		// A retry: due at once, with the fresh ones, its record cleared.
		ok, err := s.RetryPlainLetter(ctx, ids["P1"])
		if err != nil || !ok {
			t.Fatalf("RetryPlainLetter: %v, %v", ok, err)
		}
		check("after retry", due(now, 10), want("P1", "P3", "P4"))
		if got, _ := s.GetApplication(ctx, ids["P1"]); got.PlainAttempts != 0 || !got.PlainNextAt.IsZero() || got.PlainError != "" {
			t.Errorf("after retry: attempts %d, next %v, error %q", got.PlainAttempts, got.PlainNextAt, got.PlainError)
		}
		if ok, err := s.RetryPlainLetter(ctx, ids["DONE"]); err != nil || ok {
			t.Errorf("RetryPlainLetter of a letter that is not pending: %v, %v", ok, err)
		}
	})
}
