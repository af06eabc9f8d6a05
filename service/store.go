package service

import (
	"context"
	"time"
)

// Store is the storage the service needs; package store implements it on
// SQLite and MySQL. Every method takes the transaction from ctx when WithTx
// put one there. Errors are *Error: ENOTFOUND when a row is missing,
// ECONFLICT on a duplicate key or a stale version; anything else is internal.
type Store interface {
	// WithTx runs fn in a transaction carried by the context it passes to fn.
	// A nested call joins the outer transaction. fn's error rolls back.
	WithTx(ctx context.Context, fn func(ctx context.Context) error) error

	ApplicationStore
	DocumentStore
	NoticeStore
	InvoiceStore
	ClaimStore
	AuditStore
	InboundStore

	// The officer console's (officer.go, proposal.go, settings.go,
	// dashboard.go).
	OfficerStore
	SessionStore
	ProposalStore
	SettingsStore
	ReportStore
}

// ApplicationStore keeps applications.
type ApplicationStore interface {
	// CreateApplication inserts a and sets its ID, Version and times.
	// ECONFLICT when the platform already has the applyno (or the portal
	// token or baohanno is taken).
	CreateApplication(ctx context.Context, a *Application) error
	// UpdateApplication writes a if its Version is still the stored one, and
	// increments a.Version; ECONFLICT when another change came first.
	UpdateApplication(ctx context.Context, a *Application) error
	GetApplication(ctx context.Context, id int64) (*Application, error)
	GetApplicationByApplyNo(ctx context.Context, platform, applyNo string) (*Application, error)
	GetApplicationByToken(ctx context.Context, portalToken string) (*Application, error)
	GetApplicationByBaohanNo(ctx context.Context, baohanNo string) (*Application, error)
	FindApplications(ctx context.Context, f ApplicationFilter) ([]*Application, int, error)
	// CountByState counts applications per state, within f's other criteria.
	CountByState(ctx context.Context, f ApplicationFilter) (map[State]int, error)
	// PlainDueIDs lists up to limit applications whose plaintext letter is
	// pending (PlainPending) and due at now (PlainNextAt zero or not after
	// now): those never tried first, oldest first, then the ones to be
	// retried, by PlainNextAt.
	PlainDueIDs(ctx context.Context, now time.Time, limit int) ([]int64, error)
	// DeferPlainLetter records a failed attempt at a pending plaintext
	// letter: attempts (this one included), the next attempt's time and the
	// reason. It answers false, recording nothing, when the letter is not
	// pending or the stored count is not attempts-1 (another attempt was
	// recorded meanwhile). UpdateApplication never writes these fields.
	DeferPlainLetter(ctx context.Context, id int64, attempts int, next time.Time, reason string) (bool, error)
	// RetryPlainLetter makes a pending plaintext letter due at once, with no
	// failed attempts and no error; false when it is not pending.
	RetryPlainLetter(ctx context.Context, id int64) (bool, error)
	// Exposure sums the amounts of live guarantees (State.Live).
	Exposure(ctx context.Context) (Money, error)
}

// ApplicationFilter selects applications; zero fields select all.
type ApplicationFilter struct {
	Platform     string
	States       []State
	Query        string // applyno, bidder name, credit code or baohanno (substring)
	Flagged      *bool
	PlainPending *bool
	LetterFailed bool      // only pending plaintext letters whose last attempt failed (Application.LetterFailed)
	From, To     time.Time // created_at range, [From, To)
	Offset       int
	Limit        int // 0 means 50
}

// DocumentStore keeps issued documents.
type DocumentStore interface {
	CreateDocument(ctx context.Context, d *Document) error
	// GetDocument returns the document with its data.
	GetDocument(ctx context.Context, id int64) (*Document, error)
	GetDocumentByToken(ctx context.Context, token string) (*Document, error)
	// ListDocuments returns an application's documents without their data.
	ListDocuments(ctx context.Context, applicationID int64) ([]*Document, error)
	// FindDocumentBySM3 returns the document with that digest.
	FindDocumentBySM3(ctx context.Context, sm3 string) (*Document, error)
}

// NoticeStore keeps the outbox.
type NoticeStore interface {
	CreateNotice(ctx context.Context, n *Notice) error
	GetNotice(ctx context.Context, id int64) (*Notice, error)
	ListNotices(ctx context.Context, applicationID int64) ([]*Notice, error)
	// FindNotices lists notices across applications, failed and pending first.
	FindNotices(ctx context.Context, f NoticeFilter) ([]*Notice, int, error)
	// ClaimDueNotices leases up to limit notices that are due at now and are
	// the oldest undelivered notice of their application, for owner until
	// leaseUntil. A lease is taken with a conditional update, so two
	// dispatchers never hold one notice at once.
	ClaimDueNotices(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*Notice, error)
	// HasUndeliveredNotice reports whether the application has a notice
	// that is not delivered (pending or failed): a notice queued now would
	// have to wait for it.
	HasUndeliveredNotice(ctx context.Context, applicationID int64) (bool, error)
	// FinishAttempt records an attempt and the notice's new state, if owner
	// still holds the lease; ECONFLICT otherwise.
	FinishAttempt(ctx context.Context, owner string, n *Notice, a *NoticeAttempt) error
	// RenewNoticeLease extends owner's lease on a pending notice to until;
	// ECONFLICT when owner does not hold it.
	RenewNoticeLease(ctx context.Context, id int64, owner string, until time.Time) error
	// ReleaseNotices gives back owner's leases: all of them (graceful
	// shutdown), or those of the notices ids (a fresh notice not handed
	// over). A lease owner no longer holds is left alone.
	ReleaseNotices(ctx context.Context, owner string, ids ...int64) error
	// UpdateNotice writes an officer's change (resend) to a notice.
	UpdateNotice(ctx context.Context, n *Notice) error
	ListAttempts(ctx context.Context, noticeID int64) ([]*NoticeAttempt, error)
	// NoticeStats counts notices per status and gives the creation time of
	// the oldest undelivered one.
	NoticeStats(ctx context.Context) (map[NoticeStatus]int, time.Time, error)
}

// NoticeFilter selects notices.
type NoticeFilter struct {
	Statuses []NoticeStatus
	Offset   int
	Limit    int
}

// InvoiceStore keeps invoice requests.
type InvoiceStore interface {
	CreateInvoice(ctx context.Context, inv *Invoice) error
	UpdateInvoice(ctx context.Context, inv *Invoice) error
	// GetInvoiceByApplication returns the application's invoice request.
	GetInvoiceByApplication(ctx context.Context, applicationID int64) (*Invoice, error)
}

// ClaimStore keeps claims.
type ClaimStore interface {
	CreateClaim(ctx context.Context, c *Claim) error
	UpdateClaim(ctx context.Context, c *Claim) error
	ListClaims(ctx context.Context, applicationID int64) ([]*Claim, error)
}

// AuditStore keeps the audit trail.
type AuditStore interface {
	AddAudit(ctx context.Context, e *AuditEvent) error
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, int, error)
}

// AuditFilter selects audit events.
type AuditFilter struct {
	ApplicationID int64
	Actor         string
	Action        string
	From, To      time.Time
	Offset        int
	Limit         int
}

// InboundStore remembers accepted platform requests.
type InboundStore interface {
	// CreateInbound inserts r; ECONFLICT when the platform, interface and
	// applyno already have a current record.
	CreateInbound(ctx context.Context, r *InboundRecord) error
	GetInbound(ctx context.Context, platform, iface, applyNo string) (*InboundRecord, error)
	// RetireInbound keeps the record but lets a new request of the same
	// interface and applyno in (a withdrawal refused, then asked again).
	RetireInbound(ctx context.Context, platform, iface, applyNo string) error
}
