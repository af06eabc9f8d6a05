package service

import (
	"context"
	"errors"
	"fmt"
	"github.com/baohangateway/baohan/internal/text"
	"runtime/debug"
	"sync"
	"time"

	"github.com/baohangateway/baohan/pdf"
)

// Letters makes the plaintext letters of restored applications in the
// background (RunLetterWorkers) and hands each fresh restorenotice to the
// running dispatcher of this process through handoff.
type Letters struct {
	*env
	handoff *Handoff
}

// ProducePlainLetter renders the plaintext letter of a restored application,
// stores it and queues restorenotice (§4.4) in one transaction. It does
// nothing when the letter was produced already (by another worker or
// replica): a guarantee never gets two plaintext letters.
func (s *Letters) ProducePlainLetter(ctx context.Context, id int64) error {
	return retry(func() error {
		a, err := s.Store.GetApplication(ctx, id)
		if err != nil {
			return err
		}
		if !a.PlainPending {
			return nil
		}
		letter, err := s.renderLetter(ctx, a, false)
		if err != nil {
			return err
		}
		doc, err := s.newDocument(a, DocPlainLetter, a.BaohanNo+"-明文保函.pdf", "application/pdf", letter.PDF)
		if err != nil {
			return err
		}
		printed := noteLetter(a, "明文保函", letter.Notes)
		// The restorenotice goes straight to the running dispatcher of
		// this process when there is one, letter in hand (see queueFor).
		t := s.handoff.current()
		var n *Notice
		err = s.Store.WithTx(ctx, func(ctx context.Context) error {
			a.PlainPending = false
			if err := s.Store.UpdateApplication(ctx, a); err != nil {
				return err
			}
			if err := s.Store.CreateDocument(ctx, doc); err != nil {
				return err
			}
			notice := RestoreNotice{ApplyNo: a.ApplyNo, BaohanNo: a.BaohanNo, BaohanURL: s.DocumentURL(doc)}
			var err error
			if n, err = s.queueFor(ctx, t, a, notice, doc.ID); err != nil {
				return err
			}
			detail := "生成明文保函"
			if a.PlainAttempts > 0 {
				detail += fmt.Sprintf("（此前失败 %d 次）", a.PlainAttempts)
			}
			return s.audit(ctx, a, SystemActor(), "plain_letter", detail+printed)
		})
		if err == nil && t != nil && n.LeaseOwner != "" {
			t.handOff(ctx, outgoing{n: n, doc: doc, restoredAt: a.RestoredAt})
		}
		return err
	})
}

// plainDelays are the waits after the first, second, … failed attempt at a
// plaintext letter; after the last the wait stays at it. A letter that
// fails waits its turn again instead of being taken at once, so however
// many fail the others go out in order, and a failure that mends itself (a
// database or signing device back) is over within seconds.
var plainDelays = []time.Duration{5 * time.Second, 15 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}

// plainDelay is the wait after the n-th failed attempt (n ≥ 1).
func plainDelay(n int) time.Duration {
	return plainDelays[min(max(n, 1), len(plainDelays))-1]
}

// deferPlainLetter records a failed attempt at the plaintext letter of
// application id. It logs one line per recorded attempt: a letter that
// keeps failing logs once per step of plainDelays, never in a loop. When
// the record cannot be written it returns when the letter may be tried
// again, for the workers to hold it back themselves; zero otherwise (the
// store's record decides).
func (s *Letters) deferPlainLetter(ctx context.Context, id int64, cause error) time.Time {
	next := s.now().Add(plainDelays[0])
	a, err := s.Store.GetApplication(ctx, id)
	if err != nil {
		s.Log.Error("plaintext letter failed, and reading it again failed too", "application_id", id, "error", text.Clip(cause.Error(), 300), "read_error", err)
		return next
	}
	if !a.PlainPending {
		return time.Time{}
	}
	attempts := a.PlainAttempts + 1
	delay := plainDelay(attempts)
	next = s.now().Add(delay)
	reason := letterFailure(cause)
	ok, err := s.Store.DeferPlainLetter(ctx, id, attempts, next, reason)
	if err != nil {
		s.Log.Error("plaintext letter failed, and recording the failure failed too", "application_id", id, "error", text.Clip(cause.Error(), 300), "record_error", err)
		return next
	}
	if ok {
		s.Metrics.LetterFailed()
		attrs := []any{"application_id", id, "applyno", a.ApplyNo, "attempt", attempts, "retry_in", delay.String(), "error", text.Clip(cause.Error(), 300)}
		var pe *panicError
		if errors.As(cause, &pe) {
			attrs = append(attrs, "stack", text.Clip(string(pe.stack), 4000))
		}
		s.Log.Warn("plaintext letter failed; it will be tried again", attrs...)
	}
	return time.Time{}
}

// RetryLetter makes the pending plaintext letter of application id due at
// once with the full retry schedule ahead of it (an officer's retry of a
// letter that failed); the failed attempts stay in the audit trail. ESTATE
// when the application has no pending letter, or its letter has not
// failed. Whether an officer's retry
// needs a second officer is the console's concern; the admin API calls it
// directly.
func (s *Letters) RetryLetter(ctx context.Context, actor Actor, id int64) (*Application, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	var a *Application
	err := s.Store.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if a, err = s.applicationIf(ctx, id, letterRetryable); err != nil {
			return err
		}
		ok, err := s.Store.RetryPlainLetter(ctx, id)
		if err != nil {
			return err
		}
		if !ok { // produced meanwhile
			return errState(a, "重新生成明文保函", "明文保函已生成")
		}
		detail := fmt.Sprintf("重新生成明文保函，此前失败 %d 次", a.PlainAttempts)
		if a.PlainError != "" {
			detail += "，最后错误：" + a.PlainError
		}
		a.PlainAttempts, a.PlainNextAt, a.PlainError = 0, time.Time{}, ""
		return s.audit(ctx, a, actor, "letter_retry", detail)
	})
	if err != nil {
		return nil, err
	}
	s.wakePlain()
	return a, nil
}

// letterRetryable refuses a retry of a letter that has not failed.
func letterRetryable(a *Application) error {
	switch {
	case !a.PlainPending && !a.Restored():
		return errState(a, "重新生成明文保函", "尚未开标还原，没有待生成的明文保函")
	case !a.PlainPending:
		return errState(a, "重新生成明文保函", "明文保函已生成")
	case a.PlainError == "":
		return errState(a, "重新生成明文保函", "明文保函正在生成，尚未失败")
	}
	return nil
}

// RunLetterWorkers produces pending plaintext letters with n workers until
// ctx is done. It looks for work when a restore commits and every poll
// interval (restores committed by another replica, or before a restart, and
// letters due again). At most 2n applications are in hand at once, so
// memory stays bounded however many restores arrive, and none is handed out
// twice while in hand. A letter that fails is recorded with its next
// attempt (deferPlainLetter) and not taken again before then; when the
// record cannot be written, the workers hold it back themselves.
func (s *Letters) RunLetterWorkers(ctx context.Context, n int, poll time.Duration) {
	if n < 1 {
		n = 1
	}
	f := &plainFeeder{s: s, jobs: make(chan int64, n), done: make(chan plainDone, n),
		inflight: map[int64]bool{}, hold: map[int64]time.Time{}, n: n}
	// With more workers than CPUs (a TSA configured), a worker holds a
	// slot while it makes a letter and gives it up while the TSA answers.
	var slots *pdf.Slots
	if s.LetterCPUs > 0 && s.LetterCPUs < n {
		slots = pdf.NewSlots(s.LetterCPUs)
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range f.jobs {
				d := plainDone{id: id}
				jctx, release := ctx, func() {}
				if slots != nil {
					jctx, release, _ = slots.Take(ctx) // fails only when ctx ends
				}
				if err := s.producePlainLetter(jctx, id); err != nil && ctx.Err() == nil {
					d.retryAt = s.deferPlainLetter(ctx, id, err)
				}
				release()
				f.done <- d
			}
		}()
	}
	go func() {
		wg.Wait()
		close(f.done)
	}()
	f.run(ctx, poll)
	close(f.jobs)
	for range f.done { // let the workers finish what they hold
	}
}

// panicError is a panic while a letter was made, with the stack where it
// happened.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// producePlainLetter is ProducePlainLetter for the workers: a panic on some
// plaintext nobody foresaw becomes a failed attempt of that letter, retried
// on its schedule, instead of a crash that a restart would repeat on the
// same letter, first in the queue.
func (s *Letters) producePlainLetter(ctx context.Context, id int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return s.ProducePlainLetter(ctx, id)
}

// plainDone is a letter a worker has finished with; retryAt is set when it
// failed and the failure could not be recorded.
type plainDone struct {
	id      int64
	retryAt time.Time
}

// plainFeeder hands pending applications to the letter workers.
type plainFeeder struct {
	s        *Letters
	jobs     chan int64
	done     chan plainDone
	inflight map[int64]bool
	hold     map[int64]time.Time // failed here, unrecorded: not handed out again before then
	n        int
}

func (f *plainFeeder) finished(d plainDone) {
	delete(f.inflight, d.id)
	if !d.retryAt.IsZero() {
		f.hold[d.id] = d.retryAt
	}
}

func (f *plainFeeder) run(ctx context.Context, poll time.Duration) {
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	more := true
	for {
		if more {
			more = f.feed(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case d := <-f.done:
			f.finished(d)
		case <-f.s.plainWake:
			more = true
		case <-ticker.C:
			more = true
		}
	}
}

// feed queues the due letters not yet in hand nor held back, up to 2n in
// hand, and reports whether there may be more than it saw.
func (f *plainFeeder) feed(ctx context.Context) bool {
	room := 2*f.n - len(f.inflight)
	if room <= 0 {
		return true
	}
	now := f.s.now()
	for id, t := range f.hold {
		if !t.After(now) {
			delete(f.hold, id)
		}
	}
	limit := room + len(f.inflight) + len(f.hold)
	batch, err := f.s.Store.PlainDueIDs(ctx, now, limit)
	if err != nil {
		if ctx.Err() == nil {
			f.s.Log.Error("finding pending plaintext letters", "error", err)
		}
		return false
	}
	for _, id := range batch {
		if _, held := f.hold[id]; f.inflight[id] || held || room == 0 {
			continue
		}
		for sent := false; !sent; {
			select {
			case f.jobs <- id:
				sent = true
			case d := <-f.done:
				f.finished(d)
			case <-ctx.Done():
				return false
			}
		}
		f.inflight[id] = true
		room--
	}
	return len(batch) == limit
}
