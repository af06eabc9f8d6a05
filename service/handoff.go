package service

import (
	"context"
	"sync/atomic"
	"time"
)

// Handoff is the seam between the letter workers and the dispatcher of
// their process, made by New and given to both at construction: while a
// dispatcher runs with it (the first to start), a letter worker creates its
// restorenotice already claimed by that dispatcher, in the letter's own
// transaction, and hands it over with the letter still in memory once the
// transaction has committed; nobody looks the notice up again. With no
// dispatcher running, the notice waits in the outbox like any other.
type Handoff struct {
	taker atomic.Pointer[Dispatcher]
}

// take makes d the taker of fresh notices unless another has it.
func (h *Handoff) take(d *Dispatcher) bool { return h.taker.CompareAndSwap(nil, d) }

// give ends d's turn as the taker.
func (h *Handoff) give(d *Dispatcher) { h.taker.CompareAndSwap(d, nil) }

// current is the dispatcher taking fresh notices now, or nil.
func (h *Handoff) current() *Dispatcher {
	if h == nil {
		return nil
	}
	return h.taker.Load()
}

// handOffWait bounds how long a letter worker waits for a free notice
// worker: when the platform is slow, letters are still produced and their
// notices wait in the outbox instead.
const handOffWait = 2 * time.Second

// handOff sends o, a notice created claimed by d (queueFor) whose
// transaction has committed, in a goroutine of its own, once one of the
// Workers places for fresh notices is free; it waits up to handOffWait for
// one. If none comes, Run has stopped or ctx ends, it gives the claim back
// so that any dispatcher sends the notice at once instead of when the claim
// runs out.
func (d *Dispatcher) handOff(ctx context.Context, o outgoing) {
	wait := time.NewTimer(handOffWait)
	defer wait.Stop()
	select {
	case d.freshSlots <- struct{}{}:
		d.mu.Lock()
		if !d.stopping {
			d.freshWG.Add(1)
			d.mu.Unlock()
			go func() {
				defer func() {
					<-d.freshSlots
					d.freshWG.Done()
				}()
				d.deliver(d.sendCtx, o)
				if d.lookAfter.CompareAndSwap(true, false) {
					d.wake.Signal()
				}
			}()
			return
		}
		d.mu.Unlock()
		<-d.freshSlots
	case <-wait.C:
	case <-d.stopped:
	case <-ctx.Done():
	}
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.store.UpdateNotice(relCtx, o.n); err != nil {
		d.log.Error("releasing a fresh notice", "notice_id", o.n.ID, "applyno", applyNoOf(o.n), "error", err,
			"retry_at", o.n.LeaseUntil)
		return
	}
	d.wake.Signal()
}
