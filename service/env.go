package service

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
)

// env is what every part of the Service shares: the configuration (with
// the wrapped store), the settings in force and the letter workers'
// doorbell, with the helpers every part uses (the clock, URLs, the audit
// trail, queueing notices). Each part points at the one env New made.
type env struct {
	*Config

	// settings is the snapshot of the rules in force (see Settings),
	// swapped whole when an administrator changes them.
	settings atomic.Pointer[Settings]
	// plainWake rings after a restore commits so the letter workers
	// start at once instead of at their next poll.
	plainWake Wake
	// noticeWake rings when a notice is queued outside the store's own
	// hook (a resend changes a notice instead of creating one).
	noticeWake Wake
}

func (s *env) now() time.Time { return s.Now().UTC() }

// URL returns the public URL of path.
func (s *env) URL(path string) string {
	return strings.TrimRight(s.PublicURL, "/") + path
}

// PortalURL is the bidder's page for an application.
func (s *env) PortalURL(a *Application) string { return s.URL("/portal/" + a.PortalToken) }

// DocumentURL is the capability URL of a document.
func (s *env) DocumentURL(d *Document) string { return s.URL("/files/" + d.Token) }

// VerifyURL is the verification page of a guarantee, as printed and in the QR
// code.
func (s *env) VerifyURL(a *Application) string { return verifyURL(s.PublicURL, a) }

// PlatformName returns the configured name of the platform with appkey.
func (s *env) PlatformName(appkey string) string {
	for _, p := range s.Platforms {
		if p.AppKey == appkey {
			return p.Name
		}
	}
	return appkey
}

// Settings returns the rules in force.
func (s *env) Settings() Settings {
	if st := s.settings.Load(); st != nil {
		return *st
	}
	return s.baseSettings()
}

// baseSettings are the configuration's rules.
func (s *env) baseSettings() Settings {
	return Settings{Underwriting: s.Underwriting, CheckerThreshold: s.CheckerThreshold}
}

// audit records an event in the current transaction.
func (s *env) audit(ctx context.Context, a *Application, actor Actor, action, detail string) error {
	e := &AuditEvent{Actor: actor, Action: action, Detail: detail, At: s.now()}
	if a != nil {
		e.ApplicationID, e.ApplyNo = a.ID, a.ApplyNo
	}
	return s.Store.AddAudit(ctx, e)
}

// saveAudited stores the changed application and records the change in its
// audit trail, in the current transaction.
func (s *env) saveAudited(ctx context.Context, a *Application, actor Actor, action, detail string) error {
	if err := s.Store.UpdateApplication(ctx, a); err != nil {
		return err
	}
	return s.audit(ctx, a, actor, action, detail)
}

// queue writes the notice m, encoded for the wire, in the current
// transaction.
func (s *env) queue(ctx context.Context, a *Application, m Outbound, docID int64) error {
	_, err := s.queueFor(ctx, nil, a, m, docID)
	return err
}

// queueFor queues a notice like queue and, when t is not nil and the notice
// is the only undelivered one of its application (it would be the next to
// be claimed), creates it already claimed by t's dispatcher: the caller
// hands it to t once the transaction has committed (taker.handOff) and
// nobody looks it up again. It returns the notice.
func (s *env) queueFor(ctx context.Context, t *taker, a *Application, m Outbound, docID int64) (*Notice, error) {
	now := s.now()
	iface, fields := Encode(m)
	n := &Notice{
		ApplicationID: a.ID, Platform: a.Platform, Interface: iface, Fields: fields, DocumentID: docID,
		Status: NoticePending, NextAttemptAt: now, CreatedAt: now,
	}
	if t != nil {
		waiting, err := s.Store.HasUndeliveredNotice(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		if !waiting {
			n.LeaseOwner, n.LeaseUntil = t.lease(now)
		}
	}
	return n, s.Store.CreateNotice(ctx, n)
}

func verifyURL(publicURL string, a *Application) string {
	return strings.TrimRight(publicURL, "/") + "/verify?no=" + url.QueryEscape(a.BaohanNo) + "&code=" + url.QueryEscape(a.CheckCode)
}

// newDocument checks and wraps a file we issue.
func (s *env) newDocument(a *Application, kind DocKind, name, contentType string, data []byte) (*Document, error) {
	if contentType == "application/pdf" && !bytes.HasPrefix(data, []byte("%PDF-")) {
		return nil, Errorf(EINVALID, "%s 不是 PDF 文件", kind.Label())
	}
	return &Document{
		ApplicationID: a.ID, Kind: kind, Token: randomToken(32), FileName: name, ContentType: contentType,
		SM3: gmcrypto.SM3Hex(data), Size: int64(len(data)), Data: data, CreatedAt: s.now(),
	}, nil
}

// applicationIf reads the application with id and returns it when check
// accepts it, or check's refusal unchanged. It is the read-and-check an
// operation starts with before it asks anyone else (the platform, a second
// officer) or changes anything, so that a refusal comes first and in the
// same words wherever the operation is started.
func (s *env) applicationIf(ctx context.Context, id int64, check func(*Application) error) (*Application, error) {
	a, err := s.Store.GetApplication(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := check(a); err != nil {
		return nil, err
	}
	return a, nil
}

// change runs fn on a fresh copy of the application in a transaction,
// retrying when another change came first.
func (s *env) change(ctx context.Context, id int64, fn func(ctx context.Context, a *Application) error) (*Application, error) {
	var out *Application
	err := retry(func() error {
		return s.Store.WithTx(ctx, func(ctx context.Context) error {
			a, err := s.Store.GetApplication(ctx, id)
			if err != nil {
				return err
			}
			out = a
			return fn(ctx, a)
		})
	})
	return out, err
}

// wakeNotices tells the dispatchers that a notice is due.
func (s *env) wakeNotices() { s.noticeWake.Signal() }

// wakePlain tells the letter workers that a restore has committed.
func (s *env) wakePlain() { s.plainWake.Signal() }

// renderLetter renders a letter and records how long it took.
func (s *env) renderLetter(ctx context.Context, a *Application, sealed bool) (*RenderedLetter, error) {
	start := time.Now()
	letter, err := s.Renderer.RenderLetter(ctx, a, sealed)
	kind := DocPlainLetter
	if sealed {
		kind = DocCipherLetter
	}
	if err == nil {
		s.Metrics.Rendered(kind, time.Since(start))
	}
	return letter, err
}

// exposure is the total of live guarantees, read only when a limit needs it:
// summing them is the one query of an application that grows with the book.
func (s *env) exposure(ctx context.Context, uw Underwriting) (Money, error) {
	if uw.ExposureLimit == 0 {
		return 0, nil
	}
	return s.Store.Exposure(ctx)
}
