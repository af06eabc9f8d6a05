package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// flakyRecords is a store whose first failures FinishAttempt calls fail as
// a locked or dropped database would.
type flakyRecords struct {
	*store.Store
	mu       sync.Mutex
	failures int
	calls    int
}

func (f *flakyRecords) FinishAttempt(ctx context.Context, owner string, n *service.Notice, a *service.NoticeAttempt) error {
	f.mu.Lock()
	f.calls++
	fail := f.calls <= f.failures
	f.mu.Unlock()
	if fail {
		return errors.New("database is locked (5) (SQLITE_BUSY)")
	}
	return f.Store.FinishAttempt(ctx, owner, n, a)
}

// An answer in hand is not dropped because the database refused the
// record for a moment: the platform's acceptance is recorded, and the
// notice is not sent again when the claim would have run out.
func TestDispatcherRecordRetried(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		flaky := &flakyRecords{Store: st, failures: 3}
		e := newDispatchEnv(t, st, service.DispatcherConfig{})
		e.svc = newTestService(flaky, e.clock.Now)
		e.d = e.svc.NewDispatcher(e.sender, service.DispatcherConfig{Owner: "test-dispatcher", Rand: func() float64 { return 0.5 }})
		a := e.approve("TBaoHanREC2026120200001")
		if got := e.round(); got != 1 {
			t.Fatalf("claimed %d, want 1", got)
		}
		if n := e.only(a); n.Status != service.NoticeDelivered || n.Attempts != 1 || n.LeaseOwner != "" {
			t.Fatalf("notice %+v, want delivered after one attempt, unleased", n)
		}
		if flaky.calls != 4 {
			t.Errorf("FinishAttempt called %d times, want 4 (3 refused, then recorded)", flaky.calls)
		}
		e.clock.Advance(2 * service.DefaultNoticeLease)
		e.round()
		if got := len(e.sender.Sends()); got != 1 {
			t.Errorf("the platform got the notice %d times, want once", got)
		}
	})
}

// A send that outlasts the lease keeps its claim: another dispatcher does
// not take the notice and send it a second time.
func TestDispatcherClaimKeptWhileSending(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		const lease = 600 * time.Millisecond
		e := newDispatchEnv(t, st, service.DispatcherConfig{Lease: lease})
		started, release := make(chan servicetest.Sent, 1), make(chan struct{})
		e.sender.Hold(started, release)
		a := e.approve("TBaoHanKEEP2026120200001")
		done := make(chan int)
		go func() {
			n, _ := e.d.DeliverDue(e.ctx)
			done <- n
		}()
		<-started
		// The notice's clock moves past the claim; the holder renews it.
		e.clock.Advance(time.Hour)
		deadline := time.Now().Add(10 * time.Second)
		for e.only(a).LeaseUntil.Before(e.clock.Now()) {
			if time.Now().After(deadline) {
				t.Fatal("the claim was not renewed while the notice was being sent")
			}
			time.Sleep(20 * time.Millisecond)
		}
		other := e.svc.NewDispatcher(e.sender, service.DispatcherConfig{Owner: "other-dispatcher", Lease: lease})
		if n, err := other.DeliverDue(e.ctx); err != nil || n != 0 {
			t.Fatalf("another dispatcher claimed %d (%v), want 0 while the holder sends", n, err)
		}
		close(release)
		if n := <-done; n != 1 {
			t.Fatalf("claimed %d, want 1", n)
		}
		if n := e.only(a); n.Status != service.NoticeDelivered || n.Attempts != 1 {
			t.Fatalf("notice %+v, want delivered after one attempt", n)
		}
		if got := len(e.sender.Sends()); got != 1 {
			t.Errorf("the platform got the notice %d times, want once", got)
		}
	})
}

// An answer that comes as the dispatcher is being stopped is recorded, not
// taken for a send cut off by the shutdown (which would send it again).
func TestDispatcherAnswerAtShutdownRecorded(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newDispatchEnv(t, st, service.DispatcherConfig{})
		a := e.approve("TBaoHanSTOP2026120200001")
		ctx, cancel := context.WithCancel(e.ctx)
		e.sender.SetAnswer(func(context.Context, servicetest.Sent) (service.SendResult, error) {
			cancel() // the process is asked to stop as the answer arrives
			return service.SendResult{Outcome: service.SendAccepted, HTTPStatus: 200, Code: "1", Message: "成功"}, nil
		})
		if n, _ := e.d.DeliverDue(ctx); n != 1 {
			t.Fatalf("claimed %d, want 1", n)
		}
		if n := e.only(a); n.Status != service.NoticeDelivered || n.Attempts != 1 || n.LeaseOwner != "" {
			t.Fatalf("notice %+v, want delivered after one attempt, unleased", n)
		}
	})
}

// A process that got the platform's acceptance and could not record it
// (here: the database refuses until the process stops; in life: SIGKILL
// between the answer and the commit) leaves the answer in its journal; the
// next dispatcher records it before claiming anything, and the platform
// does not get the notice again.
func TestDispatcherJournalReplayed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		dir := t.TempDir()
		flaky := &flakyRecords{Store: st, failures: 1000}
		e := newDispatchEnv(t, st, service.DispatcherConfig{})
		first, err := store.OpenAnswerJournal(dir, "dead-host:1:abc")
		if err != nil {
			t.Fatal(err)
		}
		e.svc = newTestService(flaky, e.clock.Now)
		e.d = e.svc.NewDispatcher(e.sender, service.DispatcherConfig{Owner: "dead-host:1:abc", Journal: first, Rand: func() float64 { return 0.5 }})
		a := e.approve("TBaoHanJRNL2026120200001")
		ctx, cancel := context.WithCancel(e.ctx)
		e.sender.SetAnswer(func(context.Context, servicetest.Sent) (service.SendResult, error) {
			cancel()
			return service.SendResult{Outcome: service.SendAccepted, HTTPStatus: 200, Code: "1", Message: "成功"}, nil
		})
		if n, _ := e.d.DeliverDue(ctx); n != 1 {
			t.Fatalf("claimed %d, want 1", n)
		}
		if n := e.only(a); n.Status != service.NoticePending || n.LeaseOwner != "dead-host:1:abc" {
			t.Fatalf("before the replay: %+v, want pending and held by the first process", n)
		}
		if err := first.Close(); err != nil { // the process is gone
			t.Fatal(err)
		}

		e.clock.Advance(2 * service.DefaultNoticeLease) // its claim has run out
		second, err := store.OpenAnswerJournal(dir, "new-host:2:def")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { second.Close() })
		e.svc = newTestService(st, e.clock.Now)
		e.sender.SetAnswer(nil)
		e.d = e.svc.NewDispatcher(e.sender, service.DispatcherConfig{Owner: "new-host:2:def", Journal: second})
		e.d.ReplayAnswers(e.ctx)
		if n := e.only(a); n.Status != service.NoticeDelivered || n.Attempts != 1 || n.LeaseOwner != "" {
			t.Fatalf("after the replay: %+v, want delivered after one attempt", n)
		}
		e.round()
		if got := len(e.sender.Sends()); got != 1 {
			t.Errorf("the platform got the notice %d times, want once", got)
		}
		if orphans, err := second.Orphans(); err != nil || len(orphans) != 0 {
			t.Errorf("journals left after the replay: %d, %v", len(orphans), err)
		}
	})
}
