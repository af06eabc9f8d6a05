package service

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus collectors. Make one set per process
// with NewMetrics and register it; a nil *Metrics records nothing, so tests
// need none.
type Metrics struct {
	platformRequests  *prometheus.CounterVec
	refusals          *prometheus.CounterVec
	signatureFailures *prometheus.CounterVec
	noticeAttempts    *prometheus.CounterVec
	renderSeconds     *prometheus.HistogramVec
	restoreToNotice   prometheus.Histogram
	letterFailures    prometheus.Counter
	queue             *queueCollector
	tsaRequests       *prometheus.CounterVec
	untimestamped     prometheus.Counter
	certExpiry        *prometheus.GaugeVec
}

// NewMetrics makes the collectors; Register adds them to a registry.
func NewMetrics(st NoticeStore) *Metrics {
	return &Metrics{
		platformRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baohan_platform_requests_total", Help: "Requests of the platform API by interface and outcome (accepted, refused, error).",
		}, []string{"interface", "outcome"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baohan_platform_refusals_total", Help: "Refused platform requests by interface and reason (the rule broken or the error code).",
		}, []string{"interface", "reason"}),
		signatureFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baohan_signature_failures_total", Help: "Platform requests whose SM3 signature did not verify, by platform appkey.",
		}, []string{"platform"}),
		noticeAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baohan_notice_attempts_total", Help: "Notice delivery attempts by interface and outcome.",
		}, []string{"interface", "outcome"}),
		renderSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "baohan_letter_render_seconds", Help: "Time to render and sign one guarantee letter.",
			Buckets: []float64{.001, .002, .003, .005, .01, .02, .05, .1, .25, 1},
		}, []string{"kind"}),
		restoreToNotice: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "baohan_restore_to_notice_seconds", Help: "Time from a baohanrestore accepted to its restorenotice delivered.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}),
		tsaRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "baohan_tsa_requests_total", Help: "Requests to the time-stamping authority by outcome (ok, failed).",
		}, []string{"outcome"}),
		untimestamped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "baohan_letters_untimestamped_total", Help: "Letters that went out without a timestamp because the TSA did not answer in time (signing.tsa_required false).",
		}),
		certExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "baohan_signing_certificate_expiry_timestamp_seconds", Help: "When each letter-signing certificate expires (Unix time).",
		}, []string{"subject", "serial"}),
		letterFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "baohan_plain_letter_failures_total", Help: "Failed attempts at plaintext letters (each is tried again later; the console lists them under 出函失败).",
		}),
		queue: &queueCollector{store: st,
			depth: prometheus.NewDesc("baohan_notice_queue", "Notices by status (pending, delivered, failed).", []string{"status"}, nil),
			age:   prometheus.NewDesc("baohan_notice_oldest_undelivered_age_seconds", "Age of the oldest undelivered (pending or failed) notice; 0 when none.", nil, nil),
		},
	}
}

// Register adds every collector to r.
func (m *Metrics) Register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.platformRequests, m.refusals, m.signatureFailures, m.noticeAttempts, m.renderSeconds, m.restoreToNotice, m.letterFailures, m.queue, m.tsaRequests, m.untimestamped, m.certExpiry} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// PlatformRequest counts one platform API request; reason is the rule broken
// or the error code of a refusal, empty when accepted.
func (m *Metrics) PlatformRequest(iface, outcome, reason string) {
	if m == nil {
		return
	}
	m.platformRequests.WithLabelValues(iface, outcome).Inc()
	if reason != "" {
		m.refusals.WithLabelValues(iface, reason).Inc()
	}
}

// SignatureFailure counts a request from platform whose signature did not
// verify.
func (m *Metrics) SignatureFailure(platform string) {
	if m == nil {
		return
	}
	m.signatureFailures.WithLabelValues(platform).Inc()
}

// NoticeAttempt counts one delivery attempt.
func (m *Metrics) NoticeAttempt(iface, outcome string) {
	if m == nil {
		return
	}
	m.noticeAttempts.WithLabelValues(iface, outcome).Inc()
}

// Rendered records the time one letter took.
func (m *Metrics) Rendered(kind DocKind, d time.Duration) {
	if m == nil {
		return
	}
	m.renderSeconds.WithLabelValues(string(kind)).Observe(d.Seconds())
}

// TSAAttempt counts one request to the time-stamping authority; err nil is
// success.
func (m *Metrics) TSAAttempt(err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	m.tsaRequests.WithLabelValues(outcome).Inc()
}

// SigningCertificate records when a signing certificate expires.
func (m *Metrics) SigningCertificate(subject, serial string, notAfter time.Time) {
	if m == nil {
		return
	}
	m.certExpiry.WithLabelValues(subject, serial).Set(float64(notAfter.Unix()))
}

// Untimestamped counts a letter that went out without a timestamp.
func (m *Metrics) Untimestamped() {
	if m == nil {
		return
	}
	m.untimestamped.Inc()
}

// LetterFailed records a failed attempt at a plaintext letter.
func (m *Metrics) LetterFailed() {
	if m == nil {
		return
	}
	m.letterFailures.Inc()
}

// RestoreDelivered records the latency from restore to restorenotice.
func (m *Metrics) RestoreDelivered(d time.Duration) {
	if m == nil {
		return
	}
	m.restoreToNotice.Observe(d.Seconds())
}

// queueCollector reads the outbox's state at scrape time.
type queueCollector struct {
	store      NoticeStore
	depth, age *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.depth; ch <- c.age }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, oldest, err := c.store.NoticeStats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	for _, st := range []NoticeStatus{NoticePending, NoticeDelivered, NoticeFailed} {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
	age := 0.0
	if !oldest.IsZero() {
		age = time.Since(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
}
