package service

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Handoff is the seam between the letter workers and the dispatcher of
// their process, made by New and given to both at construction: while a
// dispatcher's Run is under way with it (the first to start), a letter
// worker creates its restorenotice already claimed by that dispatcher, in
// the letter's own transaction, and hands it over with the letter still in
// memory once the transaction has committed; nobody looks the notice up
// again. With no Run under way, the notice waits in the outbox like any
// other.
type Handoff struct {
	taker atomic.Pointer[taker]
}

// current is the taker of fresh notices now, or nil.
func (h *Handoff) current() *taker {
	if h == nil {
		return nil
	}
	return h.taker.Load()
}

// taker is one call of Run's door for fresh notices. A letter worker hands
// a notice through in, unbuffered, straight to one of the Workers
// goroutines Run started for them (serve), which send it under Run's own
// send context: nothing outside Run holds that context. stop is closed
// when Run stops taking; a hand-off is refused from then on, and once Run
// has returned nobody receives from in at all.
type taker struct {
	d    *Dispatcher
	in   chan outgoing
	stop chan struct{}
	wg   sync.WaitGroup // the serving goroutines
	// fresh counts the notices being handed over or sent.
	fresh atomic.Int32
	// lookAfter is set when Run looked for due notices while fresh ones
	// were being handed over or sent: one it found waiting behind a fresh
	// notice is due once that is delivered, so Run looks again then.
	lookAfter atomic.Bool
}

// takeFresh makes d, in this call of Run, the taker of fresh notices unless
// it has no Handoff or another dispatcher has it; then it returns nil. The
// serving goroutines send under sendCtx, Run's send context, until the
// taker is closed.
func (d *Dispatcher) takeFresh(sendCtx context.Context) *taker {
	if d.handoff == nil {
		return nil
	}
	t := &taker{d: d, in: make(chan outgoing), stop: make(chan struct{})}
	if !d.handoff.taker.CompareAndSwap(nil, t) {
		return nil
	}
	for range d.cfg.Workers {
		t.wg.Add(1)
		go t.serve(sendCtx)
	}
	return t
}

// serve sends the fresh notices handed over, one at a time, until the
// taker is closed.
func (t *taker) serve(sendCtx context.Context) {
	defer t.wg.Done()
	for {
		select {
		case o := <-t.in:
			t.send(sendCtx, o)
		case <-t.stop:
			return
		}
	}
}

// send delivers o, or gives it back when it arrived as the taker was being
// closed (both ready at once): Run takes no fresh notice once it stops.
func (t *taker) send(sendCtx context.Context, o outgoing) {
	defer t.fresh.Add(-1)
	select {
	case <-t.stop:
		t.d.giveBack(sendCtx, o.n)
		return
	default:
	}
	t.d.deliver(sendCtx, o)
	if t.lookAfter.CompareAndSwap(true, false) {
		t.d.wake.Signal()
	}
}

// busy reports whether fresh notices are being handed over or sent.
func (t *taker) busy() bool { return t != nil && t.fresh.Load() > 0 }

// sending is how many fresh notices are being handed over or sent.
func (t *taker) sending() int {
	if t == nil {
		return 0
	}
	return int(t.fresh.Load())
}

// close ends t's turn as the taker: a hand-off from now on is refused. It
// returns a channel closed once the notices being sent are finished, nil
// for a nil taker.
func (t *taker) close() <-chan struct{} {
	if t == nil {
		return nil
	}
	t.d.handoff.taker.CompareAndSwap(t, nil)
	close(t.stop)
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	return done
}

// lease is the claim a fresh notice queued for t is created with (see
// queueFor): t's dispatcher's owner, until a lease from now.
func (t *taker) lease(now time.Time) (owner string, until time.Time) {
	return t.d.cfg.Owner, now.Add(t.d.cfg.Lease)
}

// handOffWait bounds how long a letter worker waits for a free notice
// worker: when the platform is slow, letters are still produced and their
// notices wait in the outbox instead.
const handOffWait = 2 * time.Second

// handOff gives o, a notice created claimed by t's dispatcher (queueFor)
// whose transaction has committed, to one of the goroutines of Run that
// serve t, as soon as one is free; it waits up to handOffWait for one. If
// none comes, Run has stopped (or returned) or ctx ends, the hand-off is
// refused and the claim given back, so that any dispatcher sends the notice
// at once by the outbox instead of when the claim runs out.
func (t *taker) handOff(ctx context.Context, o outgoing) {
	t.fresh.Add(1)
	wait := time.NewTimer(handOffWait)
	defer wait.Stop()
	select {
	case t.in <- o:
		return // serve has it and counts it down
	case <-wait.C:
	case <-t.stop:
	case <-ctx.Done():
	}
	t.fresh.Add(-1)
	t.d.giveBack(ctx, o.n)
}

// giveBack clears the claim on the fresh notice n, never sent, and rings
// the wake so that a dispatcher claims it at once. It clears only the
// claim, and only if it is still this dispatcher's: with a lease shorter
// than the wait for a worker, another dispatcher may have claimed the
// notice meanwhile, or even delivered it; clearing its claim (or writing
// back the notice as it was in hand, pending) would let it be sent again.
func (d *Dispatcher) giveBack(ctx context.Context, n *Notice) {
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.store.ReleaseNotices(relCtx, d.cfg.Owner, n.ID); err != nil {
		d.log.Error("releasing a fresh notice", "notice_id", n.ID, "applyno", applyNoOf(n), "error", err,
			"retry_at", n.LeaseUntil)
		return
	}
	d.wake.Signal()
}
