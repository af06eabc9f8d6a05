package service

import (
	"context"
	"github.com/baohangateway/baohan/internal/text"
	"time"
)

// Limits of what an attempt records of the platform's words.
const (
	maxAttemptMessage = 2000 // characters of the platform's message
	maxAttemptError   = 2000 // characters of an error
)

// recordWait bounds how long deliver keeps trying to record an attempt the
// platform answered when the database refuses the write; the claim is kept
// alive meanwhile (keepClaim).
const recordWait = 2 * time.Minute

// deliver makes one attempt to send n, which this dispatcher has claimed,
// and records it with the notice's next state.
//
// Once the platform has answered, the answer is what matters most: a notice
// the platform accepted and that is not recorded as delivered is sent
// again. So everything the record needs (the attempts before this one) is
// read before sending; the claim is renewed for as long as the attempt
// lasts, so that no other dispatcher (nor this one) takes the notice while
// it is being sent or recorded; and a record the database refuses is tried
// again, also during shutdown, instead of being left to the claim running
// out. What remains is a process that dies between the platform's answer
// and the commit of the record: then the notice is sent again when the dead
// process's claim runs out, the one case the platform may see it twice.
func (d *Dispatcher) deliver(ctx context.Context, o outgoing) {
	n := o.n
	stopKeeping := d.keepClaim(ctx, n)
	defer stopKeeping()
	start := d.now()

	var history []*NoticeAttempt
	if n.Attempts > 0 {
		var err error
		if history, err = d.store.ListAttempts(ctx, n.ID); err != nil {
			// Without the history the retry decision cannot be made;
			// nothing was sent, so give the claim back to be tried again.
			if ctx.Err() == nil {
				d.log.Error("notice not sent: reading its attempts failed", "notice_id", n.ID, "applyno", applyNoOf(n), "error", err)
			}
			d.release(ctx, n)
			return
		}
	}

	attemptCtx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	var (
		res     SendResult
		sendErr error
	)
	fields, err := d.message(attemptCtx, o)
	switch {
	case ErrorCode(err) == EINTERNAL:
		// The database, not the notice: nothing was sent, so there is no
		// attempt to record. The claim runs out and the notice is tried
		// again then.
		if ctx.Err() == nil {
			d.log.Error("notice not sent: reading its document failed", "notice_id", n.ID, "applyno", applyNoOf(n), "error", err)
		}
		return
	case err != nil:
		res, sendErr = SendResult{Outcome: SendInvalid}, err
	default:
		res, sendErr = d.sender.Send(attemptCtx, n.Platform, n.Interface, fields)
		if res.Outcome == "" { // a sender that forgot to say
			res.Outcome = SendUnreachable
			if sendErr == nil {
				res.Outcome = SendRefused
				if res.Code == "1" {
					res.Outcome = SendAccepted
				}
			}
		}
	}
	answered := res.HTTPStatus != 0 || res.Code != ""
	if ctx.Err() != nil && !answered {
		// Cut off by shutdown before any answer: not the platform's
		// doing, so not an attempt. Run releases the claim; the next
		// dispatcher sends it again. An answer that came is recorded.
		d.log.Warn("notice send cut off by shutdown", "notice_id", n.ID, "interface", n.Interface, "applyno", applyNoOf(n))
		return
	}

	a := &NoticeAttempt{
		StartedAt: start, Duration: res.Duration, HTTPStatus: res.HTTPStatus,
		Code: res.Code, Message: text.Clip(res.Message, maxAttemptMessage),
	}
	if sendErr != nil {
		a.Error = text.Clip(errorText(sendErr), maxAttemptError)
	}
	class := classify(res)
	next := *n
	next.Attempts = n.Attempts + 1
	next.NextAttemptAt, next.DeliveredAt = time.Time{}, time.Time{}
	end := d.now()
	var delay time.Duration
	switch class {
	case retryNone:
		next.Status, next.DeliveredAt, next.LastError = NoticeDelivered, end, ""
	case retryNever:
		next.Status, next.LastError = NoticeFailed, a.lastError()
	default:
		var retry bool
		if retry, delay = nextDelay(class, seriesOf(n, history, a, class), start); retry {
			delay = jitter(delay, d.cfg.Rand())
			next.Status, next.NextAttemptAt = NoticePending, end.Add(delay)
		} else {
			next.Status = NoticeFailed
		}
		next.LastError = a.lastError()
	}

	// The log tells what happened on the wire before the record is written:
	// a process killed between the two then leaves the line (and, with the
	// record missing, sends again and logs again) instead of a delivery the
	// record knows and the log never shows.
	d.logAttempt(&next, res, a, class, delay)
	entry := AnsweredAttempt{Owner: d.cfg.Owner, Notice: next, Attempt: *a}
	journaled := false
	if d.cfg.Journal != nil && answered {
		if err := d.cfg.Journal.Note(entry); err != nil {
			d.log.Warn("answer journal: not kept", "notice_id", n.ID, "error", err)
		} else {
			journaled = true
		}
	}
	err = d.record(ctx, &next, a)
	if journaled && (err == nil || ErrorCode(err) == ECONFLICT) {
		d.cfg.Journal.Recorded(entry)
	}
	switch {
	case err == nil:
		d.observe(context.WithoutCancel(ctx), &next, o.restoredAt, res)
	case ErrorCode(err) == ECONFLICT:
		d.log.Warn("notice attempt not recorded: the claim was lost (the notice was resent)",
			"notice_id", n.ID, "applyno", applyNoOf(n), "interface", n.Interface, "attempt", next.Attempts, "owner", d.cfg.Owner)
	default:
		d.log.Error("notice attempt not recorded; the notice will be tried again when the claim runs out",
			"notice_id", n.ID, "applyno", applyNoOf(n), "interface", n.Interface, "attempt", next.Attempts, "error", err)
	}
}

// record writes attempt a and the notice's next state. A refusal by the
// database other than a lost claim is retried with a growing pause for up
// to recordWait, and for a few seconds more once ctx is done (shutdown), so
// that an answer in hand is not dropped for a moment's lock or a dropped
// connection.
func (d *Dispatcher) record(ctx context.Context, n *Notice, a *NoticeAttempt) error {
	recCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordWait)
	defer cancel()
	pause := 50 * time.Millisecond
	for try := 1; ; try++ {
		err := d.store.FinishAttempt(recCtx, d.cfg.Owner, n, a)
		if err == nil || ErrorCode(err) == ECONFLICT || recCtx.Err() != nil {
			return err
		}
		if try == 1 || try%10 == 0 {
			d.log.Warn("recording a notice attempt failed; trying again", "notice_id", n.ID, "applyno", applyNoOf(n), "try", try, "error", err)
		}
		if ctx.Err() != nil {
			// Shutting down: a few more tries, then give up.
			if try >= 5 {
				return err
			}
			pause = 200 * time.Millisecond
		}
		select {
		case <-recCtx.Done():
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, 2*time.Second)
	}
}

// keepClaim renews the claim on n every third of the lease until the
// returned function is called, so that the claim does not run out while n
// is being sent or its attempt recorded: a running-out claim would let a
// dispatcher take and send n again although its first attempt may have been
// accepted.
func (d *Dispatcher) keepClaim(ctx context.Context, n *Notice) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(d.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			renewCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Lease/3)
			err := d.store.RenewNoticeLease(renewCtx, n.ID, d.cfg.Owner, d.now().Add(d.cfg.Lease))
			cancel()
			switch {
			case ErrorCode(err) == ECONFLICT:
				return // recorded meanwhile, or resent by an officer
			case err != nil:
				d.log.Warn("renewing a notice claim failed", "notice_id", n.ID, "applyno", applyNoOf(n), "error", err)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// release gives back the claim on n, so that it is tried again at once
// rather than when the claim runs out.
func (d *Dispatcher) release(ctx context.Context, n *Notice) {
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.store.RenewNoticeLease(relCtx, n.ID, d.cfg.Owner, d.now().Add(-time.Second)); err != nil && ErrorCode(err) != ECONFLICT {
		d.log.Warn("giving back a notice claim failed; it runs out by itself", "notice_id", n.ID, "error", err)
	}
}

// ReplayAnswers records the answers that processes gone before recording
// them left in the journal, each if its notice is still held by the process
// that got the answer (a claim that ran out is not taken over by then, or
// the notice was resent), then forgets them. Run calls it before it claims
// anything.
func (d *Dispatcher) ReplayAnswers(ctx context.Context) {
	j := d.cfg.Journal
	if j == nil {
		return
	}
	orphans, err := j.Orphans()
	if err != nil {
		d.log.Error("answer journal: reading the answers of stopped processes", "error", err)
		return
	}
	failed := false
	for _, e := range orphans {
		n, a := e.Notice, e.Attempt
		switch err := d.store.FinishAttempt(ctx, e.Owner, &n, &a); {
		case err == nil:
			d.log.Warn("recorded an answer of the platform that a stopped process did not record",
				"notice_id", n.ID, "applyno", applyNoOf(&n), "interface", n.Interface, "status", n.Status, "attempt", n.Attempts, "dead_owner", e.Owner)
		case ErrorCode(err) == ECONFLICT: // recorded already, or the claim was taken over
		default:
			failed = true
			d.log.Error("answer journal: recording an answer of a stopped process", "notice_id", n.ID, "error", err)
		}
	}
	if failed {
		return // kept for the next start
	}
	if err := j.Forget(); err != nil {
		d.log.Error("answer journal: removing replayed journals", "error", err)
	}
}

// seriesOf gathers what the retry decision needs: the attempts since the
// notice was queued or resent (the last n.Attempts of history) and a.
func seriesOf(n *Notice, history []*NoticeAttempt, a *NoticeAttempt, class retryClass) series {
	s := series{Attempts: n.Attempts + 1, First: a.StartedAt}
	if class == retryLater {
		s.Refusals = 1
	}
	if n.Attempts == 0 {
		return s
	}
	if len(history) > n.Attempts {
		history = history[len(history)-n.Attempts:]
	}
	for _, p := range history {
		if refusal(p.HTTPStatus, p.Code) {
			s.Refusals++
		}
		if !p.StartedAt.IsZero() && p.StartedAt.Before(s.First) {
			s.First = p.StartedAt
		}
	}
	return s
}
