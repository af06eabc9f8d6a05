package handler

import (
	"context"
	"log/slog"
	"net/http"
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
// service checks it again. The pages are served by the types of their
// groups (consoleAccounts, consoleCases, consoleActions, consoleSettings),
// which share one consoleKit; the routes are all here.
func (h *Console) Register(r gin.IRouter) {
	kit := h.kit()
	accounts := &consoleAccounts{consoleKit: kit, addrs: newAddrBackoff()}
	cases := &consoleCases{consoleKit: kit, Cases: h.Cases, Proposals: h.Proposals, Setup: h.Setup, Platforms: h.Platforms}
	actions := &consoleActions{consoleKit: kit, Decisions: h.Decisions, Proposals: h.Proposals, cases: cases}
	settings := &consoleSettings{consoleKit: kit, Setup: h.Setup}
	guard := newFormGuard(h.Secret, h.PublicURL, consoleBinding, kit.refused)

	open := r.Group(consolePrefix, pageHeaders, guard.issue, guard.check)
	open.GET("/login", accounts.loginPage)
	open.POST("/login", accounts.login)

	authed := r.Group(consolePrefix, pageHeaders, guard.issue, kit.authenticate)
	g := authed.Group("", guard.check)
	g.GET("", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, consolePrefix+"/dashboard") })
	g.POST("/logout", accounts.logout)
	g.GET("/dashboard", cases.dashboard)
	g.GET("/applications", cases.queue)
	g.GET("/applications/:id", cases.application)
	g.GET("/notices", cases.notices)
	g.GET("/proposals", cases.proposals)
	g.GET("/account", accounts.account)
	g.POST("/account/password", accounts.changePassword)
	g.POST("/account/totp", accounts.beginTOTP)
	g.POST("/account/totp/confirm", accounts.confirmTOTP)
	g.POST("/account/totp/disable", accounts.disableTOTP)

	work := g.Group("", kit.requireRole(service.RoleMaker, service.RoleChecker))
	work.POST("/applications/:id/approve", actions.approve)
	work.POST("/applications/:id/reject", actions.reject)
	work.POST("/applications/:id/abandon", actions.abandon)
	work.POST("/applications/:id/quit", actions.decideQuit)
	work.POST("/applications/:id/invoice/refuse", actions.refuseInvoice)
	work.POST("/applications/:id/claims/:claim/pay", actions.payClaim)
	work.POST("/notices/:id/resend", actions.resend)
	work.POST("/applications/:id/letter/retry", actions.retryLetter)
	work.POST("/proposals/:id/confirm", actions.confirmProposal)
	work.POST("/proposals/:id/decline", actions.declineProposal)
	// The invoice form uploads a PDF: streamed, its token checked first.
	authed.POST("/applications/:id/invoice", kit.requireRole(service.RoleMaker, service.RoleChecker), guard.upload(kit.Uploads), actions.issueInvoice)

	oversight := g.Group("", kit.requireRole(service.RoleAdmin, service.RoleAuditor, service.RoleChecker))
	oversight.GET("/audit", cases.audit)
	oversight.GET("/audit.csv", cases.auditCSV)
	oversight.GET("/settings", settings.settings)

	manage := g.Group("", kit.requireRole(service.RoleAdmin, service.RoleAuditor))
	manage.GET("/officers", accounts.officers)

	admin := g.Group("", kit.requireRole(service.RoleAdmin))
	admin.POST("/settings", settings.updateSettings)
	admin.POST("/officers", accounts.createOfficer)
	admin.POST("/officers/:id", accounts.updateOfficer)
}

// kit is what the console's pages share, made from h's fields with the
// defaults filled in.
func (h *Console) kit() *consoleKit {
	now := h.Now
	if now == nil {
		now = time.Now
	}
	return &consoleKit{Accounts: h.Accounts, Log: h.Log, PublicURL: h.PublicURL, Institution: h.Institution,
		Now: now, Uploads: h.Uploads.orDefault(), pages: loadPages()}
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
