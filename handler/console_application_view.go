package handler

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/baohangateway/baohan/service"
)

// The typed view of the console's application page (see console_views.go
// for the conventions) and fillApp, which builds it from a case file.

type appPage struct {
	pageBase
	App       appSummary
	Project   projectBlock
	Flags     []flagView
	Documents []docView
	Notices   []noticeLine
	Invoice   *invoiceBlock
	Claims    []claimBlock
	Timeline  []timelineItem
	Proposals []proposalView
	Actions   appActions
	Form      actionForm
}

type appSummary struct {
	ID                                                      int64
	ApplyNo, Platform, PlatformCode                         string
	State                                                   badge
	BidderName, BidderCode, JbrName, JbrPhone               string
	Amount, Premium, Rate                                   string
	BaohanNo, CheckCode, IssuedAt, ValidTo, Expired         string
	CreatedAt, RestoredAt, KaibiaoTime                      string
	PayerName, PayerAccount, InvoiceEmail, TermsAcceptedAt  string
	RejectReason, QuitReason, AbandonReason                 string
	OverrideReason, OverrideBy, QuitRequestedAt, PlainState string

	LetterError, LetterNext      string // a plaintext letter that failed: why, when it is tried again
	LetterAttempts               int
	CanRetryLetter, RetryPending bool
}

type projectBlock struct {
	Sealed                                bool
	BiaoduanNo, BiaoduanName, Zbr, ZbrOrg string
}

type flagView struct {
	Message  string
	Blocking bool
}

type docView struct {
	Kind, FileName, Size, SM3, CreatedAt, URL string
}

type noticeLine struct {
	ID                                     int64
	ApplicationID                          int64
	ApplyNo                                string
	Interface, InterfaceLabel              string
	Status                                 badge
	Attempts                               int
	CreatedAt, NextAttempt, DeliveredAt    string
	LastError                              string
	History                                []attemptLine
	Failed, ResendPending, CanResend       bool
	Fields                                 string
	LastAnswer                             string
	DocumentLabel, DocumentURL, LastAtTime string
}

type attemptLine struct {
	At, Duration, HTTP, Answer, Error string
	OK                                bool
}

type invoiceBlock struct {
	Kind, Amount, Status, Code, No, IssuedAt, RequestedAt string
	Title, Email, Contact                                 string
	Requested                                             bool
}

type claimBlock struct {
	ID                                            int64
	Amount, Payee, Reason, Contact, Status, Filed string
	PaidAmount, PaidAt, PaidBy, PaymentRef, Files string
	Pending, ProposalPending                      bool
}

type timelineItem struct {
	at                         time.Time
	Time, Title, Actor, Detail string
	Class                      string
}

type proposalView struct {
	ID                                         int64
	ApplicationID                              int64
	ApplyNo, Action, Summary, Why, Note        string
	ProposedBy, ProposedAt                     string
	Status                                     badge
	DecidedBy, DecidedAt, DecisionNote         string
	Pending, CanConfirm, CanWithdraw, Override bool
}

type appActions struct {
	Work          bool   // a maker or a checker is looking
	Approve       bool   // awaits review
	ApproveNeed   string // why approving needs a checker; "" when it takes effect at once
	HasPortalInfo bool   // the bidder gave the paying account on the portal
	Reject        bool
	Abandon       bool
	DecideQuit    bool
	Invoice       bool
	PayClaims     bool
}

// actionForm is what the officer typed into the form that failed, shown
// again with the error beside it.
type actionForm struct {
	Action, Error                              string
	PayerName, PayerAccount, Reason, Note      string
	InvoiceCode, InvoiceNo, Amount, PaymentRef string
	Decision                                   string
	ClaimID, ProposalID                        int64
}

var auditClass = map[string]string{
	"approve": "ok", "proposal_confirm": "ok", "quit_approve": "ok", "invoice_issue": "ok", "claim_pay": "ok",
	"reject": "bad", "proposal_decline": "bad", "claim": "bad", "give_up": "bad", "give_up_refused": "bad", "quit_reject": "bad",
	"propose": "wait", "quit_apply": "wait", "invoice_apply": "wait", "restore": "info", "plain_letter": "info", "letter_retry": "wait",
}

// fillApp fills v with the application of cf as o sees it.
func (h *consoleCases) fillApp(v *appPage, cf *service.CaseFile, o *service.Officer) {
	a := cf.Application
	sum := appSummary{
		ID: a.ID, ApplyNo: a.ApplyNo, Platform: h.Cases.PlatformName(a.Platform), PlatformCode: a.PlatformCode,
		State: stateBadge(a.State), BidderName: a.BidderName, BidderCode: a.BidderCode, JbrName: a.JbrName, JbrPhone: a.JbrPhone,
		Amount: yuan(a.Amount), Premium: yuan(a.Premium), Rate: ratePercent(a.Rate),
		BaohanNo: a.BaohanNo, CheckCode: a.CheckCode, IssuedAt: service.BeijingTime(a.IssuedAt), ValidTo: day(a.ValidTo),
		CreatedAt: service.BeijingTime(a.CreatedAt), RestoredAt: service.BeijingTime(a.RestoredAt), KaibiaoTime: service.BeijingTime(a.KaibiaoTime),
		PayerName: a.PayerName, PayerAccount: a.PayerAccount, InvoiceEmail: a.InvoiceEmail, TermsAcceptedAt: service.BeijingTime(a.TermsAcceptedAt),
		RejectReason: a.RejectReason, QuitReason: a.QuitReason, AbandonReason: a.AbandonReason,
		OverrideReason: a.OverrideReason, OverrideBy: a.OverrideBy, QuitRequestedAt: service.BeijingTime(a.QuitRequestedAt),
	}
	if a.Expired(h.Now()) {
		sum.Expired = "已过有效期"
	}
	if a.PlainPending {
		sum.PlainState = "明文保函生成中"
	}
	ops := cf.Actions(o.Actor())
	if a.LetterFailed() {
		sum.PlainState = "出函失败"
		sum.LetterError, sum.LetterAttempts, sum.LetterNext = a.PlainError, a.PlainAttempts, service.BeijingTime(a.PlainNextAt)
		sum.CanRetryLetter = service.HasAction(ops, service.OpRetryLetter)
		for _, pr := range cf.Proposals {
			if pr.Status == service.ProposalPending && pr.Action == service.ActionRetryLetter {
				sum.RetryPending = true
			}
		}
	}
	project := projectOf(a)
	var flags []flagView
	for _, f := range a.Flags {
		flags = append(flags, flagView{Message: f.Message, Blocking: f.Blocking})
	}
	var docs []docView
	for _, d := range cf.Documents {
		docs = append(docs, docView{Kind: d.Kind.Label(), FileName: d.FileName, Size: fileSize(d.Size), SM3: d.SM3,
			CreatedAt: service.BeijingTime(d.CreatedAt), URL: h.Cases.DocumentURL(d)})
	}
	docByID := map[int64]*service.Document{}
	for _, d := range cf.Documents {
		docByID[d.ID] = d
	}
	resendPending := map[int64]bool{}
	for _, pr := range cf.Proposals {
		if pr.Status == service.ProposalPending && pr.Action == service.ActionResend {
			resendPending[pr.TargetID] = true
		}
	}
	work := o.Role == service.RoleMaker || o.Role == service.RoleChecker
	var notices []noticeLine
	for _, n := range cf.Notices {
		nv := h.noticeLineOf(n, a.ApplyNo, resendPending[n.ID], work)
		if d := docByID[n.DocumentID]; d != nil {
			nv.DocumentLabel, nv.DocumentURL = d.Kind.Label(), h.Cases.DocumentURL(d)
		}
		notices = append(notices, nv)
	}
	var inv *invoiceBlock
	if i := cf.Invoice; i != nil {
		kind := "增值税普通发票"
		if i.Request.Type == "1" {
			kind = "增值税专用发票"
		}
		inv = &invoiceBlock{Kind: kind, Amount: yuan(i.Amount), Status: i.Status.Label(), Code: i.InvoiceCode, No: i.InvoiceNo,
			IssuedAt: service.BeijingTime(i.IssuedAt), RequestedAt: service.BeijingTime(i.CreatedAt), Title: i.Request.BidderName,
			Email: i.Request.Email, Contact: strings.TrimSpace(i.Request.ContactName + " " + i.Request.Mobile),
			Requested: i.Status == service.InvoiceRequested}
	}
	claimPending := map[int64]bool{}
	for _, pr := range cf.Proposals {
		if pr.Status == service.ProposalPending && pr.Action == service.ActionPayClaim {
			claimPending[pr.TargetID] = true
		}
	}
	var claims []claimBlock
	for _, cl := range cf.Claims {
		cb := claimBlock{ID: cl.ID, Amount: yuan(cl.Amount), Payee: cl.PayeeAccount, Reason: cl.Reason,
			Contact: strings.TrimSpace(cl.ContactName + " " + cl.ContactPhone), Status: cl.Status.Label(), Filed: service.BeijingTime(cl.CreatedAt),
			PaidAt: service.BeijingTime(cl.PaidAt), PaidBy: cl.PaidBy, PaymentRef: cl.PaymentRef, Files: cl.FileList,
			Pending: cl.Status == service.ClaimPending, ProposalPending: claimPending[cl.ID]}
		if cl.Status == service.ClaimPaid {
			cb.PaidAmount = yuan(cl.PaidAmount)
		}
		claims = append(claims, cb)
	}

	var timeline []timelineItem
	for _, e := range cf.Audit {
		class := auditClass[e.Action]
		if class == "" {
			class = "info"
		}
		timeline = append(timeline, timelineItem{at: e.At, Time: service.BeijingTime(e.At), Title: service.AuditActionLabel(e.Action),
			Actor: actorLabel(e.Actor), Detail: e.Detail, Class: class})
		if e.Action == "apply" && len(a.Flags) > 0 {
			var msgs []string
			for _, f := range a.Flags {
				msgs = append(msgs, f.Message)
			}
			timeline = append(timeline, timelineItem{at: e.At, Time: service.BeijingTime(e.At), Title: "风险提示", Actor: "系统",
				Detail: strings.Join(msgs, "；"), Class: "warn"})
		}
	}
	for _, n := range cf.Notices {
		for i, at := range n.Attempts {
			av := attemptOf(at)
			class := "bad"
			if av.OK {
				class = "ok"
			}
			detail := av.HTTP + " " + av.Answer
			if av.Error != "" {
				detail += " " + av.Error
			}
			timeline = append(timeline, timelineItem{at: at.StartedAt, Time: av.At,
				Title: fmt.Sprintf("发送%s · 第 %d 次", service.InterfaceLabel(n.Interface), i+1), Actor: "系统",
				Detail: strings.TrimSpace(detail) + "，耗时 " + av.Duration, Class: class})
		}
	}
	sort.SliceStable(timeline, func(i, j int) bool { return timeline[i].at.Before(timeline[j].at) })

	var proposals []proposalView
	for _, pr := range cf.Proposals {
		proposals = append(proposals, proposalViewOf(pr, o))
	}
	// What may be done is the service's answer (the state table, the roles,
	// the pending proposals); the page only lays it out.
	acts := appActions{Work: work,
		Approve: service.HasAction(ops, service.OpApprove), Reject: service.HasAction(ops, service.OpReject),
		Abandon: service.HasAction(ops, service.OpAbandon), DecideQuit: service.HasAction(ops, service.OpQuitApprove),
		Invoice: service.HasAction(ops, service.OpInvoiceIssue), PayClaims: service.HasAction(ops, service.OpPayClaim)}
	if work {
		acts.ApproveNeed = cf.ApprovalNeed
		acts.HasPortalInfo = a.PayerName != "" && a.PayerAccount != ""
	}
	v.App, v.Project, v.Flags, v.Documents, v.Notices = sum, project, flags, docs, notices
	v.Invoice, v.Claims, v.Timeline, v.Proposals, v.Actions = inv, claims, timeline, proposals, acts
}

// projectOf shows the sealed fields: the plaintext once the platform's key
// has opened them, the ciphertext before. Not by state alone: a guarantee
// claimed (and paid) before bid opening was never restored.
func projectOf(a *service.Application) projectBlock {
	p, sealed := a.Plain, a.RestoredAt.IsZero()
	if sealed {
		p = a.Cipher
	}
	return projectBlock{Sealed: sealed, BiaoduanNo: p.BiaoduanNo, BiaoduanName: p.BiaoduanName, Zbr: p.Zbr, ZbrOrg: p.ZbrOrgNum}
}

func proposalViewOf(pr *service.Proposal, o *service.Officer) proposalView {
	pending := pr.Status == service.ProposalPending
	v := proposalView{ID: pr.ID, ApplicationID: pr.ApplicationID, ApplyNo: pr.ApplyNo, Action: pr.Action.Label(), Summary: pr.Summary(),
		Why: pr.Why, Note: pr.Note, ProposedBy: pr.ProposedBy + "（" + service.RoleLabel(pr.ProposerRole) + "）",
		ProposedAt: service.BeijingTime(pr.ProposedAt), Status: proposalBadge(pr.Status), DecidedBy: pr.DecidedBy,
		DecidedAt: service.BeijingTime(pr.DecidedAt), DecisionNote: pr.DecisionNote, Pending: pending,
		CanConfirm:  pending && o.Role == service.RoleChecker && o.Username != pr.ProposedBy,
		CanWithdraw: pending && o.Username == pr.ProposedBy,
	}
	// An approval may meet blocking flags by the rules in force when it is
	// confirmed: its form always offers the override reason.
	v.Override = pr.Action == service.ActionApprove
	return v
}

func (h *consoleCases) noticeLineOf(n service.NoticeDetail, applyNo string, resendPending, work bool) noticeLine {
	nv := noticeLine{ID: n.ID, ApplicationID: n.ApplicationID, ApplyNo: applyNo, Interface: n.Interface,
		InterfaceLabel: service.InterfaceLabel(n.Interface), Status: noticeBadge(n.Status), Attempts: n.Notice.Attempts,
		CreatedAt: service.BeijingTime(n.CreatedAt), DeliveredAt: service.BeijingTime(n.DeliveredAt), LastError: n.LastError,
		Failed: n.Status == service.NoticeFailed, ResendPending: resendPending}
	nv.CanResend = nv.Failed && !resendPending && work
	if n.Status == service.NoticePending {
		nv.NextAttempt = service.BeijingTime(n.NextAttemptAt)
	}
	keys := make([]string, 0, len(n.Fields))
	for k := range n.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var fields []string
	for _, k := range keys {
		fields = append(fields, k+"="+n.Fields[k])
	}
	nv.Fields = strings.Join(fields, "  ")
	for _, at := range n.Attempts {
		nv.History = append(nv.History, attemptOf(at))
	}
	if len(nv.History) > 0 {
		last := nv.History[len(nv.History)-1]
		nv.LastAnswer, nv.LastAtTime = strings.TrimSpace(last.HTTP+" "+last.Answer+" "+last.Error), last.At
	}
	return nv
}

func attemptOf(at *service.NoticeAttempt) attemptLine {
	v := attemptLine{At: service.BeijingTime(at.StartedAt), Duration: fmt.Sprintf("%d ms", at.Duration.Milliseconds()), Error: at.Error,
		OK: at.Code == "1"}
	if at.HTTPStatus != 0 {
		v.HTTP = fmt.Sprintf("HTTP %d", at.HTTPStatus)
	}
	if at.Code != "" {
		v.Answer = "code " + at.Code
		if at.Message != "" {
			v.Answer += "「" + at.Message + "」"
		}
	}
	return v
}

func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
