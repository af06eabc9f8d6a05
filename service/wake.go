package service

import "context"

// Wake is a doorbell: Signal rings it without blocking, and a sleeper
// waits on the channel. Rings while nobody listens fold into one.
type Wake chan struct{}

// NewWake returns a doorbell that keeps one ring.
func NewWake() Wake { return make(Wake, 1) }

// Signal rings w; it never blocks.
func (w Wake) Signal() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// WakeOnNotice wraps st so that wake is called when a transaction that
// queued a notice commits, or when a notice is queued outside a
// transaction (see wakingStore). New wraps the Service's store with it,
// ringing Service.NoticeWake, which the dispatchers listen to.
func WakeOnNotice(st Store, wake func()) Store {
	return &wakingStore{Store: st, wake: wake}
}

// wakingStore is a store with a commit hook: when a transaction
// that queued a notice commits, or a notice is queued outside a
// transaction, it wakes the dispatcher, so the notice goes out at once
// instead of at the next poll. The wake comes after the commit on purpose: a
// dispatcher woken earlier would look before the notice is visible and then
// sleep through it.
type wakingStore struct {
	Store
	wake func()
}

// queuedKey carries, in a transaction's context, whether it queued a notice.
type queuedKey struct{}

// WithTx implements Store: the outermost transaction wakes the dispatcher
// once it has committed, if a notice was queued in it.
func (w *wakingStore) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, nested := ctx.Value(queuedKey{}).(*bool); nested {
		return w.Store.WithTx(ctx, fn)
	}
	queued := new(bool) // fn runs in one goroutine (Store.WithTx)
	err := w.Store.WithTx(context.WithValue(ctx, queuedKey{}, queued), fn)
	if err == nil && *queued {
		w.wake()
	}
	return err
}

// CreateNotice implements Store: it notes the notice for the commit hook,
// unless it was created claimed (queueFor), which no dispatcher need look
// for.
func (w *wakingStore) CreateNotice(ctx context.Context, n *Notice) error {
	if err := w.Store.CreateNotice(ctx, n); err != nil {
		return err
	}
	if n.LeaseOwner == "" {
		noticeQueued(ctx, w.wake)
	}
	return nil
}

// noticeQueued arranges for wake to be called when the transaction of ctx
// commits, or calls it at once when ctx carries no transaction.
func noticeQueued(ctx context.Context, wake func()) {
	if queued, ok := ctx.Value(queuedKey{}).(*bool); ok {
		*queued = true
		return
	}
	wake()
}
