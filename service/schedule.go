package service

import (
	"net/http"
	"time"
)

// The retry schedule of notices (PRODUCT.md "Notice delivery"). A notice
// the platform did not get, because it could not be reached, was slow, failed
// (HTTP 5xx) or answered something unreadable, is retried soon: the
// platform waits for the plaintext letters at bid opening. A notice the
// platform read and refused (code 0) is retried slowly a few times, since a
// platform may refuse until its own data catch up; more tries would not
// change its mind. A notice we cannot build, or whose document is not a PDF,
// is never sent. Exhausted notices are failed: visible, and an officer may
// resend them.

// retryClass is what a failed attempt calls for.
type retryClass int

const (
	retryNone  retryClass = iota // delivered: nothing more to do
	retryNever                   // a fault of ours that retrying cannot mend
	retrySoon                    // the platform did not get it or did not answer sensibly
	retryLater                   // the platform read it and refused
)

func (c retryClass) String() string {
	switch c {
	case retryNone:
		return "none"
	case retryNever:
		return "never"
	case retrySoon:
		return "soon"
	case retryLater:
		return "later"
	}
	return "unknown"
}

// soonDelays are the first waits after an attempt that did not reach the
// platform; after them the wait doubles up to soonMaxDelay.
var soonDelays = []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute}

const (
	// soonMaxDelay caps the wait between soon retries.
	soonMaxDelay = time.Hour
	// soonWindow is how long soon retries go on, counted from the first
	// attempt since the notice was queued or resent. An attempt that fails
	// once the window has passed fails the notice: with hourly retries the
	// platform has had a day to come back.
	soonWindow = 24 * time.Hour
)

// laterDelays are the waits after the first, second, … refusal; a refusal
// beyond them fails the notice: 1 + len(laterDelays) = 8 tries over about 15
// hours.
var laterDelays = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour}

// jitterSpread is how far a wait may stray from the schedule either way, so
// that notices failed together do not all come back at the same instant.
const jitterSpread = 0.2

// transientStatus reports whether an HTTP status says "try again": server
// errors and the client statuses that mean overload or a slow client.
func transientStatus(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooEarly || status == http.StatusTooManyRequests
}

// refusal reports whether an answer with this HTTP status and platform code
// is a refusal: an answer that is not code 1 (the platform read the notice
// and said no), or an HTTP client error other than the transient ones (the
// platform, or a gateway in front of it, refuses the request as such: a
// wrong path, a body too large). The same test classifies the attempt
// being decided and counts the refusals already recorded.
func refusal(httpStatus int, code string) bool {
	if httpStatus == 0 || httpStatus == http.StatusOK {
		return code != "" && code != "1"
	}
	return httpStatus >= 400 && httpStatus < 500 && !transientStatus(httpStatus)
}

// classify says what the result of an attempt calls for.
func classify(r SendResult) retryClass {
	switch {
	case r.Outcome == SendAccepted:
		return retryNone
	case r.Outcome == SendInvalid:
		return retryNever
	case refusal(r.HTTPStatus, r.Code):
		return retryLater
	}
	return retrySoon // unreachable, timeout, HTTP 5xx, malformed answer
}

// series is what the retry decision knows of a notice's attempts since it
// was queued or last resent, the attempt being decided included.
type series struct {
	Attempts int       // attempts made
	Refusals int       // of which the platform refused
	First    time.Time // start of the first of them
}

// nextDelay is the retry decision: after an attempt of class c that ends at
// now, with the notice's attempts so far in s, it says whether to try again
// and after how long (before jitter). Delivered and never-retryable attempts
// are not retried; soon ones are retried after soonDelays, then doubling up
// to an hour, until soonWindow has passed since the first attempt; refusals
// are retried after laterDelays until those run out.
func nextDelay(c retryClass, s series, now time.Time) (retry bool, delay time.Duration) {
	switch c {
	case retrySoon:
		if now.Sub(s.First) >= soonWindow {
			return false, 0
		}
		return true, soonDelay(s.Attempts)
	case retryLater:
		if s.Refusals < 1 || s.Refusals > len(laterDelays) {
			return false, 0
		}
		return true, laterDelays[s.Refusals-1]
	}
	return false, 0
}

// soonDelay is the wait after the n-th attempt (1-based) when it did not reach
// the platform.
func soonDelay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n <= len(soonDelays) {
		return soonDelays[n-1]
	}
	d := soonDelays[len(soonDelays)-1]
	for i := len(soonDelays); i < n && d < soonMaxDelay; i++ {
		d *= 2
	}
	return min(d, soonMaxDelay)
}

// jitter spreads d by up to ±jitterSpread: r is uniform in [0, 1); r = 0.5
// leaves d as it is.
func jitter(d time.Duration, r float64) time.Duration {
	return time.Duration(float64(d) * (1 + jitterSpread*(2*r-1)))
}
