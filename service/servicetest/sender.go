package servicetest

import (
	"context"
	"sync"
	"time"

	"github.com/baohangateway/baohan/service"
)

// Sent is one notice as a Sender got it.
type Sent struct {
	AppKey    string
	Interface string
	Fields    map[string]string
}

// Key names the notice: its interface and applyno.
func (s Sent) Key() string { return s.Interface + " " + s.Fields["applyno"] }

// Answer decides the outcome of one send.
type Answer func(ctx context.Context, s Sent) (service.SendResult, error)

// Accepted is the platform's code 1, as a Sender answers by default.
func Accepted() service.SendResult {
	return service.SendResult{Outcome: service.SendAccepted, HTTPStatus: 200, Code: "1", Message: "成功", Duration: time.Millisecond}
}

// Sender is a service.NoticeSender that records every send and answers as
// its Answer says (Accepted when none is set). It counts the sends of one
// notice that overlap in time, and can hold each send until released.
type Sender struct {
	mu       sync.Mutex
	answer   Answer
	sent     []Sent
	inflight map[string]int
	overlaps int
	started  chan<- Sent     // when set, told of every send as it starts
	release  <-chan struct{} // when set, a send waits for it (or its context)
}

// Send implements service.NoticeSender.
func (f *Sender) Send(ctx context.Context, appkey, iface string, fields map[string]string) (service.SendResult, error) {
	s := Sent{AppKey: appkey, Interface: iface, Fields: fields}
	f.mu.Lock()
	if f.inflight == nil {
		f.inflight = map[string]int{}
	}
	f.inflight[s.Key()]++
	if f.inflight[s.Key()] > 1 {
		f.overlaps++
	}
	f.sent = append(f.sent, s)
	answer, started, release := f.answer, f.started, f.release
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight[s.Key()]--
		f.mu.Unlock()
	}()
	if started != nil {
		started <- s
	}
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return service.SendResult{Outcome: service.SendUnreachable}, ctx.Err()
		}
	}
	if answer == nil {
		return Accepted(), nil
	}
	return answer(ctx, s)
}

// SetAnswer makes fn answer the sends from now on; nil accepts them.
func (f *Sender) SetAnswer(fn Answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = fn
}

// Hold tells started of every send as it starts and makes each wait until
// release is closed (or its context ends); nil channels undo either.
func (f *Sender) Hold(started chan<- Sent, release <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started, f.release = started, release
}

// Sends returns the sends so far, in order.
func (f *Sender) Sends() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// Overlaps returns how many sends began while another send of the same
// notice was under way.
func (f *Sender) Overlaps() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.overlaps
}
