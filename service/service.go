package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"
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

// Config is what a Service is made from: its dependencies and the rules of
// the configuration file. New fills in the defaults of zero fields.
type Config struct {
	Store        Store
	Renderer     LetterRenderer
	Caller       PlatformCaller // for §4.12; nil: abandoning is unavailable
	Metrics      *Metrics       // nil records nothing
	Log          *slog.Logger   // default: discards
	Now          func() time.Time
	Institution  Institution
	Underwriting Underwriting
	Platforms    []PlatformInfo
	PublicURL    string        // base of the URLs we hand out
	PortalTTL    time.Duration // how long a bidder's portal link works (default 90 days)
	// LetterCPUs is how many plaintext letters the letter workers make at
	// once at most, not counting those waiting for a timestamp (pdf.Slots);
	// 0: as many as there are workers.
	LetterCPUs int

	// The officer console: a console approval above CheckerThreshold needs a
	// second officer (0: off; the settings page may override it, as it does
	// Underwriting); a session ends SessionIdle after its last use (default
	// 30 min) or SessionMax after login (default 12 h).
	CheckerThreshold Money
	SessionIdle      time.Duration
	SessionMax       time.Duration
}

// Service is the domain's composition root: the parts the platform,
// officers, the admin API and bidders call, each a type of its own with
// what it needs and no pointer back here. It has no operations of its own
// beyond starting the background loops that span parts.
type Service struct {
	// Config is the configuration New was given, defaults filled in and
	// Store wrapped by WakeOnNotice (see New). The parts share it: a field
	// changed here after New (a test's threshold) is what they see.
	*Config

	Guarantees *Guarantees // the platform's requests and the officers' decisions (§4.1–§4.12)
	Letters    *Letters    // the plaintext letter workers
	Proposals  *Proposals  // maker/checker: decisions that need a second officer
	Officers   *Officers   // console accounts, sessions, TOTP, login throttling
	Setup      *Setup      // settings, the console's secret, the signing panel
	Views      *Views      // the console's and admin API's read models
	Public     *Public     // the bidder's portal, verification, downloads

	// NoticeWake rings when a transaction that queued a notice commits;
	// dispatchers made with NewDispatcher listen to it.
	NoticeWake Wake
	// Handoff carries fresh restorenotices from Letters to the dispatcher of
	// this process that is running, if any.
	Handoff *Handoff
}

// New makes a Service from c. Two things are made here and shared by the
// parts, explicitly: Store is wrapped by WakeOnNotice so that a notice
// queued by any part rings NoticeWake once its transaction commits (the
// dispatcher sends it at once instead of at its next poll), and a Handoff
// through which the letter workers give fresh restorenotices to a running
// dispatcher. Service.Store is the wrapped store; use it, not c.Store, for
// anything that queues notices.
func New(c Config) *Service {
	wake := NewWake()
	if c.Store != nil {
		c.Store = WakeOnNotice(c.Store, wake.Signal)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.PortalTTL == 0 {
		c.PortalTTL = 90 * 24 * time.Hour
	}
	if c.Institution.Code == "" {
		c.Institution.Code = "BH"
	}
	if c.Institution.Kind == "" {
		c.Institution.Kind = KindBank
	}
	if c.SessionIdle == 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax == 0 {
		c.SessionMax = 12 * time.Hour
	}
	e := &env{Config: &c, plainWake: NewWake(), noticeWake: wake}
	e.settings.Store(&Settings{Underwriting: c.Underwriting, CheckerThreshold: c.CheckerThreshold})
	handoff := new(Handoff)
	g := &Guarantees{env: e}
	l := &Letters{env: e, handoff: handoff}
	p := &Proposals{env: e, guarantees: g, letters: l}
	return &Service{
		Config:     &c,
		Guarantees: g,
		Letters:    l,
		Proposals:  p,
		Officers:   &Officers{env: e, logins: newLoginGuard()},
		Setup:      &Setup{env: e},
		Views:      &Views{env: e, proposals: p},
		Public:     &Public{env: e},
		NoticeWake: wake,
		Handoff:    handoff,
	}
}

// DispatcherDeps is what a dispatcher of this service's notices needs.
func (s *Service) DispatcherDeps() DispatcherDeps {
	return DispatcherDeps{Store: s.Store, Wake: s.NoticeWake, Handoff: s.Handoff, Log: s.Log, Metrics: s.Metrics, Now: s.Now}
}

// NewDispatcher returns a dispatcher of s's notices sending through sender
// (NewDispatcher with s.DispatcherDeps()).
func (s *Service) NewDispatcher(sender NoticeSender, cfg DispatcherConfig) *Dispatcher {
	return NewDispatcher(s.DispatcherDeps(), sender, cfg)
}

// RunConsoleUpkeep, every interval until ctx is done, reloads the settings
// (an administrator may have changed them on another instance) and removes
// ended console sessions.
func (s *Service) RunConsoleUpkeep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Setup.LoadSettings(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("reload settings", "error", err)
		}
		if err := s.Officers.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("purge ended sessions", "error", err)
		}
	}
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
