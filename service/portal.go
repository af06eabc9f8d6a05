package service

import (
	"context"
	"net/mail"
	"strings"
)

// PortalInput is what the bidder gives on the portal page.
type PortalInput struct {
	PayerName    string
	PayerAccount string
	InvoiceEmail string
	AcceptTerms  bool
}

// PortalApplication returns the application behind a portal token, refusing
// an unknown or expired token.
func (s *Public) PortalApplication(ctx context.Context, token string) (*Application, error) {
	a, err := s.Store.GetApplicationByToken(ctx, token)
	if ErrorCode(err) == ENOTFOUND || (err == nil && strings.TrimSpace(token) == "") {
		return nil, Errorf(ENOTFOUND, "链接无效：请从交易平台重新进入")
	}
	if err != nil {
		return nil, err
	}
	if s.now().After(a.PortalExpiresAt) {
		return nil, Errorf(EFORBIDDEN, "链接已过期：请从交易平台重新进入或联系出函机构")
	}
	return a, nil
}

// SubmitPortal records the bidder's paying account (it must be the company's
// basic account, held in the bidder's name), invoice e-mail and acceptance of
// the terms, while the application awaits review.
func (s *Public) SubmitPortal(ctx context.Context, token string, in PortalInput) (*Application, error) {
	a, err := s.PortalApplication(ctx, token)
	if err != nil {
		return nil, err
	}
	if !in.AcceptTerms {
		return nil, Errorf(EINVALID, "请阅读并同意保函申请条款")
	}
	if err := checkPayer(a, in.PayerName, in.PayerAccount); err != nil {
		return nil, err
	}
	email := strings.TrimSpace(in.InvoiceEmail)
	if email != "" {
		if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 100 {
			return nil, Errorf(EINVALID, "发票接收邮箱「%s」格式错误", email)
		}
	}
	return s.change(ctx, a.ID, func(ctx context.Context, a *Application) error {
		if _, err := a.transition(OpPortal); err != nil {
			return err
		}
		a.PayerName, a.PayerAccount = strings.TrimSpace(in.PayerName), strings.TrimSpace(in.PayerAccount)
		a.InvoiceEmail, a.TermsAcceptedAt = email, s.now()
		return s.saveAudited(ctx, a, Actor{Kind: ActorPlatform, Name: "投标人门户"}, "portal_submit", "付款账户 "+a.PayerName+" "+a.PayerAccount)
	})
}

// Detail is everything about one application, for the console and the admin
// API.
type Detail struct {
	Application *Application
	Documents   []*Document
	Notices     []NoticeDetail
	Invoice     *Invoice
	Claims      []*Claim
	Audit       []*AuditEvent
}

// NoticeDetail is a notice with its delivery attempts.
type NoticeDetail struct {
	*Notice
	Attempts []*NoticeAttempt
}

// Detail gathers an application's documents, notices with attempts, invoice,
// claims and audit trail.
func (s *Views) Detail(ctx context.Context, a *Application) (*Detail, error) {
	d := &Detail{Application: a}
	var err error
	if d.Documents, err = s.Store.ListDocuments(ctx, a.ID); err != nil {
		return nil, err
	}
	notices, err := s.Store.ListNotices(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	for _, n := range notices {
		attempts, err := s.Store.ListAttempts(ctx, n.ID)
		if err != nil {
			return nil, err
		}
		d.Notices = append(d.Notices, NoticeDetail{Notice: n, Attempts: attempts})
	}
	switch inv, err := s.Store.GetInvoiceByApplication(ctx, a.ID); {
	case err == nil:
		d.Invoice = inv
	case ErrorCode(err) != ENOTFOUND:
		return nil, err
	}
	if d.Claims, err = s.Store.ListClaims(ctx, a.ID); err != nil {
		return nil, err
	}
	if d.Audit, _, err = s.Store.FindAudit(ctx, AuditFilter{ApplicationID: a.ID, Limit: 500}); err != nil {
		return nil, err
	}
	return d, nil
}
