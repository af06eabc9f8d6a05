package service

import (
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		desc string
		res  SendResult
		want retryClass
	}{
		{"code 1", SendResult{Outcome: SendAccepted, HTTPStatus: 200, Code: "1"}, retryNone},
		{"code 0", SendResult{Outcome: SendRefused, HTTPStatus: 200, Code: "0", Message: "数据未同步"}, retryLater},
		{"code 2", SendResult{Outcome: SendRefused, HTTPStatus: 200, Code: "2"}, retryLater},
		{"connection refused", SendResult{Outcome: SendUnreachable}, retrySoon},
		{"timeout", SendResult{Outcome: SendTimeout}, retrySoon},
		{"HTTP 500", SendResult{Outcome: SendHTTPError, HTTPStatus: 500}, retrySoon},
		{"HTTP 502", SendResult{Outcome: SendHTTPError, HTTPStatus: 502}, retrySoon},
		{"HTTP 503", SendResult{Outcome: SendHTTPError, HTTPStatus: 503}, retrySoon},
		{"HTTP 408", SendResult{Outcome: SendHTTPError, HTTPStatus: 408}, retrySoon},
		{"HTTP 429", SendResult{Outcome: SendHTTPError, HTTPStatus: 429}, retrySoon},
		{"HTTP 404", SendResult{Outcome: SendHTTPError, HTTPStatus: 404}, retryLater},
		{"HTTP 413", SendResult{Outcome: SendHTTPError, HTTPStatus: 413}, retryLater},
		{"HTTP 302", SendResult{Outcome: SendHTTPError, HTTPStatus: 302}, retrySoon},
		{"malformed", SendResult{Outcome: SendMalformed, HTTPStatus: 200}, retrySoon},
		{"invalid", SendResult{Outcome: SendInvalid}, retryNever},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := classify(tt.res); got != tt.want {
				t.Errorf("classify(%+v) = %v, want %v", tt.res, got, tt.want)
			}
			// The history count must agree with the decision on the attempt
			// itself: a recorded attempt is a refusal exactly when its
			// result was retried later.
			if tt.want == retrySoon || tt.want == retryLater {
				if got := refusal(tt.res.HTTPStatus, tt.res.Code); got != (tt.want == retryLater) {
					t.Errorf("refusal(%d, %q) = %v, want %v", tt.res.HTTPStatus, tt.res.Code, got, tt.want == retryLater)
				}
			}
		})
	}
}

func TestNextDelay(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		desc      string
		class     retryClass
		s         series
		now       time.Time
		wantRetry bool
		want      time.Duration
	}{
		{"delivered", retryNone, series{Attempts: 1, First: t0}, t0, false, 0},
		{"not a PDF", retryNever, series{Attempts: 1, First: t0}, t0, false, 0},
		{"soon 1", retrySoon, series{Attempts: 1, First: t0}, t0, true, time.Second},
		{"soon 2", retrySoon, series{Attempts: 2, First: t0}, t0.Add(time.Second), true, 5 * time.Second},
		{"soon 3", retrySoon, series{Attempts: 3, First: t0}, t0, true, 15 * time.Second},
		{"soon 4", retrySoon, series{Attempts: 4, First: t0}, t0, true, 30 * time.Second},
		{"soon 5", retrySoon, series{Attempts: 5, First: t0}, t0, true, time.Minute},
		{"soon 6 doubles", retrySoon, series{Attempts: 6, First: t0}, t0, true, 2 * time.Minute},
		{"soon 7", retrySoon, series{Attempts: 7, First: t0}, t0, true, 4 * time.Minute},
		{"soon 10", retrySoon, series{Attempts: 10, First: t0}, t0, true, 32 * time.Minute},
		{"soon 11 capped hourly", retrySoon, series{Attempts: 11, First: t0}, t0, true, time.Hour},
		{"soon 30 hourly", retrySoon, series{Attempts: 30, First: t0}, t0.Add(20 * time.Hour), true, time.Hour},
		{"soon just inside the day", retrySoon, series{Attempts: 30, First: t0}, t0.Add(24*time.Hour - time.Second), true, time.Hour},
		{"soon after a day fails", retrySoon, series{Attempts: 33, First: t0}, t0.Add(24 * time.Hour), false, 0},
		{"soon after refusals", retrySoon, series{Attempts: 4, Refusals: 3, First: t0}, t0, true, 30 * time.Second},
		{"refused 1", retryLater, series{Attempts: 1, Refusals: 1, First: t0}, t0, true, time.Minute},
		{"refused 2", retryLater, series{Attempts: 2, Refusals: 2, First: t0}, t0, true, 5 * time.Minute},
		{"refused 3", retryLater, series{Attempts: 3, Refusals: 3, First: t0}, t0, true, 15 * time.Minute},
		{"refused 4", retryLater, series{Attempts: 4, Refusals: 4, First: t0}, t0, true, time.Hour},
		{"refused 7", retryLater, series{Attempts: 7, Refusals: 7, First: t0}, t0, true, 8 * time.Hour},
		{"refused 8 fails", retryLater, series{Attempts: 8, Refusals: 8, First: t0}, t0, false, 0},
		{"refused after transport failures", retryLater, series{Attempts: 12, Refusals: 1, First: t0}, t0, true, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			retry, got := nextDelay(tt.class, tt.s, tt.now)
			if retry != tt.wantRetry || got != tt.want {
				t.Errorf("nextDelay(%v, %+v) = %v, %v, want %v, %v", tt.class, tt.s, retry, got, tt.wantRetry, tt.want)
			}
		})
	}
}

// TestSoonScheduleLastsADay walks the soon schedule with the shortest and
// the longest jitter: the platform gets at least 24 hours to come back, and
// not much more than a day of hourly retries.
func TestSoonScheduleLastsADay(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	for _, r := range []float64{0, 0.5, 0.999999} {
		now, attempts := t0, 0
		for {
			attempts++
			retry, d := nextDelay(retrySoon, series{Attempts: attempts, First: t0}, now)
			if !retry {
				break
			}
			d = jitter(d, r)
			if d < 800*time.Millisecond || d > 72*time.Minute {
				t.Fatalf("r=%v attempt %d: wait %v out of range", r, attempts, d)
			}
			now = now.Add(d)
		}
		if total := now.Sub(t0); total < 24*time.Hour || total > 26*time.Hour {
			t.Errorf("r=%v: gave up after %v and %d attempts, want 24h to 26h", r, total, attempts)
		}
	}
}

func TestJitter(t *testing.T) {
	tests := []struct {
		d    time.Duration
		r    float64
		want time.Duration
	}{
		{time.Second, 0.5, time.Second},
		{time.Second, 0, 800 * time.Millisecond},
		{10 * time.Second, 0.75, 11 * time.Second},
		{time.Hour, 0.25, 54 * time.Minute},
	}
	for _, tt := range tests {
		if got := jitter(tt.d, tt.r); got != tt.want {
			t.Errorf("jitter(%v, %v) = %v, want %v", tt.d, tt.r, got, tt.want)
		}
	}
	if got := jitter(time.Hour, 0.9999999); got > 72*time.Minute || got < 71*time.Minute {
		t.Errorf("jitter(1h, ~1) = %v, want just under 72m", got)
	}
}
