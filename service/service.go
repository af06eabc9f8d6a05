package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
)

// InstitutionKind selects the wording of our letters.
type InstitutionKind string

// Institution kinds.
const (
	KindBank      InstitutionKind = "bank"      // 银行保函
	KindGuarantor InstitutionKind = "guarantor" // 担保保函
	KindInsurer   InstitutionKind = "insurer"   // 投标保证保险保单
)

// Institution is who we are: the issuer of the letters.
type Institution struct {
	Name    string
	Kind    InstitutionKind
	Address string
	Code    string // prefix of our guarantee numbers, e.g. "BH"
}

// PlatformInfo names a platform we are connected to.
type PlatformInfo struct {
	AppKey string
	Name   string
}

// LetterRenderer produces a guarantee letter (PDF) for an application: the
// ciphertext letter when sealed, the plaintext one after restore. It prints
// odd text as faithfully as it can and says what it changed
// (RenderedLetter.Notes); EINVALID, naming the field, for a letter that
// cannot be made from the record (a required field blank).
type LetterRenderer interface {
	RenderLetter(ctx context.Context, a *Application, sealed bool) (*RenderedLetter, error)
}

// Service is the domain's entry point: the operations the platform, officers,
// the admin API and bidders perform.
type Service struct {
	Store        Store
	Letters      LetterRenderer
	Caller       PlatformCaller // for §4.12; nil: abandoning is unavailable
	Metrics      *Metrics       // nil records nothing
	Log          *slog.Logger
	Now          func() time.Time
	Institution  Institution
	Underwriting Underwriting
	Platforms    []PlatformInfo
	PublicURL    string        // base of the URLs we hand out
	PortalTTL    time.Duration // how long a bidder's portal link works
	// LetterCPUs is how many plaintext letters the letter workers make at
	// once at most, not counting those waiting for a timestamp (pdf.Slots);
	// 0: as many as there are workers.
	LetterCPUs int

	// The officer console: a console approval above CheckerThreshold needs a
	// second officer (0: off; the settings page may override it, as it does
	// Underwriting); a session ends SessionIdle after its last use or
	// SessionMax after login.
	CheckerThreshold Money
	SessionIdle      time.Duration
	SessionMax       time.Duration

	// settings is the snapshot of the rules in force (see Settings),
	// swapped whole when an administrator changes them.
	settings *atomic.Pointer[Settings]

	// plainWake is signalled after a restore commits so the letter workers
	// start at once instead of at their next poll.
	plainWake chan struct{}
	// noticeWake is signalled after a transaction that queued a notice
	// commits (see wakingStore) so the dispatcher sends it at once.
	noticeWake chan struct{}
	// direct is the dispatcher running in this process, if any: a letter
	// worker hands it a fresh restorenotice, claimed in the letter's own
	// transaction, with the letter still in memory (see handOff).
	direct *atomic.Pointer[Dispatcher]
	// logins throttles console logins by user name (see Login).
	logins *loginGuard
}

// New returns a Service with its internal channels made; the caller sets the
// dependencies.
func New(s Service) *Service {
	svc := s
	svc.plainWake = make(chan struct{}, 1)
	svc.noticeWake = make(chan struct{}, 1)
	svc.direct = new(atomic.Pointer[Dispatcher])
	svc.logins = newLoginGuard()
	if svc.Store != nil {
		svc.Store = &wakingStore{Store: svc.Store, wake: svc.wakeNotices}
	}
	if svc.Now == nil {
		svc.Now = time.Now
	}
	if svc.Log == nil {
		svc.Log = slog.New(slog.DiscardHandler)
	}
	if svc.PortalTTL == 0 {
		svc.PortalTTL = 90 * 24 * time.Hour
	}
	if svc.Institution.Code == "" {
		svc.Institution.Code = "BH"
	}
	if svc.Institution.Kind == "" {
		svc.Institution.Kind = KindBank
	}
	if svc.SessionIdle == 0 {
		svc.SessionIdle = 30 * time.Minute
	}
	if svc.SessionMax == 0 {
		svc.SessionMax = 12 * time.Hour
	}
	svc.settings = new(atomic.Pointer[Settings])
	svc.settings.Store(&Settings{Underwriting: svc.Underwriting, CheckerThreshold: svc.CheckerThreshold})
	return &svc
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// URL returns the public URL of path.
func (s *Service) URL(path string) string {
	return strings.TrimRight(s.PublicURL, "/") + path
}

// PortalURL is the bidder's page for an application.
func (s *Service) PortalURL(a *Application) string { return s.URL("/portal/" + a.PortalToken) }

// DocumentURL is the capability URL of a document.
func (s *Service) DocumentURL(d *Document) string { return s.URL("/files/" + d.Token) }

// VerifyURL is the verification page of a guarantee, as printed and in the QR
// code.
func (s *Service) VerifyURL(a *Application) string { return verifyURL(s.PublicURL, a) }

func verifyURL(publicURL string, a *Application) string {
	return strings.TrimRight(publicURL, "/") + "/verify?no=" + url.QueryEscape(a.BaohanNo) + "&code=" + url.QueryEscape(a.CheckCode)
}

// PlatformName returns the configured name of the platform with appkey.
func (s *Service) PlatformName(appkey string) string {
	for _, p := range s.Platforms {
		if p.AppKey == appkey {
			return p.Name
		}
	}
	return appkey
}

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no entropy: nothing sensible to do
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomCode returns n random characters a person can read out: digits and
// upper-case letters without 0/O and 1/I.
func randomCode(n int) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	out := make([]byte, n)
	for i := range out {
		v, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(fmt.Sprintf("crypto/rand: %v", err))
		}
		out[i] = alphabet[v.Int64()]
	}
	return string(out)
}

// audit records an event in the current transaction.
func (s *Service) audit(ctx context.Context, a *Application, actor Actor, action, detail string) error {
	e := &AuditEvent{Actor: actor, Action: action, Detail: detail, At: s.now()}
	if a != nil {
		e.ApplicationID, e.ApplyNo = a.ID, a.ApplyNo
	}
	return s.Store.AddAudit(ctx, e)
}

// queue writes a notice in the current transaction.
func (s *Service) queue(ctx context.Context, a *Application, iface string, fields map[string]string, docID int64) error {
	_, err := s.queueFor(ctx, nil, a, iface, fields, docID)
	return err
}

// queueFor queues a notice like queue and, when d is not nil and the notice
// is the only undelivered one of its application (it would be the next to
// be claimed), creates it already claimed by d: the caller hands it to d
// once the transaction has committed (Dispatcher.handOff) and nobody looks
// it up again. It returns the notice.
func (s *Service) queueFor(ctx context.Context, d *Dispatcher, a *Application, iface string, fields map[string]string, docID int64) (*Notice, error) {
	now := s.now()
	n := &Notice{
		ApplicationID: a.ID, Platform: a.Platform, Interface: iface, Fields: fields, DocumentID: docID,
		Status: NoticePending, NextAttemptAt: now, CreatedAt: now,
	}
	if d != nil {
		waiting, err := s.Store.HasUndeliveredNotice(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		if !waiting {
			n.LeaseOwner, n.LeaseUntil = d.cfg.Owner, now.Add(d.cfg.Lease)
		}
	}
	return n, s.Store.CreateNotice(ctx, n)
}

// maxRetries bounds how often an operation is retried after losing a race.
const maxRetries = 8

// retry runs fn again when it lost a race (ECONFLICT from a stale version or a
// duplicate key), so that it is judged against the state the winner left.
func retry(fn func() error) error {
	var err error
	for i := 0; i < maxRetries; i++ {
		if err = fn(); ErrorCode(err) != ECONFLICT || errors.Is(err, errContentDiffers) {
			return err
		}
	}
	return err
}

// errContentDiffers marks the refusal of a retried request whose content
// differs from the accepted one; it must not be retried.
var errContentDiffers = errors.New("content differs")

// secretFields are request fields kept only as digests.
var secretFields = map[string]bool{"key": true, "iv": true}

// businessFields returns a request's fields as compared for idempotency: its
// JSON form (Platform, appkey, timestamp and sign are not in it), with secret
// values replaced by their SM3.
func businessFields(req any) map[string]string {
	b, err := json.Marshal(req)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", req, err)) // requests are flat structs of strings
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("unmarshal %T: %v", req, err))
	}
	for k, v := range m {
		if secretFields[k] && v != "" {
			m[k] = "sm3:" + gmcrypto.SM3Hex([]byte(v))
		}
	}
	return m
}

// diffFields names the fields whose values differ.
func diffFields(a, b map[string]string) []string {
	var names []string
	for k, v := range a {
		if b[k] != v {
			names = append(names, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// once runs an inbound request idempotently: a request already accepted with
// the same business fields gets the answer it got then and changes nothing;
// one with different fields is refused; otherwise fn runs in a transaction
// with the record of the request. A refused request leaves nothing behind.
func (s *Service) once(ctx context.Context, platform, iface, applyNo string, req any, fn func(ctx context.Context) (map[string]string, error)) (map[string]string, error) {
	fields := businessFields(req)
	var answer map[string]string
	err := retry(func() error {
		rec, err := s.Store.GetInbound(ctx, platform, iface, applyNo)
		switch {
		case err == nil:
			if diff := diffFields(rec.Fields, fields); len(diff) > 0 {
				return fmt.Errorf("%w: %w", errContentDiffers, Errorf(ECONFLICT,
					"业务流水号 %s 的 %s 请求已于 %s 受理，本次请求的字段 %s 与已受理的不同，不予受理",
					applyNo, iface, rec.CreatedAt.In(beijing).Format("2006-01-02 15:04:05"), strings.Join(diff, "、")))
			}
			answer = rec.Answer
			return nil
		case ErrorCode(err) != ENOTFOUND:
			return err
		}
		return s.Store.WithTx(ctx, func(ctx context.Context) error {
			data, err := fn(ctx)
			if err != nil {
				return err
			}
			answer = data
			return s.Store.CreateInbound(ctx, &InboundRecord{
				Platform: platform, Interface: iface, ApplyNo: applyNo, Fields: fields, Answer: data, CreatedAt: s.now(),
			})
		})
	})
	return answer, err
}

// beijing is UTC+8, the zone of every time people and the platform read.
var beijing = time.FixedZone("CST", 8*60*60)

// BeijingTime formats t as yyyy-MM-dd HH:mm:ss in Beijing time, the form of
// the wire and of our pages.
func BeijingTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format("2006-01-02 15:04:05")
}

// parseWireTime reads a wire time (Beijing time).
func parseWireTime(s string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02 15:04:05", strings.TrimSpace(s), beijing)
}
