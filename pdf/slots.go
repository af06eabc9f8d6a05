package pdf

import "context"

// Slots bounds how many letters are made at once, not counting those
// waiting for a timestamp: a letter signed under a context from Take gives
// its slot to another while the TSA answers, and takes it back after. So a
// slow TSA does not leave the CPUs idle, and a fast one does not put more
// letters in hand than there are CPUs to make them: more only queue for the
// database's writer and the CPUs (issue 12's storm with a local TSA: eight
// letter workers on two CPUs made it 1.3 × slower, two did not).
type Slots struct{ c chan struct{} }

// NewSlots makes n slots (at least one).
func NewSlots(n int) *Slots { return &Slots{c: make(chan struct{}, max(n, 1))} }

// slot is one letter's hold on a Slots.
type slot struct {
	ctx  context.Context
	c    chan struct{}
	held bool
}

type slotKey struct{}

// Take waits for a slot as long as ctx allows and returns a context that
// carries it, and the function that gives it back (call it once the letter
// is done with, whatever happened). Letters rendered under that context
// give the slot up while they wait for the TSA.
func (s *Slots) Take(ctx context.Context) (context.Context, func(), error) {
	sl := &slot{ctx: ctx, c: s.c}
	if err := sl.take(); err != nil {
		return ctx, func() {}, err
	}
	return context.WithValue(ctx, slotKey{}, sl), sl.release, nil
}

func (sl *slot) take() error {
	if sl.held {
		return nil
	}
	select {
	case sl.c <- struct{}{}:
		sl.held = true
		return nil
	case <-sl.ctx.Done():
		return sl.ctx.Err()
	}
}

// release gives the slot back; releasing a slot not held does nothing.
func (sl *slot) release() {
	if sl.held {
		sl.held = false
		<-sl.c
	}
}

// awayFromSlot runs f, a wait that needs no CPU, without the slot that ctx
// carries (if any), and takes the slot back afterwards.
func awayFromSlot(ctx context.Context, f func()) error {
	sl, _ := ctx.Value(slotKey{}).(*slot)
	if sl == nil {
		f()
		return nil
	}
	sl.release()
	f()
	return sl.take()
}
