package handler

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// SourceLimiter bounds the request rate of each client address with a token
// bucket, so one source cannot flood the platform API. It is safe for
// concurrent use.
type SourceLimiter struct {
	limit   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets map[string]*sourceBucket
	swept   time.Time
}

type sourceBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewSourceLimiter allows perSecond requests per address on average and
// bursts of burst.
func NewSourceLimiter(perSecond float64, burst int) *SourceLimiter {
	return &SourceLimiter{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*sourceBucket{}}
}

// idleBucket is how long an address's bucket is kept without requests.
const idleBucket = 10 * time.Minute

// Allow reports whether a request from addr may proceed at now.
func (s *SourceLimiter) Allow(addr string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > idleBucket {
		for k, b := range s.buckets {
			if now.Sub(b.seen) > idleBucket {
				delete(s.buckets, k)
			}
		}
		s.swept = now
	}
	b := s.buckets[addr]
	if b == nil {
		b = &sourceBucket{lim: rate.NewLimiter(s.limit, s.burst)}
		s.buckets[addr] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}
