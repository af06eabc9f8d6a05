package service_test

import (
	"context"
	"encoding/base64"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// readCounting counts the documents read back from the store.
type readCounting struct {
	service.Store
	docReads atomic.Int64
}

func (c *readCounting) GetDocument(ctx context.Context, id int64) (*service.Document, error) {
	c.docReads.Add(1)
	return c.Store.GetDocument(ctx, id)
}

// runDispatcher runs d until the test ends.
func runDispatcher(t *testing.T, d *service.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// noticeOf returns a's notice of iface.
func noticeOf(t *testing.T, st service.Store, a *service.Application, iface string) *service.Notice {
	t.Helper()
	ns, err := st.ListNotices(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Interface == iface {
			return n
		}
	}
	t.Fatalf("%s has no %s among %d notices", a.ApplyNo, iface, len(ns))
	return nil
}

// TestRestoreNoticeHandedOver: with a dispatcher running in the process, the
// restorenotice of a fresh plaintext letter is created claimed and sent with
// the letter in hand — nobody reads it back — and it still goes out only
// after the application's earlier notices, and still goes out when no
// worker is free to take it.
func TestRestoreNoticeHandedOver(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cs := &readCounting{Store: st}
		svc := newTestService(cs, time.Now)
		sender := &servicetest.Sender{}
		runDispatcher(t, svc.NewDispatcher(sender, service.DispatcherConfig{Poll: time.Hour, Workers: 1, Owner: "handoff"}))

		// Handed over: sent at once, the letter not read back.
		a := approveWith(t, svc, "TBaoHanHAND2026112700001")
		waitDelivered(t, st, a, 5*time.Second)
		reads := cs.docReads.Load()
		restoreWith(t, svc, a)
		waitDelivered(t, st, a, 5*time.Second)
		if n := cs.docReads.Load() - reads; n != 0 {
			t.Errorf("the fresh letter was read back %d times to be sent", n)
		}
		var got *servicetest.Sent
		for _, s := range sender.Sends() {
			if s.Interface == "restorenotice" && s.Fields["applyno"] == a.ApplyNo {
				got = &s
			}
		}
		doc, err := st.GetDocument(ctx, noticeOf(t, st, a, "restorenotice").DocumentID)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil || got.Fields["baohanfile"] != base64.StdEncoding.EncodeToString(doc.Data) || got.Fields["baohanurl"] == "" {
			t.Fatalf("restorenotice sent as %+v, want the stored letter %q", got, doc.Data)
		}
		n := noticeOf(t, st, a, "restorenotice")
		if as, _ := st.ListAttempts(ctx, n.ID); n.LeaseOwner != "" || n.Attempts != 1 || len(as) != 1 || as[0].Code != "1" {
			t.Errorf("restorenotice recorded as %+v with attempts %+v, want delivered once", n, as)
		}

		// An earlier notice not delivered: the restorenotice is not claimed
		// at birth and waits for it.
		sender.SetAnswer(func(_ context.Context, s servicetest.Sent) (service.SendResult, error) {
			if s.Interface == "baohannotice" {
				return service.SendResult{Outcome: service.SendInvalid}, errors.New("报文不符合接口规范")
			}
			return service.SendResult{Outcome: service.SendAccepted, HTTPStatus: 200, Code: "1", Message: "成功"}, nil
		})
		b := approveWith(t, svc, "TBaoHanHAND2026112700002")
		for deadline := time.Now().Add(5 * time.Second); noticeOf(t, st, b, "baohannotice").Status != service.NoticeFailed; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the baohannotice did not fail")
			}
		}
		restoreWith(t, svc, b)
		if n := noticeOf(t, st, b, "restorenotice"); n.LeaseOwner != "" {
			t.Errorf("restorenotice claimed by %q behind an undelivered baohannotice", n.LeaseOwner)
		}
		time.Sleep(50 * time.Millisecond)
		for _, s := range sender.Sends() {
			if s.Interface == "restorenotice" && s.Fields["applyno"] == b.ApplyNo {
				t.Fatal("the restorenotice went out before the baohannotice was delivered")
			}
		}
		sender.SetAnswer(nil)
		bn := noticeOf(t, st, b, "baohannotice")
		if _, err := svc.Guarantees.ResendNotice(ctx, officerChecker, bn.ID); err != nil {
			t.Fatal(err)
		}
		waitDelivered(t, st, b, 5*time.Second)

		// No place free for a fresh notice for longer than a letter worker
		// waits: the claim is given back and the notice goes out by the
		// outbox.
		c := approveWith(t, svc, "TBaoHanHAND2026112700003")
		d := approveWith(t, svc, "TBaoHanHAND2026112700004")
		waitDelivered(t, st, c, 5*time.Second)
		waitDelivered(t, st, d, 5*time.Second)
		release, started := make(chan struct{}), make(chan servicetest.Sent, 4)
		sender.Hold(started, release)
		restoreWith(t, svc, c) // its restorenotice holds the one place
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("the first restorenotice was not sent")
		}
		start := time.Now()
		restoreWith(t, svc, d) // waits for a place, then gives the claim back
		if took := time.Since(start); took < 2*time.Second {
			t.Errorf("the letter worker waited %v for a place, want the 2 s before it gives the claim back", took)
		}
		select { // the outbox sends it while the fresh place is still taken
		case s := <-started:
			if s.Interface != "restorenotice" || s.Fields["applyno"] != d.ApplyNo {
				t.Errorf("sent %s, want the restorenotice of %s", s.Key(), d.ApplyNo)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the restorenotice given back was not sent")
		}
		close(release)
		waitDelivered(t, st, c, 5*time.Second)
		waitDelivered(t, st, d, 5*time.Second)
	})
}

// TestHandedOffSendCutOffAfterDrain: a fresh restorenotice handed over to a
// running dispatcher is sent under Run's context: its send goes on when
// Run's ctx is cancelled, for the drain time, and is cut off then; the
// notice is given back unsent.
func TestHandedOffSendCutOffAfterDrain(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		const drain = 300 * time.Millisecond
		cs := &readCounting{Store: st}
		svc := newTestService(cs, time.Now)
		sender := &servicetest.Sender{}
		d := svc.NewDispatcher(sender, service.DispatcherConfig{Poll: time.Hour, Drain: drain, Owner: "cutoff"})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			d.Run(ctx)
		}()

		a := approveWith(t, svc, "TBaoHanCUT2026112700001")
		waitDelivered(t, st, a, 5*time.Second)
		started, cutOff := make(chan struct{}), make(chan time.Time, 1)
		sender.SetAnswer(func(ctx context.Context, s servicetest.Sent) (service.SendResult, error) {
			close(started)
			<-ctx.Done()
			cutOff <- time.Now()
			return service.SendResult{Outcome: service.SendUnreachable}, ctx.Err()
		})
		reads := cs.docReads.Load()
		restoreWith(t, svc, a) // returns once the notice is handed over
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("the fresh restorenotice was not sent")
		}
		if n := cs.docReads.Load() - reads; n != 0 {
			t.Fatalf("the letter was read back %d times: not handed over", n)
		}
		stop := time.Now()
		cancel()
		select {
		case at := <-cutOff:
			if took := at.Sub(stop); took < drain-50*time.Millisecond || took > drain+3*time.Second {
				t.Errorf("the handed-over send was cut off %v after Run's ctx ended, want the drain time %v", took, drain)
			}
		case <-time.After(drain + 5*time.Second):
			t.Fatal("the handed-over send was never cut off")
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return")
		}
		n := noticeOf(t, st, a, "restorenotice")
		if n.Status != service.NoticePending || n.Attempts != 0 || n.LeaseOwner != "" {
			t.Errorf("after the cut-off: %+v, want pending, no attempt, no lease", n)
		}
	})
}

// gatedStore holds the next transaction begun after arm until the test lets
// it go, and counts the checks for an earlier undelivered notice, which a
// letter makes only when it has a dispatcher to hand its notice to.
type gatedStore struct {
	service.Store
	gate    atomic.Pointer[txGate]
	handing atomic.Int64
}

type txGate struct{ entered, proceed chan struct{} }

func (g *gatedStore) arm() *txGate {
	gate := &txGate{entered: make(chan struct{}), proceed: make(chan struct{})}
	g.gate.Store(gate)
	return gate
}

func (g *gatedStore) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if gate := g.gate.Swap(nil); gate != nil {
		close(gate.entered)
		<-gate.proceed
	}
	return g.Store.WithTx(ctx, fn)
}

func (g *gatedStore) HasUndeliveredNotice(ctx context.Context, id int64) (bool, error) {
	g.handing.Add(1)
	return g.Store.HasUndeliveredNotice(ctx, id)
}

// TestHandOffAfterRunRefused: a letter worker that found the dispatcher
// running but commits its letter after Run returned has its hand-off
// refused at once; the claim is given back and the next Run sends the
// notice by the outbox, reading the letter back.
func TestHandOffAfterRunRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		bg := context.Background()
		cs := &readCounting{Store: st}
		gs := &gatedStore{Store: cs}
		svc := newTestService(gs, time.Now)
		sender := &servicetest.Sender{}
		d := svc.NewDispatcher(sender, service.DispatcherConfig{Poll: time.Hour, Owner: "refusing"})
		ctx, cancel := context.WithCancel(bg)
		done := make(chan struct{})
		go func() {
			defer close(done)
			d.Run(ctx)
		}()

		a := approveWith(t, svc, "TBaoHanLATE2026112700001")
		waitDelivered(t, st, a, 5*time.Second)
		if err := svc.Guarantees.Restore(bg, restoreReq(a)); err != nil {
			t.Fatal(err)
		}
		gate := gs.arm()
		produced := make(chan error, 1)
		go func() { produced <- svc.Letters.ProducePlainLetter(bg, a.ID) }()
		select {
		case <-gate.entered: // the letter is made and its dispatcher chosen
		case <-time.After(5 * time.Second):
			t.Fatal("the letter's transaction did not begin")
		}
		cancel()
		<-done
		start := time.Now()
		close(gate.proceed)
		if err := <-produced; err != nil {
			t.Fatalf("plaintext letter: %v", err)
		}
		if took := time.Since(start); took >= time.Second {
			t.Errorf("the refused hand-off took %v, want at once (not the 2 s wait for a worker)", took)
		}
		if gs.handing.Load() == 0 {
			t.Fatal("the letter did not see a dispatcher to hand its notice to")
		}
		n := noticeOf(t, st, a, "restorenotice")
		if n.Status != service.NoticePending || n.Attempts != 0 || n.LeaseOwner != "" {
			t.Errorf("after the refused hand-off: %+v, want pending, no attempt, no lease", n)
		}
		for _, s := range sender.Sends() {
			if s.Interface == "restorenotice" {
				t.Fatal("the restorenotice was sent with no Run under way")
			}
		}

		reads := cs.docReads.Load()
		runDispatcher(t, d) // a new Run claims it from the outbox
		waitDelivered(t, st, a, 5*time.Second)
		if cs.docReads.Load() == reads {
			t.Error("the restorenotice went out without its letter read back: not by the outbox")
		}
		if n := noticeOf(t, st, a, "restorenotice"); n.Attempts != 1 {
			t.Errorf("restorenotice delivered after %d attempts, want 1", n.Attempts)
		}
	})
}
