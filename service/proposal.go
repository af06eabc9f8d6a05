package service

import (
	"context"
	"fmt"
	"github.com/baohangateway/baohan/internal/text"
	"strings"
	"time"
)

// Proposals is maker/checker: a decision that needs a second officer is
// proposed by one and carried out by Guarantees or Letters when another
// confirms it.
type Proposals struct {
	*env
	guarantees *Guarantees
	letters    *Letters
}

// Maker-checker (双人复核) in the officer console. Some officer actions need a
// second officer: an approval whose amount is above the checker threshold
// (Settings.CheckerThreshold), an approval of a flagged application, a claim
// payment, and a notice resend. The officer who starts one of these records
// a Proposal; a checker other than the proposer confirms it, which executes
// the action with the checker as the actor (the audit trail names both), or
// declines it with a reason; the proposer may withdraw it. A maker's
// approval below the threshold of an unflagged application takes effect at
// once. The admin API acts for a core banking system that did its own review
// and calls the actions directly.

// ProposalAction is what a proposal asks for.
type ProposalAction string

// Proposal actions.
const (
	ActionApprove     ProposalAction = "approve"       // approve the application (issue the ciphertext letter)
	ActionPayClaim    ProposalAction = "pay_claim"     // record the payment of a claim
	ActionResend      ProposalAction = "resend_notice" // resend a failed notice
	ActionRetryLetter ProposalAction = "retry_letter"  // try a failed plaintext letter again
)

// Label is the action in Chinese.
func (a ProposalAction) Label() string {
	return label(a, map[ProposalAction]string{
		ActionApprove:     "审批出函",
		ActionPayClaim:    "理赔赔付",
		ActionResend:      "重新发送通知",
		ActionRetryLetter: "重新生成明文保函",
	})
}

// ProposalStatus is where a proposal stands.
type ProposalStatus string

// Proposal statuses.
const (
	ProposalPending   ProposalStatus = "pending"
	ProposalConfirmed ProposalStatus = "confirmed"
	ProposalDeclined  ProposalStatus = "declined"
	ProposalWithdrawn ProposalStatus = "withdrawn"
)

// Label is the status in Chinese.
func (s ProposalStatus) Label() string {
	return label(s, map[ProposalStatus]string{
		ProposalPending:   "待复核",
		ProposalConfirmed: "已确认",
		ProposalDeclined:  "已退回",
		ProposalWithdrawn: "已撤回",
	})
}

// Proposal is an officer action waiting for a second officer.
type Proposal struct {
	ID            int64
	ApplicationID int64
	ApplyNo       string
	Action        ProposalAction
	TargetID      int64             // the claim paid or the notice resent; 0 for an approval
	Input         map[string]string // the action's input: payername, payeraccount; amount, payment_ref
	Note          string            // the proposer's note
	Why           string            // why a second officer is needed
	ProposedBy    string
	ProposerRole  string
	ProposedAt    time.Time
	Status        ProposalStatus
	DecidedBy     string
	DecidedAt     time.Time
	DecisionNote  string // the checker's override reason, or why it was declined
}

// Summary describes the proposed action for lists: "理赔赔付 ¥20,000.00".
func (p *Proposal) Summary() string {
	switch p.Action {
	case ActionApprove:
		return fmt.Sprintf("审批出函，付款账户 %s %s", p.Input["payername"], p.Input["payeraccount"])
	case ActionPayClaim:
		amount, _ := ParseMoney(p.Input["amount"])
		return fmt.Sprintf("理赔赔付 ¥%s，付款凭证号 %s", amount.Yuan(), p.Input["payment_ref"])
	case ActionResend:
		return fmt.Sprintf("重新发送通知 %s（编号 %d）", p.Input["interface"], p.TargetID)
	case ActionRetryLetter:
		return "重新生成明文保函（失败原因：" + p.Input["error"] + "）"
	}
	return p.Action.Label()
}

// ProposalStore keeps proposals.
type ProposalStore interface {
	// CreateProposal inserts p and sets its ID; ECONFLICT when the same
	// action on the same application and target is pending already.
	CreateProposal(ctx context.Context, p *Proposal) error
	// DecideProposal writes p's status and decision if the stored proposal
	// is still pending; ECONFLICT otherwise.
	DecideProposal(ctx context.Context, p *Proposal) error
	GetProposal(ctx context.Context, id int64) (*Proposal, error)
	// FindProposals returns a page of the proposals f selects, newest
	// first, and how many f selects in all.
	FindProposals(ctx context.Context, f ProposalFilter) ([]*Proposal, int, error)
}

// ProposalFilter selects proposals; zero fields select all.
type ProposalFilter struct {
	ApplicationID int64
	Statuses      []ProposalStatus
	Offset        int
	Limit         int
}

// mayOperate lets the officers who work on applications (makers and
// checkers) act, and everyone who is not an officer (the admin API, the
// system): administrators and auditors do not handle business.
func mayOperate(actor Actor) error {
	if actor.Kind != ActorOfficer || actor.Role == RoleMaker || actor.Role == RoleChecker {
		return nil
	}
	return Errorf(EFORBIDDEN, "%s不能办理业务：请使用经办或复核账户", RoleLabel(actor.Role))
}

// mayOperateFor is mayOperate for an action that needs a reason (a refusal,
// giving up): it returns the reason trimmed, or EINVALID with missing when
// there is none.
func mayOperateFor(actor Actor, reason, missing string) (string, error) {
	if err := mayOperate(actor); err != nil {
		return "", err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", Errorf(EINVALID, "%s", missing)
	}
	return reason, nil
}

// NeedsChecker says why approving a would need a second officer now, or ""
// when a maker's approval takes effect at once: its amount is above the
// checker threshold, or it is flagged (when it arrived, or by the rules in
// force now).
func (s *Proposals) NeedsChecker(ctx context.Context, a *Application) (string, error) {
	st := s.Settings()
	var why []string
	if st.CheckerThreshold > 0 && a.Amount > st.CheckerThreshold {
		why = append(why, fmt.Sprintf("保证金 ¥%s 超过复核金额阈值 ¥%s", a.Amount.Yuan(), st.CheckerThreshold.Yuan()))
	}
	exposure, err := s.exposure(ctx, st.Underwriting)
	if err != nil {
		return "", err
	}
	seen := map[string]bool{}
	var flags []string
	for _, f := range append(append([]Flag(nil), a.Flags...), st.Underwriting.Flags(a, exposure)...) {
		if !seen[f.Code] {
			seen[f.Code] = true
			flags = append(flags, f.Message)
		}
	}
	if len(flags) > 0 {
		why = append(why, "风险提示："+strings.Join(flags, "；"))
	}
	return strings.Join(why, "；"), nil
}

// ProposeApprove is an officer's approval in the console. When the
// approval needs a second officer (NeedsChecker) it records a proposal and
// returns it; otherwise it approves at once and returns nil. The payer and
// the state are checked first either way.
func (s *Proposals) ProposeApprove(ctx context.Context, actor Actor, id int64, in ApproveInput) (*Proposal, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	a, err := s.applicationIf(ctx, id, allowing(OpApprove))
	if err != nil {
		return nil, err
	}
	name, account := strings.TrimSpace(in.PayerName), strings.TrimSpace(in.PayerAccount)
	if name == "" && account == "" {
		name, account = a.PayerName, a.PayerAccount
	}
	if err := checkPayer(a, name, account); err != nil {
		return nil, err
	}
	why, err := s.NeedsChecker(ctx, a)
	if err != nil {
		return nil, err
	}
	if why == "" {
		_, err := s.guarantees.Approve(ctx, actor, id, ApproveInput{PayerName: name, PayerAccount: account})
		return nil, err
	}
	return s.propose(ctx, actor, a, &Proposal{Action: ActionApprove, Why: why, Note: in.OverrideReason,
		Input: map[string]string{"payername": name, "payeraccount": account}})
}

// ProposePayClaim proposes recording the payment of a pending claim: amount
// 0 pays what was demanded; the payment reference (付款凭证号) is required.
// A claim payment always needs a second officer.
func (s *Proposals) ProposePayClaim(ctx context.Context, actor Actor, id, claimID int64, amount Money, ref, note string) (*Proposal, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, Errorf(EINVALID, "请填写付款凭证号：赔付须有银行付款凭证")
	}
	if len([]rune(ref)) > 100 {
		return nil, Errorf(EINVALID, "付款凭证号最多 100 个字符")
	}
	a, err := s.Store.GetApplication(ctx, id)
	if err != nil {
		return nil, err
	}
	claims, err := s.Store.ListClaims(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	var claim *Claim
	for _, c := range claims {
		if c.ID == claimID {
			claim = c
		}
	}
	_, err = a.transition(OpPayClaim)
	switch {
	case err != nil:
		return nil, err
	case claim == nil:
		return nil, Errorf(ENOTFOUND, "业务流水号 %s 没有编号为 %d 的理赔", a.ApplyNo, claimID)
	case claim.Status != ClaimPending:
		return nil, Errorf(ESTATE, "该理赔已赔付，不能重复赔付")
	}
	if amount == 0 {
		amount = claim.Amount
	}
	if amount <= 0 || amount > a.Amount {
		return nil, Errorf(EINVALID, "赔付金额错误：应大于 0 且不超过担保金额 ¥%s", a.Amount.Yuan())
	}
	return s.propose(ctx, actor, a, &Proposal{Action: ActionPayClaim, TargetID: claimID, Why: "理赔赔付须经复核", Note: note,
		Input: map[string]string{"amount": amount.String(), "payment_ref": ref}})
}

// ProposeResend proposes sending a failed notice again; a resend always
// needs a second officer.
func (s *Proposals) ProposeResend(ctx context.Context, actor Actor, noticeID int64, note string) (*Proposal, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	n, err := s.Store.GetNotice(ctx, noticeID)
	if err != nil {
		return nil, notFoundByID(err, "通知", noticeID)
	}
	if n.Status != NoticeFailed {
		return nil, Errorf(ESTATE, "通知 %d（%s）的状态为「%s」：只有发送失败的通知可以重新发送", n.ID, n.Interface, n.Status.Label())
	}
	a, err := s.Store.GetApplication(ctx, n.ApplicationID)
	if err != nil {
		return nil, err
	}
	return s.propose(ctx, actor, a, &Proposal{Action: ActionResend, TargetID: n.ID, Why: "重新发送通知须经复核", Note: note,
		Input: map[string]string{"interface": n.Interface}})
}

// ProposeRetryLetter proposes trying a plaintext letter that failed again
// (RetryLetter); like a resend it always needs a second officer.
func (s *Proposals) ProposeRetryLetter(ctx context.Context, actor Actor, id int64, note string) (*Proposal, error) {
	if err := mayOperate(actor); err != nil {
		return nil, err
	}
	a, err := s.applicationIf(ctx, id, letterRetryable)
	if err != nil {
		return nil, err
	}
	return s.propose(ctx, actor, a, &Proposal{Action: ActionRetryLetter, Why: "重新生成明文保函须经复核", Note: note,
		Input: map[string]string{"error": a.PlainError}})
}

// propose records p for a and audits it.
func (s *Proposals) propose(ctx context.Context, actor Actor, a *Application, p *Proposal) (*Proposal, error) {
	p.ApplicationID, p.ApplyNo = a.ID, a.ApplyNo
	p.Note = text.Fit(strings.TrimSpace(p.Note), 500)
	p.ProposedBy, p.ProposerRole, p.ProposedAt, p.Status = actor.Name, actor.Role, s.now(), ProposalPending
	err := s.Store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateProposal(ctx, p); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return Errorf(ECONFLICT, "业务流水号 %s 已有待复核的「%s」提议，请等待复核或先撤回", a.ApplyNo, p.Action.Label())
			}
			return err
		}
		detail := fmt.Sprintf("提议%s（提议编号 %d），须复核：%s", p.Summary(), p.ID, p.Why)
		if p.Note != "" {
			detail += "；说明：" + p.Note
		}
		return s.audit(ctx, a, actor, "propose", detail)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ConfirmProposal is a checker's confirmation: the proposed action is
// executed with the checker as the actor, in the same transaction as the
// decision, and the audit trail names both officers. note is the
// checker's reason to approve despite blocking flags, when there are some.
// EFORBIDDEN for anyone but a checker, and for the proposer; ESTATE when
// the proposal was decided already; the action's own errors (the state
// moved on, the override reason is missing) leave the proposal pending.
func (s *Proposals) ConfirmProposal(ctx context.Context, actor Actor, id int64, note string) (*Proposal, error) {
	if actor.Kind != ActorOfficer || actor.Role != RoleChecker {
		return nil, Errorf(EFORBIDDEN, "只有复核岗可以确认提议")
	}
	var p *Proposal
	err := s.Store.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.pendingProposal(ctx, id); err != nil {
			return err
		}
		if p.ProposedBy == actor.Name {
			return Errorf(EFORBIDDEN, "不能复核自己的提议：须由另一位复核岗确认")
		}
		note = strings.TrimSpace(note)
		switch p.Action {
		case ActionApprove:
			_, err = s.guarantees.Approve(ctx, actor, p.ApplicationID, ApproveInput{
				PayerName: p.Input["payername"], PayerAccount: p.Input["payeraccount"], OverrideReason: note})
		case ActionPayClaim:
			amount, perr := ParseMoney(p.Input["amount"])
			if perr != nil {
				return fmt.Errorf("proposal %d: amount %q: %w", p.ID, p.Input["amount"], perr)
			}
			_, err = s.guarantees.PayClaim(ctx, actor, p.ApplicationID, p.TargetID, amount, p.Input["payment_ref"])
		case ActionResend:
			_, err = s.guarantees.ResendNotice(ctx, actor, p.TargetID)
		case ActionRetryLetter:
			_, err = s.letters.RetryLetter(ctx, actor, p.ApplicationID)
		default:
			err = fmt.Errorf("proposal %d: unknown action %q", p.ID, p.Action)
		}
		if err != nil {
			return err
		}
		p.Status, p.DecidedBy, p.DecidedAt, p.DecisionNote = ProposalConfirmed, actor.Name, s.now(), text.Fit(note, 500)
		if err := s.Store.DecideProposal(ctx, p); err != nil {
			return err
		}
		return s.auditProposal(ctx, p, actor, "proposal_confirm",
			fmt.Sprintf("复核确认%s %s 的提议（提议编号 %d）：%s", RoleLabel(p.ProposerRole), p.ProposedBy, p.ID, p.Summary()))
	})
	if err != nil {
		return nil, err
	}
	switch p.Action {
	case ActionResend:
		s.wakeNotices() // ResendNotice's own wake came before this commit
	case ActionRetryLetter:
		s.wakePlain() // as RetryLetter's
	}
	return p, nil
}

// DeclineProposal ends a pending proposal without executing it: a checker
// other than the proposer declines it with a reason (退回), or the proposer
// withdraws it (撤回).
func (s *Proposals) DeclineProposal(ctx context.Context, actor Actor, id int64, reason string) (*Proposal, error) {
	reason = text.Fit(strings.TrimSpace(reason), 500)
	var p *Proposal
	err := s.Store.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.pendingProposal(ctx, id); err != nil {
			return err
		}
		action, detail := "proposal_withdraw", fmt.Sprintf("撤回本人的提议（提议编号 %d）：%s", p.ID, p.Summary())
		p.Status = ProposalWithdrawn
		if actor.Kind != ActorOfficer || p.ProposedBy != actor.Name {
			if actor.Role != RoleChecker {
				return Errorf(EFORBIDDEN, "只有复核岗可以退回提议")
			}
			if reason == "" {
				return Errorf(EINVALID, "请填写退回理由")
			}
			p.Status = ProposalDeclined
			action = "proposal_decline"
			detail = fmt.Sprintf("退回%s %s 的提议（提议编号 %d）：%s；理由：%s", RoleLabel(p.ProposerRole), p.ProposedBy, p.ID, p.Summary(), reason)
		}
		p.DecidedBy, p.DecidedAt, p.DecisionNote = actor.Name, s.now(), reason
		if err := s.Store.DecideProposal(ctx, p); err != nil {
			return err
		}
		return s.auditProposal(ctx, p, actor, action, detail)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// pendingProposal reads a proposal that is still pending.
func (s *Proposals) pendingProposal(ctx context.Context, id int64) (*Proposal, error) {
	p, err := s.Store.GetProposal(ctx, id)
	if err != nil {
		return nil, notFoundByID(err, "提议", id)
	}
	if p.Status != ProposalPending {
		return nil, Errorf(ESTATE, "提议 %d %s（%s，%s），不能再处理", p.ID, p.Status.Label(), p.DecidedBy, BeijingTime(p.DecidedAt))
	}
	return p, nil
}

// auditProposal records a decision on p in its application's audit trail.
func (s *Proposals) auditProposal(ctx context.Context, p *Proposal, actor Actor, action, detail string) error {
	return s.audit(ctx, &Application{ID: p.ApplicationID, ApplyNo: p.ApplyNo}, actor, action, detail)
}

// FindProposals lists proposals.
func (s *Proposals) FindProposals(ctx context.Context, f ProposalFilter) ([]*Proposal, int, error) {
	return s.Store.FindProposals(ctx, f)
}
