package service

import (
	"strings"
	"sync"
	"time"
)

// Backoff slows down guessing: it counts failures by key (a user name, a
// client address) and, past the first Free ones, makes each further failure
// double the wait before the key's next attempt is let through, from First
// up to Max. Nothing is ever blocked for good: once the wait has run out
// one attempt goes through, and a success (Reset) or Forget of quiet clears
// the count. Attempts refused during a wait are not failures: hammering
// does not lengthen the wait, so whoever else shares the key is held up by
// at most Max.
//
// It lives in memory: each process keeps its own counts (with several
// replicas a guesser gets each count once per replica, a small factor on an
// exponential).
type Backoff struct {
	Free   int           // failures in a row without a wait
	First  time.Duration // the wait after failure Free+1; it doubles with each further one
	Max    time.Duration // the longest wait
	Forget time.Duration // a key without a failure for this long starts again from zero
	// MaxKeys bounds the keys remembered (0: 100,000): past it the quiet
	// ones are dropped, then any.
	MaxKeys int

	mu   sync.Mutex
	keys map[string]*backoffKey
}

type backoffKey struct {
	failures int
	last     time.Time // of the last failure
	until    time.Time // no attempt before this
}

// Wait returns how long key must still wait before its next attempt; 0:
// go ahead.
func (b *Backoff) Wait(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.get(key, now)
	if k == nil || !now.Before(k.until) {
		return 0
	}
	return k.until.Sub(now)
}

// Fail records a failed attempt of key and returns the wait it starts (0
// while the failures are within Free).
func (b *Backoff) Fail(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.get(key, now)
	if k == nil {
		b.makeRoom(now)
		k = &backoffKey{}
		b.keys[key] = k
	}
	k.failures++
	k.last = now
	wait := b.delay(k.failures)
	k.until = now.Add(wait)
	return wait
}

// Reset forgets key's failures (a success).
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.keys, key)
}

// ResetPrefix forgets the failures of every key starting with prefix.
func (b *Backoff) ResetPrefix(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for key := range b.keys {
		if strings.HasPrefix(key, prefix) {
			delete(b.keys, key)
		}
	}
}

// Until returns when key's current wait ends; zero when it has none.
func (b *Backoff) Until(key string, now time.Time) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if k := b.get(key, now); k != nil && now.Before(k.until) {
		return k.until
	}
	return time.Time{}
}

// delay is the wait after the n-th failure in a row.
func (b *Backoff) delay(n int) time.Duration {
	if n <= b.Free {
		return 0
	}
	d := b.First
	for i := b.Free + 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// get returns key's state, dropping it when it has been quiet for Forget;
// the caller holds mu.
func (b *Backoff) get(key string, now time.Time) *backoffKey {
	if b.keys == nil {
		b.keys = map[string]*backoffKey{}
	}
	k := b.keys[key]
	if k != nil && b.quiet(k, now) {
		delete(b.keys, key)
		return nil
	}
	return k
}

func (b *Backoff) quiet(k *backoffKey, now time.Time) bool {
	return now.Sub(k.last) > b.Forget && !now.Before(k.until)
}

// makeRoom keeps the map within MaxKeys before a key is added: quiet keys
// go first, then arbitrary ones (a flood of made-up user names must not
// grow memory without bound; losing a count costs a guesser's victim
// little). The caller holds mu.
func (b *Backoff) makeRoom(now time.Time) {
	limit := b.MaxKeys
	if limit <= 0 {
		limit = 100_000
	}
	if len(b.keys) < limit {
		return
	}
	for key, k := range b.keys {
		if b.quiet(k, now) {
			delete(b.keys, key)
		}
	}
	for key := range b.keys {
		if len(b.keys) < limit*9/10 {
			break
		}
		delete(b.keys, key)
	}
}
