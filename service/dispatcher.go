package service

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/baohangateway/baohan/internal/text"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/baohangateway/baohan/wire"
)

// NoticeSender delivers one notice to a platform: it adds appkey, a fresh
// timestamp and the signature to fields, posts the message and reads the
// answer. Package main implements it over the signed platform client.
type NoticeSender interface {
	// Send sends iface with fields to the platform with appkey. The result
	// says what happened (Outcome) and what the platform answered; err
	// describes why there was no readable answer (or why the message could
	// not be built) and is nil when the platform answered, code 1 or not.
	Send(ctx context.Context, appkey, iface string, fields map[string]string) (SendResult, error)
}

// SendOutcome classifies one attempt to send a notice.
type SendOutcome string

// Send outcomes.
const (
	SendAccepted    SendOutcome = "accepted"    // the platform answered code 1
	SendRefused     SendOutcome = "refused"     // the platform answered, not code 1 (code 0)
	SendUnreachable SendOutcome = "unreachable" // no HTTP answer: connection refused or reset, DNS, TLS
	SendTimeout     SendOutcome = "timeout"     // no answer in time
	SendHTTPError   SendOutcome = "http_error"  // an HTTP status other than 200
	SendMalformed   SendOutcome = "malformed"   // HTTP 200 with a body that is not an answer
	SendInvalid     SendOutcome = "invalid"     // not sent: the message cannot be built (a fault of ours)
)

// SendResult is what one attempt to send a notice gave.
type SendResult struct {
	Outcome    SendOutcome
	HTTPStatus int           // 0 when no HTTP answer came
	Code       string        // the platform's code ("1", "0"); "" without a readable answer
	Message    string        // the platform's message
	Duration   time.Duration // from sending to the end of the answer
}

// Dispatcher defaults.
const (
	DefaultNoticeWorkers = 8
	DefaultNoticeLease   = time.Minute
	defaultPoll          = time.Second
	defaultSendTimeout   = 30 * time.Second
	defaultDrain         = 10 * time.Second
)

// DispatcherConfig tunes a Dispatcher; zero fields take the defaults.
type DispatcherConfig struct {
	// Owner names this dispatcher's claims; default host:pid:random. Two
	// dispatchers must never share one.
	Owner string
	// Workers is how many notices claimed from the store are sent at once,
	// and how many fresh ones handed over by the letter workers (default 8).
	Workers int
	// Lease is how long a claim on a notice lasts (default 1 min): a process
	// that dies holding claims delays those notices by at most this long.
	Lease time.Duration
	// SendTimeout bounds one attempt, document read and answer included
	// (default 30 s); it is kept below half the lease, so a claim never runs
	// out while its notice is being sent.
	SendTimeout time.Duration
	// Poll is how often the dispatcher looks for due notices when nothing
	// wakes it (default 1 s).
	Poll time.Duration
	// Drain is how long Run waits for the notices being sent when it stops
	// (default 10 s); sends still going then are cut off and their notices
	// released.
	Drain time.Duration
	// Journal, when set, keeps each answer of the platform until its
	// attempt is recorded, and Run records those of dead processes before
	// it claims anything (see AnswerJournal).
	Journal AnswerJournal
	// Rand returns uniform numbers in [0, 1) for the jitter of retries,
	// from several goroutines at once; default math/rand/v2. Tests fix it.
	Rand func() float64
}

// Dispatcher is the outbox's sender: it claims due notices, sends them with
// a bounded number of workers, records every attempt and schedules the next
// one (see schedule.go). Several dispatchers, in one process or many, may
// work on one database: a notice is claimed by one at a time (a lease that
// runs out if its holder dies), and the store hands out only the oldest
// undelivered notice of an application, so the platform hears of an
// application's changes in order: a notice that failed holds back the later
// ones of its application until it is delivered.
type Dispatcher struct {
	store   Store
	log     *slog.Logger
	metrics *Metrics
	clock   func() time.Time
	wake    Wake     // rung when a notice is queued or Run should look again
	handoff *Handoff // nil: takes no fresh notices
	sender  NoticeSender
	cfg     DispatcherConfig
	beat    atomic.Int64 // unix nanoseconds of the last turn of Run's loop
}

// outgoing is a claimed notice about to be sent, with what the sender has in
// hand: for a fresh notice, its document and the time its
// application was restored, which spare reading them back.
type outgoing struct {
	n          *Notice
	doc        *Document // nil: read the notice's document from the store
	restoredAt time.Time // zero: unknown
}

// LastBeat is when Run last went round its loop (zero before it started): a
// readiness probe sees a stuck or stopped dispatcher by it. The loop turns at
// least every poll interval.
func (d *Dispatcher) LastBeat() time.Time {
	if n := d.beat.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// DispatcherDeps is what a Dispatcher needs besides its sender and its
// tuning; Service.DispatcherDeps gives those of a Service.
type DispatcherDeps struct {
	Store Store
	// Wake rings when a notice has been queued (WakeOnNotice); the
	// dispatcher rings it too when it should look again. nil: the
	// dispatcher looks only every poll interval.
	Wake Wake
	// Handoff, when not nil, lets the letter workers of this process give
	// the dispatcher their fresh restorenotices while it runs.
	Handoff *Handoff
	Log     *slog.Logger // default: discards
	Metrics *Metrics     // nil records nothing
	Now     func() time.Time
}

// NewDispatcher returns a dispatcher of the notices in deps.Store sending
// through sender.
func NewDispatcher(deps DispatcherDeps, sender NoticeSender, cfg DispatcherConfig) *Dispatcher {
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Wake == nil {
		deps.Wake = NewWake()
	}
	if cfg.Owner == "" {
		cfg.Owner = DefaultOwner()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultNoticeWorkers
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultNoticeLease
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = defaultSendTimeout
	}
	cfg.SendTimeout = min(cfg.SendTimeout, cfg.Lease/2)
	if cfg.Poll <= 0 {
		cfg.Poll = defaultPoll
	}
	if cfg.Drain <= 0 {
		cfg.Drain = defaultDrain
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Dispatcher{store: deps.Store, log: deps.Log, metrics: deps.Metrics, clock: deps.Now, wake: deps.Wake, handoff: deps.Handoff,
		sender: sender, cfg: cfg}
}

// DefaultOwner names a dispatcher uniquely: host, process and a random part
// (a restarted process may get its old pid back).
func DefaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	if len(host) > 64 {
		host = host[:64]
	}
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), randomToken(6))
}

// now is the dispatcher's clock in UTC.
func (d *Dispatcher) now() time.Time { return d.clock().UTC() }

// Owner is the name under which the dispatcher claims notices.
func (d *Dispatcher) Owner() string { return d.cfg.Owner }

// Run sends due notices until ctx is done: at once when it starts, when a
// notice is queued, when a send finishes and there is room for more, and
// every poll interval. When ctx is done it claims no more, waits up to the
// drain time for the notices being sent, cuts off the rest and releases its
// remaining claims so another process need not wait for them to run out.
//
// The first dispatcher of the process to run also takes the fresh notices
// of the letter workers (Handoff), with goroutines of this call that send
// them under the same context as the notices it claims; a hand-off before
// Run starts or after it stops is refused and the notice goes by the
// outbox. A call keeps its state to itself, so Run may be called again
// once it has returned (without a Journal: Run closes it).
func (d *Dispatcher) Run(ctx context.Context) {
	d.log.Info("notice dispatcher started", "owner", d.cfg.Owner, "workers", d.cfg.Workers, "lease", d.cfg.Lease)
	// Sends outlive ctx by the drain time: a notice half sent when the
	// process is asked to stop is better finished and recorded.
	sendCtx, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()
	fresh := d.takeFresh(sendCtx)
	d.ReplayAnswers(ctx)
	done := make(chan struct{}, d.cfg.Workers)
	inflight := 0
	ticker := time.NewTicker(d.cfg.Poll)
	defer ticker.Stop()

	look, eager := true, true // eager: claim even for a single free worker
	for ctx.Err() == nil {
		d.beat.Store(time.Now().UnixNano())
		free := d.cfg.Workers - inflight
		if look && free > 0 && (eager || free >= (d.cfg.Workers+1)/2) {
			if fresh.busy() {
				fresh.lookAfter.Store(true)
			}
			batch, err := d.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				d.log.Error("claiming due notices", "owner", d.cfg.Owner, "error", err)
			}
			for _, n := range batch {
				inflight++
				go func() {
					defer func() { done <- struct{}{} }()
					d.deliver(sendCtx, outgoing{n: n})
				}()
			}
			// A full batch means there may be more; otherwise wait for a
			// reason to look again.
			look, eager = err == nil && len(batch) == free, false
		}
		select {
		case <-ctx.Done():
		case <-done:
			// A finished send frees a worker, and a delivered notice may
			// have made its application's next notice due.
			inflight--
			look = true
		case <-d.wake:
			look, eager = true, true
		case <-ticker.C:
			look, eager = true, true
		}
	}

	freshDone := fresh.close()
	if inflight > 0 || fresh.busy() {
		d.log.Info("notice dispatcher stopping: waiting for notices being sent", "owner", d.cfg.Owner, "in_flight", inflight+fresh.sending(), "drain", d.cfg.Drain)
	}
	deadline := time.NewTimer(d.cfg.Drain)
	defer deadline.Stop()
	for inflight > 0 || freshDone != nil {
		select {
		case <-done:
			inflight--
		case <-freshDone:
			freshDone = nil
		case <-deadline.C:
			d.log.Warn("notice dispatcher stopping: cutting off sends still going", "owner", d.cfg.Owner, "in_flight", inflight+fresh.sending())
			cutOff() // the sends return promptly; their notices are released below
		}
	}
	relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.store.ReleaseNotices(relCtx, d.cfg.Owner); err != nil {
		d.log.Error("releasing claimed notices", "owner", d.cfg.Owner, "error", err)
	}
	if d.cfg.Journal != nil {
		if err := d.cfg.Journal.Close(); err != nil {
			d.log.Error("closing the answer journal", "owner", d.cfg.Owner, "error", err)
		}
	}
	d.log.Info("notice dispatcher stopped", "owner", d.cfg.Owner)
}

// DeliverDue claims the notices due now, up to the number of workers, sends
// them concurrently and records the attempts; it returns how many it
// claimed. Run does the same continuously; DeliverDue is for tests and tools
// that want one round.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	batch, err := d.claim(ctx, d.cfg.Workers)
	var wg sync.WaitGroup
	for _, n := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.deliver(ctx, outgoing{n: n})
		}()
	}
	wg.Wait()
	return len(batch), err
}

// claim leases up to limit due notices.
func (d *Dispatcher) claim(ctx context.Context, limit int) ([]*Notice, error) {
	now := d.now()
	return d.store.ClaimDueNotices(ctx, d.cfg.Owner, now, now.Add(d.cfg.Lease), limit)
}

// observe counts the attempt and, for a delivered restorenotice, the time
// since its restore (restoredAt, or read from the application when zero):
// the figure the platform waits on at bid opening.
func (d *Dispatcher) observe(ctx context.Context, n *Notice, restoredAt time.Time, res SendResult) {
	m := d.metrics
	if m == nil {
		return
	}
	m.NoticeAttempt(n.Interface, string(res.Outcome))
	if n.Status != NoticeDelivered || n.Interface != wire.RestoreNotice {
		return
	}
	if restoredAt.IsZero() {
		if a, err := d.store.GetApplication(ctx, n.ApplicationID); err == nil && a.Restored() {
			restoredAt = a.RestoredAt
		}
	}
	if !restoredAt.IsZero() {
		m.RestoreDelivered(n.DeliveredAt.Sub(restoredAt))
	}
}

// message returns the fields to send for o's notice: its own, and
// baohanfile from its document (the bytes o carries, or else read from the
// store), which must be a PDF. An error other than EINTERNAL means the
// notice cannot be sent as it is.
func (d *Dispatcher) message(ctx context.Context, o outgoing) (map[string]string, error) {
	n := o.n
	fields := maps.Clone(n.Fields)
	if n.DocumentID == 0 {
		return fields, nil
	}
	doc := o.doc
	if doc == nil {
		var err error
		doc, err = d.store.GetDocument(ctx, n.DocumentID)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			return nil, Errorf(ENOTFOUND, "通知的文件（编号 %d）不存在，未发送", n.DocumentID)
		case err != nil:
			return nil, fmt.Errorf("read document %d of notice %d: %w", n.DocumentID, n.ID, err)
		}
	}
	if !bytes.HasPrefix(doc.Data, []byte("%PDF-")) {
		return nil, Errorf(EINVALID, "通知的文件「%s」（编号 %d）不是 PDF（开头不是 %%PDF-），未发送：请核对后重新生成", doc.FileName, doc.ID)
	}
	if fields == nil {
		fields = map[string]string{}
	}
	fields["baohanfile"] = base64.StdEncoding.EncodeToString(doc.Data)
	return fields, nil
}

// errorText is err as an attempt records it: the message of an *Error, the
// text of any other.
func errorText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// lastError is how an attempt shows as the notice's last error.
func (a *NoticeAttempt) lastError() string {
	switch {
	case a.Error != "":
		return a.Error
	case a.Code != "":
		return text.Clip(fmt.Sprintf("交易平台返回 code %s：%s", a.Code, a.Message), maxAttemptError)
	case a.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d", a.HTTPStatus)
	}
	return ""
}

// logAttempt logs one attempt as the platform answered it, with the state
// the notice goes to: never the fields (baohanfile, payer account), only
// what identifies the notice and the outcome.
func (d *Dispatcher) logAttempt(n *Notice, res SendResult, a *NoticeAttempt, class retryClass, delay time.Duration) {
	attrs := []any{
		"notice_id", n.ID, "applyno", applyNoOf(n), "interface", n.Interface, "platform", n.Platform,
		"outcome", res.Outcome, "attempt", n.Attempts, "duration", res.Duration.Round(time.Millisecond),
	}
	if res.HTTPStatus != 0 {
		attrs = append(attrs, "http_status", res.HTTPStatus)
	}
	if res.Code != "" {
		attrs = append(attrs, "code", res.Code, "message", a.Message)
	}
	if a.Error != "" {
		attrs = append(attrs, "error", a.Error)
	}
	switch {
	case n.Status == NoticeDelivered:
		d.log.Info("notice delivered", attrs...)
	case n.Status == NoticePending:
		d.log.Warn("notice not delivered; will retry", append(attrs, "retry", class.String(), "retry_in", delay.Round(time.Millisecond), "next_attempt_at", n.NextAttemptAt)...)
	default:
		d.log.Error("notice failed; an officer may resend it", append(attrs, "last_error", n.LastError)...)
	}
}

// applyNoOf names a notice's application in the log: its applyno, or the
// guarantee number of an invoicenotice (which has no applyno).
func applyNoOf(n *Notice) string {
	if v := n.Fields[wire.FieldApplyNo]; v != "" {
		return v
	}
	return n.Fields[wire.FieldBaohanNo]
}
