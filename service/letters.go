package service

import (
	"context"
	"sync"
	"time"
)

// wakePlain tells the letter workers that a restore has committed.
func (s *Service) wakePlain() {
	select {
	case s.plainWake <- struct{}{}:
	default:
	}
}

// renderLetter renders a letter and records how long it took.
func (s *Service) renderLetter(ctx context.Context, a *Application, sealed bool) ([]byte, error) {
	start := time.Now()
	letter, err := s.Letters.RenderLetter(ctx, a, sealed)
	kind := DocPlainLetter
	if sealed {
		kind = DocCipherLetter
	}
	if err == nil {
		s.Metrics.Rendered(kind, time.Since(start))
	}
	return letter, err
}

// ProducePlainLetter renders the plaintext letter of a restored application,
// stores it and queues restorenotice (§4.4) in one transaction. It does
// nothing when the letter was produced already (by another worker or
// replica): a guarantee never gets two plaintext letters.
func (s *Service) ProducePlainLetter(ctx context.Context, id int64) error {
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
		doc, err := s.newDocument(a, DocPlainLetter, a.BaohanNo+"-明文保函.pdf", "application/pdf", letter)
		if err != nil {
			return err
		}
		// The restorenotice goes straight to this process's dispatcher
		// when there is one, letter in hand (see queueFor).
		d := s.direct.Load()
		var n *Notice
		err = s.Store.WithTx(ctx, func(ctx context.Context) error {
			a.PlainPending = false
			if err := s.Store.UpdateApplication(ctx, a); err != nil {
				return err
			}
			if err := s.Store.CreateDocument(ctx, doc); err != nil {
				return err
			}
			fields := map[string]string{"applyno": a.ApplyNo, "baohanno": a.BaohanNo, "baohanurl": s.DocumentURL(doc)}
			var err error
			if n, err = s.queueFor(ctx, d, a, ifaceRestoreNotice, fields, doc.ID); err != nil {
				return err
			}
			return s.audit(ctx, a, SystemActor(), "plain_letter", "生成明文保函")
		})
		if err == nil && d != nil && n.LeaseOwner != "" {
			d.handOff(ctx, outgoing{n: n, doc: doc, restoredAt: a.RestoredAt})
		}
		return err
	})
}

// RunLetterWorkers produces pending plaintext letters with n workers until
// ctx is done. It looks for work when a restore commits and every poll
// interval (restores committed by another replica, or before a restart). At
// most 2n applications are in hand at once, so memory stays bounded however
// many restores arrive, and none is handed out twice while in hand.
func (s *Service) RunLetterWorkers(ctx context.Context, n int, poll time.Duration) {
	if n < 1 {
		n = 1
	}
	f := &plainFeeder{s: s, jobs: make(chan int64, n), done: make(chan int64, n), inflight: map[int64]bool{}, n: n}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range f.jobs {
				if err := s.ProducePlainLetter(ctx, id); err != nil && ctx.Err() == nil {
					s.Log.Error("plaintext letter failed", "application_id", id, "error", err)
				}
				f.done <- id
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

// plainFeeder hands pending applications to the letter workers.
type plainFeeder struct {
	s        *Service
	jobs     chan int64
	done     chan int64
	inflight map[int64]bool
	n        int
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
		case id := <-f.done:
			delete(f.inflight, id)
		case <-f.s.plainWake:
			more = true
		case <-ticker.C:
			more = true
		}
	}
}

// feed queues the pending applications not yet in hand, up to 2n in hand, and
// reports whether there may be more than it saw.
func (f *plainFeeder) feed(ctx context.Context) bool {
	room := 2*f.n - len(f.inflight)
	if room <= 0 {
		return true
	}
	limit := room + len(f.inflight)
	batch, err := f.s.Store.PlainPendingIDs(ctx, limit)
	if err != nil {
		if ctx.Err() == nil {
			f.s.Log.Error("finding pending plaintext letters", "error", err)
		}
		return false
	}
	for _, id := range batch {
		if f.inflight[id] || room == 0 {
			continue
		}
		for sent := false; !sent; {
			select {
			case f.jobs <- id:
				sent = true
			case id := <-f.done:
				delete(f.inflight, id)
			case <-ctx.Done():
				return false
			}
		}
		f.inflight[id] = true
		room--
	}
	return len(batch) == limit
}
