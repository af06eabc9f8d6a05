package handler

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

// The console's seams: each is what one group of pages needs from the
// domain, and one part of service.Service implements it.

// ConsoleAccounts is the login, the officer's own account and the officers
// page (service.Officers).
type ConsoleAccounts interface {
	Login(ctx context.Context, in service.LoginInput) (*service.Login, error)
	Authenticate(ctx context.Context, token string) (*service.Officer, *service.Session, error)
	Logout(ctx context.Context, o *service.Officer, sess *service.Session) error
	ChangePassword(ctx context.Context, o *service.Officer, sess *service.Session, current, next, confirm string) error
	BeginTOTP(ctx context.Context, o *service.Officer) (*service.TOTPEnrollment, error)
	PendingTOTP(o *service.Officer) *service.TOTPEnrollment
	ConfirmTOTP(ctx context.Context, o *service.Officer, code string) error
	DisableTOTP(ctx context.Context, o *service.Officer, password string) error
	ListOfficers(ctx context.Context, actor service.Actor) ([]*service.Officer, error)
	CreateOfficer(ctx context.Context, actor service.Actor, in service.NewOfficer) (*service.Officer, error)
	UpdateOfficer(ctx context.Context, actor service.Actor, id int64, ch service.OfficerChange) (*service.Officer, error)
}

// ConsoleCases are the pages that read applications, notices and the audit
// trail (service.Views).
type ConsoleCases interface {
	Dashboard(ctx context.Context) (*service.Dashboard, error)
	Queue(ctx context.Context, f service.ApplicationFilter) (*service.Queue, error)
	CaseFile(ctx context.Context, id int64) (*service.CaseFile, error)
	NoticeLog(ctx context.Context, f service.NoticeFilter) (*service.NoticeLog, error)
	FindAudit(ctx context.Context, q service.AuditQuery) ([]*service.AuditEvent, int, error)
	PlatformName(appkey string) string
	DocumentURL(d *service.Document) string
	PortalURL(a *service.Application) string
}

// ConsoleDecisions are the actions on an application that never need a
// second officer (service.Guarantees).
type ConsoleDecisions interface {
	Reject(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Application, error)
	DecideQuit(ctx context.Context, actor service.Actor, id int64, approve bool, reason string) (*service.Application, error)
	IssueInvoice(ctx context.Context, actor service.Actor, id int64, in service.IssueInvoiceInput) (*service.Invoice, error)
	RefuseInvoice(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Invoice, error)
	Abandon(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Application, error)
}

// ConsoleProposals are the actions that may need a second officer, and the
// proposals page (service.Proposals).
type ConsoleProposals interface {
	FindProposals(ctx context.Context, f service.ProposalFilter) ([]*service.Proposal, int, error)
	ProposeApprove(ctx context.Context, actor service.Actor, id int64, in service.ApproveInput) (*service.Proposal, error)
	ProposePayClaim(ctx context.Context, actor service.Actor, id, claimID int64, amount service.Money, ref, note string) (*service.Proposal, error)
	ProposeResend(ctx context.Context, actor service.Actor, noticeID int64, note string) (*service.Proposal, error)
	ProposeRetryLetter(ctx context.Context, actor service.Actor, id int64, note string) (*service.Proposal, error)
	ConfirmProposal(ctx context.Context, actor service.Actor, id int64, note string) (*service.Proposal, error)
	DeclineProposal(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Proposal, error)
}

// ConsoleSetup is the settings page and the signing panel (service.Setup).
type ConsoleSetup interface {
	Settings() service.Settings
	SigningStatus() *service.SigningStatus
	UpdateSettings(ctx context.Context, actor service.Actor, in service.SettingsInput) (service.Settings, error)
}

// Console serves the officer console at /console: server-rendered pages in
// Chinese, sessions in the database, CSRF protection on every form.
type Console struct {
	Accounts    ConsoleAccounts
	Cases       ConsoleCases
	Decisions   ConsoleDecisions
	Proposals   ConsoleProposals
	Setup       ConsoleSetup
	Log         *slog.Logger
	Secret      []byte // 32 bytes: the key of the CSRF tokens (service.ConsoleSecret)
	PublicURL   string
	Institution string
	Platforms   []service.PlatformInfo
	Now         Clock // nil: time.Now
	// Uploads bounds the invoice PDF upload; nil: the defaults
	// (DefaultMaxUpload, DefaultUploads).
	Uploads *Uploads

	pages map[string]*template.Template
	// addrs throttles login failures by client address (newAddrBackoff);
	// the service throttles them by user name.
	addrs *service.Backoff
}

// The console's cookie and context keys.
const (
	sessionCookie = "baohan_session"
	officerKey    = "baohan.officer"
	sessionKey    = "baohan.session"
	consolePrefix = "/console"
)

// Register adds the console's routes. Every route but the login page needs
// a session; the role each needs is given where it is registered, and the
// service checks it again.
func (h *Console) Register(r gin.IRouter) {
	h.pages = loadPages()
	h.addrs = newAddrBackoff()
	if h.Now == nil {
		h.Now = time.Now
	}
	h.Uploads = h.Uploads.orDefault()
	guard := newFormGuard(h.Secret, h.PublicURL, consoleBinding, h.refused)

	open := r.Group(consolePrefix, pageHeaders, guard.issue, guard.check)
	open.GET("/login", h.loginPage)
	open.POST("/login", h.login)

	authed := r.Group(consolePrefix, pageHeaders, guard.issue, h.authenticate)
	g := authed.Group("", guard.check)
	g.GET("", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, consolePrefix+"/dashboard") })
	g.POST("/logout", h.logout)
	g.GET("/dashboard", h.dashboard)
	g.GET("/applications", h.queue)
	g.GET("/applications/:id", h.application)
	g.GET("/notices", h.notices)
	g.GET("/proposals", h.proposals)
	g.GET("/account", h.account)
	g.POST("/account/password", h.changePassword)
	g.POST("/account/totp", h.beginTOTP)
	g.POST("/account/totp/confirm", h.confirmTOTP)
	g.POST("/account/totp/disable", h.disableTOTP)

	work := g.Group("", h.requireRole(service.RoleMaker, service.RoleChecker))
	work.POST("/applications/:id/approve", h.approve)
	work.POST("/applications/:id/reject", h.reject)
	work.POST("/applications/:id/abandon", h.abandon)
	work.POST("/applications/:id/quit", h.decideQuit)
	work.POST("/applications/:id/invoice/refuse", h.refuseInvoice)
	work.POST("/applications/:id/claims/:claim/pay", h.payClaim)
	work.POST("/notices/:id/resend", h.resend)
	work.POST("/applications/:id/letter/retry", h.retryLetter)
	work.POST("/proposals/:id/confirm", h.confirmProposal)
	work.POST("/proposals/:id/decline", h.declineProposal)
	// The invoice form uploads a PDF: streamed, its token checked first.
	authed.POST("/applications/:id/invoice", h.requireRole(service.RoleMaker, service.RoleChecker), guard.upload(h.Uploads), h.issueInvoice)

	oversight := g.Group("", h.requireRole(service.RoleAdmin, service.RoleAuditor, service.RoleChecker))
	oversight.GET("/audit", h.audit)
	oversight.GET("/audit.csv", h.auditCSV)
	oversight.GET("/settings", h.settings)

	manage := g.Group("", h.requireRole(service.RoleAdmin, service.RoleAuditor))
	manage.GET("/officers", h.officers)

	admin := g.Group("", h.requireRole(service.RoleAdmin))
	admin.POST("/settings", h.updateSettings)
	admin.POST("/officers", h.createOfficer)
	admin.POST("/officers/:id", h.updateOfficer)
}

// authenticate finds the officer of the session cookie, or sends the
// browser to the login page (and back here after it). An officer who must
// change the password may only do that.
func (h *Console) authenticate(c *gin.Context) {
	token, _ := c.Cookie(sessionCookie)
	o, sess, err := h.Accounts.Authenticate(c.Request.Context(), token)
	if err != nil {
		if service.ErrorCode(err) == service.EINTERNAL {
			h.fail(c, err)
			c.Abort()
			return
		}
		next := ""
		if c.Request.Method == http.MethodGet {
			next = c.Request.URL.RequestURI()
		}
		loc := consolePrefix + "/login"
		if next != "" {
			loc += "?next=" + url.QueryEscape(next)
		}
		if token != "" {
			h.clearSessionCookie(c)
		}
		c.Redirect(http.StatusSeeOther, loc)
		c.Abort()
		return
	}
	c.Set(officerKey, o)
	c.Set(sessionKey, sess)
	if o.MustChangePassword && !strings.HasPrefix(c.FullPath(), consolePrefix+"/account") && c.FullPath() != consolePrefix+"/logout" {
		c.Redirect(http.StatusSeeOther, consolePrefix+"/account")
		c.Abort()
		return
	}
	c.Next()
}

// requireRole lets only officers with one of roles through.
func (h *Console) requireRole(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		o := officerOf(c)
		for _, r := range roles {
			if o.Role == r {
				c.Next()
				return
			}
		}
		h.fail(c, service.Errorf(service.EFORBIDDEN, "您的角色（%s）无权进行此操作", service.RoleLabel(o.Role)))
		c.Abort()
	}
}

func officerOf(c *gin.Context) *service.Officer {
	v, _ := c.Get(officerKey)
	o, _ := v.(*service.Officer)
	return o
}

func sessionOf(c *gin.Context) *service.Session {
	v, _ := c.Get(sessionKey)
	s, _ := v.(*service.Session)
	return s
}

func (h *Console) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: consolePrefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureCookies(c, h.PublicURL)})
}

// base is the part of every page's view that the layout reads.
func (h *Console) base(c *gin.Context, title, nav string) pageBase {
	b := pageBase{Title: title, Nav: nav, Institution: h.Institution, CSRF: csrfField(c), UploadLimit: byteSize(h.Uploads.MaxBytes())}
	if o := officerOf(c); o != nil {
		b.Officer = &officerBadge{Name: o.Name(), Username: o.Username, Role: o.Role, RoleLabel: service.RoleLabel(o.Role)}
		b.Menu = consoleMenu(o.Role, nav)
	}
	if msg, ok := doneMessages[c.Query("done")]; ok {
		b.Flash = msg
	}
	return b
}

// fail shows a service error as a page: the message for the officer,
// "系统内部错误" (and one log line) for anything internal.
func (h *Console) fail(c *gin.Context, err error) {
	e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
	v := errorPage{pageBase: h.base(c, "出错了", ""), Message: e.Message}
	render(c, h.Log, h.pages, e.Status, "error", &v)
}

// formError puts the message of a failed form's err beside the form and
// returns the page's status; nil is no error (200). Internal errors are
// logged here, once.
func (h *Console) formError(c *gin.Context, form *actionForm, err error) int {
	if err == nil {
		return http.StatusOK
	}
	e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
	form.Error = e.Message
	return e.Status
}

// consoleBinding is what a console form's token belongs to: the officer's
// session (none on the login page).
func consoleBinding(c *gin.Context) string {
	s, _ := c.Cookie(sessionCookie)
	return "console\x00" + s
}

// refused answers a form refused before it was read: a missing or wrong
// CSRF token or origin (403), a body too large (413) or of the wrong type
// (415), no upload slot free (503).
func (h *Console) refused(c *gin.Context, err *bodyError) {
	h.Log.Info("form refused", "request_id", requestID(c), "path", c.Request.URL.Path, "status", err.Status, "reason", refusalReason(err))
	title := "请求被拒绝"
	if err.Status != http.StatusForbidden {
		title = "无法处理该请求"
	}
	setRetryAfter(c, err)
	v := errorPage{pageBase: h.base(c, title, ""), Message: err.Error()}
	render(c, h.Log, h.pages, err.Status, "error", &v)
}

// done redirects after a successful form to path, with a message code the
// page shows (never text from the request).
func done(c *gin.Context, path, code string) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	c.Redirect(http.StatusSeeOther, path+sep+"done="+code)
}

// doneMessages are the messages of done's codes.
var doneMessages = map[string]string{
	"approved":          "审批通过，已出具密文保函，出函通知已排队发送。",
	"proposed":          "已提交复核：须另一位复核岗确认后生效。",
	"rejected":          "已拒绝该申请，拒绝通知已排队发送。",
	"abandoned":         "交易平台已同意放弃该申请。",
	"quit_approved":     "已同意退保，退保结果通知已排队发送。",
	"quit_rejected":     "已拒绝退保，退保结果通知已排队发送。",
	"invoice_issued":    "发票已登记，发票通知已排队发送。",
	"invoice_refused":   "已拒绝开票，通知已排队发送。",
	"confirmed":         "已复核确认，操作已执行。",
	"declined":          "已退回该提议。",
	"withdrawn":         "已撤回该提议。",
	"password":          "密码已修改，您在其他设备上的登录已退出。",
	"totp_on":           "动态口令已启用：下次登录时须输入。",
	"totp_off":          "动态口令已关闭。",
	"settings":          "参数设置已保存并立即生效。",
	"officer_created":   "账户已创建：首次登录时须修改密码。",
	"officer_updated":   "账户已更新。",
	"settings_unchange": "参数未变化。",
}

// newAddrBackoff throttles console login failures by client address: the
// tenth starts a wait of 1 s, each further one doubles it, up to 15
// minutes. Behind a reverse proxy the client address is X-Forwarded-For's
// only when http.trusted_proxies names the proxy; otherwise every login
// would share the proxy's address.
func newAddrBackoff() *service.Backoff {
	return &service.Backoff{Free: 9, First: time.Second, Max: 15 * time.Minute, Forget: time.Hour}
}
