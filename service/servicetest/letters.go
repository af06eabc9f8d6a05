package servicetest

import (
	"context"
	"fmt"
	"sync"

	"github.com/baohangateway/baohan/service"
)

// Letters renders stand-in letters: a PDF header, a comment naming the
// guarantee, whether it is sealed, the project and the bidder, padding up
// to Size bytes, and the end-of-file marker. It counts its calls and can be
// told to fail or panic on the plaintext letter of an application.
type Letters struct {
	// Size is the least size of a letter in bytes; 0 keeps letters small.
	Size int

	mu      sync.Mutex
	calls   int
	failing map[string]error
	panics  map[string]bool
	tries   map[string]int
}

// RenderLetter implements service.LetterRenderer.
func (l *Letters) RenderLetter(_ context.Context, a *service.Application, sealed bool) (*service.RenderedLetter, error) {
	l.mu.Lock()
	l.calls++
	err, panics := l.failing[a.ApplyNo], l.panics[a.ApplyNo]
	if !sealed {
		if l.tries == nil {
			l.tries = map[string]int{}
		}
		l.tries[a.ApplyNo]++
	}
	l.mu.Unlock()
	if !sealed && panics {
		// An index out of range: the kind of bug odd input finds.
		var fields []string
		_ = fields[len(a.ApplyNo)]
	}
	if !sealed && err != nil {
		return nil, err
	}
	p := a.Project()
	b := fmt.Appendf(nil, "%%PDF-1.7\n%% %s sealed=%v %s %s\n", a.BaohanNo, sealed, p.BiaoduanName, p.Zbr)
	for len(b) < l.Size-6 {
		b = append(b, "0123456789abcdef\n"[len(b)%17])
	}
	return &service.RenderedLetter{PDF: append(b, "%%EOF\n"...)}, nil
}

// Fail makes the plaintext letters of applyNo fail with err; a nil err makes
// them succeed again.
func (l *Letters) Fail(applyNo string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failing == nil {
		l.failing = map[string]error{}
	}
	l.failing[applyNo] = err
}

// Panic makes the plaintext letter of applyNo panic.
func (l *Letters) Panic(applyNo string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.panics == nil {
		l.panics = map[string]bool{}
	}
	l.panics[applyNo] = true
}

// Calls returns how many letters were asked for.
func (l *Letters) Calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// Tries returns how many times the plaintext letter of applyNo was asked for.
func (l *Letters) Tries(applyNo string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tries[applyNo]
}
