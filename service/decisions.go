package service

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/baohangateway/baohan/wire"
)

// The decisions officers take on applications: approve or reject an
// application, decide a withdrawal, issue or refuse an invoice, pay a claim.
// Each goes through Application.transition and queues its notice in the
// same transaction (Guarantees).

// ApproveInput is an officer's approval: the account paying the premium when
// the bidder has not given it on the portal, and a checker's reason to
// approve despite blocking flags.
type ApproveInput struct {
	PayerName      string
	PayerAccount   string
	OverrideReason string
}

// checkPayer enforces the basic-account rule (§4.2: a premium not paid from
// the company's basic account makes the guarantee invalid at opening): the
// account holder must be the bidder.
func checkPayer(a *Application, name, account string) error {
	name, account = strings.TrimSpace(name), strings.TrimSpace(account)
	switch {
	case name == "":
		return Errorf(EINVALID, "缺少 payername（付款账户户名）：投标人尚未在门户填写付款账户，审批时须提供")
	case account == "":
		return Errorf(EINVALID, "缺少 payeraccount（付款账号）：投标人尚未在门户填写付款账户，审批时须提供")
	case name != a.BidderName:
		return Errorf(EINVALID, "付款账户户名「%s」与投标人「%s」不一致：保费须由投标人基本户支付", name, a.BidderName)
	case len([]rune(account)) > 50:
		return Errorf(EINVALID, "付款账号过长：最多 50 个字符")
	}
	for _, r := range account {
		if (r < '0' || r > '9') && r != '-' && r != ' ' {
			return Errorf(EINVALID, "付款账号「%s」格式错误：只能包含数字", account)
		}
	}
	return nil
}

// Approve issues the ciphertext guarantee: it assigns the guarantee number,
// renders and stores the sealed letter, and queues baohannotice status 1, all
// in one transaction. A blocking flag needs a checker's override reason.
func (s *Guarantees) Approve(ctx context.Context, actor Actor, id int64, in ApproveInput) (*Application, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	var out *Application
	err := retry(func() error {
		a, err := s.Store.GetApplication(ctx, id)
		if err != nil {
			return err
		}
		to, err := a.transition(OpApprove)
		if err != nil {
			return err
		}
		name, account := in.PayerName, in.PayerAccount
		if name == "" && account == "" {
			name, account = a.PayerName, a.PayerAccount
		}
		if err := checkPayer(a, name, account); err != nil {
			return err
		}
		a.PayerName, a.PayerAccount = strings.TrimSpace(name), strings.TrimSpace(account)

		uw := s.Settings().Underwriting
		exposure, err := s.exposure(ctx, uw)
		if err != nil {
			return err
		}
		a.Flags = uw.Flags(a, exposure)
		if blocking := a.BlockingFlags(); len(blocking) > 0 {
			var msgs []string
			for _, f := range blocking {
				msgs = append(msgs, f.Message)
			}
			if actor.Role != RoleChecker {
				return Errorf(EFORBIDDEN, "该申请有风险提示（%s），须由复核岗填写理由后放行", strings.Join(msgs, "；"))
			}
			if strings.TrimSpace(in.OverrideReason) == "" {
				return Errorf(EINVALID, "该申请有风险提示（%s），放行须填写理由（override_reason）", strings.Join(msgs, "；"))
			}
			a.OverrideReason, a.OverrideBy = strings.TrimSpace(in.OverrideReason), actor.Name
		}
		if a.Premium, err = uw.Premium(a.Amount); err != nil {
			return err
		}
		now := s.now()
		a.Rate = uw.Rate
		a.BaohanNo = fmt.Sprintf("%s%s%08d", s.Institution.Code, now.In(beijing).Format("20060102"), a.ID)
		a.CheckCode = randomCode(8)
		a.IssuedAt = now
		a.ValidTo = now.AddDate(0, 0, uw.ValidityDays)
		a.State = to

		letter, err := s.renderLetter(ctx, a, true)
		if err != nil {
			return fmt.Errorf("render ciphertext letter of %s: %w", a, err)
		}
		doc, err := s.newDocument(a, DocCipherLetter, a.BaohanNo+"-密文保函.pdf", "application/pdf", letter.PDF)
		if err != nil {
			return err
		}
		printed := noteLetter(a, "密文保函", letter.Notes)
		err = s.Store.WithTx(ctx, func(ctx context.Context) error {
			if err := s.Store.UpdateApplication(ctx, a); err != nil {
				return err
			}
			if err := s.Store.CreateDocument(ctx, doc); err != nil {
				return err
			}
			if err := s.queue(ctx, a, s.issuedNotice(a, doc), doc.ID); err != nil {
				return err
			}
			detail := fmt.Sprintf("出具密文保函 %s，保费 %s 元（费率 %s）", a.BaohanNo, a.Premium.Yuan(), a.Rate)
			if a.OverrideReason != "" {
				detail += "；风险放行理由：" + a.OverrideReason
			}
			return s.audit(ctx, a, actor, "approve", detail+printed)
		})
		out = a
		return err
	})
	return out, err
}

// issuedNotice is the baohannotice of an issued guarantee (§4.2); baohanfile
// is added from the document when the notice is sent.
func (s *Guarantees) issuedNotice(a *Application, doc *Document) IssuedNotice {
	return IssuedNotice{
		ApplyNo: a.ApplyNo, BaohanNo: a.BaohanNo, BaohanURL: s.DocumentURL(doc),
		PayerName: a.PayerName, PayerAccount: a.PayerAccount, Institution: s.Institution.Name,
		IssuedAt: a.IssuedAt, Rate: a.Rate, Premium: a.Premium,
	}
}

// Reject refuses an application and queues baohannotice status 0.
func (s *Guarantees) Reject(ctx context.Context, actor Actor, id int64, reason string) (*Application, error) {
	reason, err := mayOperateFor(actor, reason, "请填写拒绝理由（reason）")
	if err != nil {
		return nil, err
	}
	return s.change(ctx, id, func(ctx context.Context, a *Application) error {
		to, err := a.transition(OpReject)
		if err != nil {
			return err
		}
		a.State, a.RejectReason = to, reason
		if err := s.Store.UpdateApplication(ctx, a); err != nil {
			return err
		}
		if err := s.queue(ctx, a, RejectedNotice{ApplyNo: a.ApplyNo}, 0); err != nil {
			return err
		}
		return s.audit(ctx, a, actor, "reject", "拒绝理由："+reason)
	})
}

// DecideQuit approves a pending withdrawal (quitnotice 1 with tuibaotime) or
// refuses it (quitnotice 0; the guarantee stays issued and the platform may
// ask again). A refusal needs a reason.
func (s *Guarantees) DecideQuit(ctx context.Context, actor Actor, id int64, approve bool, reason string) (*Application, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	if !approve && strings.TrimSpace(reason) == "" {
		return nil, Errorf(EINVALID, "拒绝退保须填写理由（reason）")
	}
	return s.change(ctx, id, func(ctx context.Context, a *Application) error {
		op := OpQuitReject
		if approve {
			op = OpQuitApprove
		}
		to, err := a.transition(op)
		if err != nil {
			return err
		}
		now := s.now()
		a.QuitDecidedAt = now
		notice := QuitNotice{ApplyNo: a.ApplyNo, BaohanNo: a.BaohanNo, Approved: approve}
		action, detail := "quit_approve", "同意退保"
		if approve {
			a.State, a.WithdrawnAt = to, now
			notice.WithdrawnAt = now
		} else {
			a.State = to
			action, detail = "quit_reject", "拒绝退保"
			if err := s.Store.RetireInbound(ctx, a.Platform, wire.QuitApply, a.ApplyNo); err != nil {
				return err
			}
		}
		if r := strings.TrimSpace(reason); r != "" {
			detail += "：" + r
		}
		if err := s.Store.UpdateApplication(ctx, a); err != nil {
			return err
		}
		if err := s.queue(ctx, a, notice, 0); err != nil {
			return err
		}
		return s.audit(ctx, a, actor, action, detail)
	})
}

// IssueInvoiceInput is the tax invoice an officer issued for a request.
type IssueInvoiceInput struct {
	InvoiceCode string
	InvoiceNo   string
	PDF         []byte // optional: served at invoiceurl when given
}

// IssueInvoice records the invoice issued for the application's request and
// queues invoicenotice status 1.
func (s *Guarantees) IssueInvoice(ctx context.Context, actor Actor, id int64, in IssueInvoiceInput) (*Invoice, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	in.InvoiceCode, in.InvoiceNo = strings.TrimSpace(in.InvoiceCode), strings.TrimSpace(in.InvoiceNo)
	switch {
	case in.InvoiceNo == "":
		return nil, Errorf(EINVALID, "请填写发票号码（invoiceno）")
	case len([]rune(in.InvoiceNo)) > 50 || len([]rune(in.InvoiceCode)) > 50:
		return nil, Errorf(EINVALID, "发票代码和发票号码最多 50 个字符")
	case len(in.PDF) > 0 && !bytes.HasPrefix(in.PDF, []byte("%PDF-")):
		return nil, Errorf(EINVALID, "上传的发票文件不是 PDF")
	}
	return s.decideInvoice(ctx, id, func(ctx context.Context, a *Application, inv *Invoice) error {
		notice := InvoiceNotice{BaohanNo: a.BaohanNo, Issued: true, InvoiceCode: in.InvoiceCode, InvoiceNo: in.InvoiceNo}
		if len(in.PDF) > 0 {
			doc, err := s.newDocument(a, DocInvoice, "发票-"+in.InvoiceNo+".pdf", "application/pdf", in.PDF)
			if err != nil {
				return err
			}
			if err := s.Store.CreateDocument(ctx, doc); err != nil {
				return err
			}
			inv.DocumentID = doc.ID
			notice.InvoiceURL = s.DocumentURL(doc)
		}
		inv.Status, inv.InvoiceCode, inv.InvoiceNo, inv.IssuedAt = InvoiceIssued, in.InvoiceCode, in.InvoiceNo, s.now()
		if err := s.Store.UpdateInvoice(ctx, inv); err != nil {
			return err
		}
		if err := s.queue(ctx, a, notice, 0); err != nil {
			return err
		}
		return s.audit(ctx, a, actor, "invoice_issue", fmt.Sprintf("开具发票 代码 %s 号码 %s", in.InvoiceCode, in.InvoiceNo))
	})
}

// RefuseInvoice refuses the application's invoice request (invoicenotice
// status 0) for reason, which is required (EINVALID without it); the
// platform may ask again.
func (s *Guarantees) RefuseInvoice(ctx context.Context, actor Actor, id int64, reason string) (*Invoice, error) {
	reason, err := mayOperateFor(actor, reason, "拒绝开票须填写理由（reason）")
	if err != nil {
		return nil, err
	}
	return s.decideInvoice(ctx, id, func(ctx context.Context, a *Application, inv *Invoice) error {
		inv.Status = InvoiceRefused
		if err := s.Store.UpdateInvoice(ctx, inv); err != nil {
			return err
		}
		if err := s.Store.RetireInbound(ctx, a.Platform, wire.InvoiceApply, a.ApplyNo); err != nil {
			return err
		}
		if err := s.queue(ctx, a, InvoiceNotice{BaohanNo: a.BaohanNo}, 0); err != nil {
			return err
		}
		return s.audit(ctx, a, actor, "invoice_refuse", "拒绝开票："+reason)
	})
}

// decideInvoice runs an officer's decision on the application's invoice
// request, which must still be waiting for one, in the transaction of
// s.change, and returns the invoice as decide left it.
func (s *Guarantees) decideInvoice(ctx context.Context, id int64, decide func(ctx context.Context, a *Application, inv *Invoice) error) (*Invoice, error) {
	var inv *Invoice
	_, err := s.change(ctx, id, func(ctx context.Context, a *Application) error {
		var err error
		if inv, err = s.requestedInvoice(ctx, a); err != nil {
			return err
		}
		return decide(ctx, a, inv)
	})
	return inv, err
}

func (s *Guarantees) requestedInvoice(ctx context.Context, a *Application) (*Invoice, error) {
	inv, err := s.Store.GetInvoiceByApplication(ctx, a.ID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ESTATE, "业务流水号 %s 没有发票申请", a.ApplyNo)
	}
	if err != nil {
		return nil, err
	}
	if inv.Status != InvoiceRequested {
		return nil, Errorf(ESTATE, "业务流水号 %s 的发票申请状态为「%s」，不能再处理", a.ApplyNo, inv.Status.Label())
	}
	return inv, nil
}

// PayClaim records the payment of a pending claim (见索即付): the claim is
// paid and the guarantee ends.
func (s *Guarantees) PayClaim(ctx context.Context, actor Actor, id, claimID int64, amount Money, ref string) (*Claim, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	var paid *Claim
	_, err := s.change(ctx, id, func(ctx context.Context, a *Application) error {
		claims, err := s.Store.ListClaims(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, c := range claims {
			if c.ID == claimID {
				paid = c
			}
		}
		to, err := a.transition(OpPayClaim)
		switch {
		case err != nil:
			return err
		case paid == nil:
			return Errorf(ENOTFOUND, "业务流水号 %s 没有编号为 %d 的理赔", a.ApplyNo, claimID)
		case paid.Status != ClaimPending:
			return Errorf(ESTATE, "该理赔已赔付，不能重复赔付")
		}
		if amount == 0 {
			amount = paid.Amount
		}
		if amount <= 0 || amount > a.Amount {
			return Errorf(EINVALID, "赔付金额应大于 0 且不超过担保金额 %s 元", a.Amount.Yuan())
		}
		paid.Status, paid.PaidAmount, paid.PaidAt, paid.PaidBy, paid.PaymentRef = ClaimPaid, amount, s.now(), actor.Name, strings.TrimSpace(ref)
		if err := s.Store.UpdateClaim(ctx, paid); err != nil {
			return err
		}
		a.State = to
		return s.saveAudited(ctx, a, actor, "claim_pay", fmt.Sprintf("赔付 %s 元，凭证 %s", amount.Yuan(), paid.PaymentRef))
	})
	return paid, err
}
