package service_test

import (
	"strings"
	"testing"

	"github.com/baohangateway/baohan/service"
)

// validCreditCode is a credit code whose check character is right, so that
// an application carrying it has no flag.
func validCreditCode(t *testing.T) string {
	t.Helper()
	const base = "91220101MA17XWY12"
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if code := base + string(c); service.CheckCreditCode(code) == nil {
			return code
		}
	}
	t.Fatal("no check character fits")
	return ""
}

var (
	officerChecker2 = service.Actor{Kind: service.ActorOfficer, Name: "wangwu", Role: service.RoleChecker}
	officerAuditor  = service.Actor{Kind: service.ActorOfficer, Name: "zhaoliu", Role: service.RoleAuditor}
	officerAdmin    = service.Actor{Kind: service.ActorOfficer, Name: "admin", Role: service.RoleAdmin}
)

// applyClean receives an application with no flag, for amount yuan.
func (e *env) applyClean(applyNo, amount string) *service.Application {
	e.t.Helper()
	req := applyReq(applyNo)
	req.BzjAmount, req.BidderCode = amount, validCreditCode(e.t)
	if _, err := e.svc.Guarantees.Apply(e.ctx, req); err != nil {
		e.t.Fatalf("apply %s: %v", applyNo, err)
	}
	return e.get(applyNo)
}

func (e *env) payer(a *service.Application) service.ApproveInput {
	return service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"}
}

func TestMakerChecker(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		e.svc.CheckerThreshold = 5000000 // 50,000.00
		if err := e.svc.Setup.LoadSettings(e.ctx); err != nil {
			t.Fatal(err)
		}

		// Below the threshold and unflagged: a maker's approval takes effect.
		small := e.applyClean("TBaoHanMC0001", "20000.00")
		if len(small.Flags) != 0 {
			t.Fatalf("flags of a clean application: %+v", small.Flags)
		}
		p, err := e.svc.Proposals.ProposeApprove(e.ctx, officerMaker, small.ID, e.payer(small))
		if err != nil || p != nil {
			t.Fatalf("small approval: proposal %+v, %v; want none", p, err)
		}
		e.wantState(small.ApplyNo, service.StateIssued)

		// Above it: a proposal, the application untouched until a checker
		// other than the proposer confirms.
		big := e.applyClean("TBaoHanMC0002", "80000.00")
		p, err = e.svc.Proposals.ProposeApprove(e.ctx, officerMaker, big.ID, e.payer(big))
		if err != nil || p == nil || !strings.Contains(p.Why, "复核金额阈值") {
			t.Fatalf("big approval: %+v, %v", p, err)
		}
		e.wantState(big.ApplyNo, service.StateReceived)
		_, err = e.svc.Proposals.ProposeApprove(e.ctx, officerMaker, big.ID, e.payer(big))
		wantCode(t, err, service.ECONFLICT)
		_, err = e.svc.Proposals.ConfirmProposal(e.ctx, officerMaker, p.ID, "")
		wantCode(t, err, service.EFORBIDDEN)
		if _, err := e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		a := e.wantState(big.ApplyNo, service.StateIssued)
		if a.PayerAccount != "6222020200112233" {
			t.Errorf("payer account after confirmation: %q", a.PayerAccount)
		}
		_, err = e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker2, p.ID, "")
		wantCode(t, err, service.ESTATE)
		events, _, _ := e.store.FindAudit(e.ctx, service.AuditFilter{ApplicationID: big.ID})
		var trail []string
		for _, ev := range events {
			trail = append(trail, ev.Action+":"+ev.Actor.Name+":"+ev.Detail)
		}
		joined := strings.Join(trail, "\n")
		if !strings.Contains(joined, "proposal_confirm:lisi:复核确认经办 zhangsan 的提议") || !strings.Contains(joined, "approve:lisi:") ||
			!strings.Contains(joined, "propose:zhangsan:") {
			t.Errorf("audit trail does not name both officers:\n%s", joined)
		}

		// A checker's own proposal needs another checker.
		big2 := e.applyClean("TBaoHanMC0003", "90000.00")
		p, err = e.svc.Proposals.ProposeApprove(e.ctx, officerChecker, big2.ID, e.payer(big2))
		if err != nil || p == nil {
			t.Fatalf("checker's big approval: %+v, %v", p, err)
		}
		_, err = e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker, p.ID, "")
		if service.ErrorCode(err) != service.EFORBIDDEN || !strings.Contains(service.ErrorMessage(err), "自己的提议") {
			t.Fatalf("confirming one's own proposal: %v", err)
		}
		// Declining needs a reason; the slot is free again afterwards.
		_, err = e.svc.Proposals.DeclineProposal(e.ctx, officerChecker2, p.ID, "")
		wantCode(t, err, service.EINVALID)
		if d, err := e.svc.Proposals.DeclineProposal(e.ctx, officerChecker2, p.ID, "付款账号待核实"); err != nil || d.Status != service.ProposalDeclined {
			t.Fatalf("decline: %+v, %v", d, err)
		}
		p, err = e.svc.Proposals.ProposeApprove(e.ctx, officerMaker, big2.ID, e.payer(big2))
		if err != nil || p == nil {
			t.Fatalf("propose again after a decline: %+v, %v", p, err)
		}
		if w, err := e.svc.Proposals.DeclineProposal(e.ctx, officerMaker, p.ID, ""); err != nil || w.Status != service.ProposalWithdrawn {
			t.Fatalf("withdraw: %+v, %v", w, err)
		}

		// A flagged application needs a checker whatever its amount.
		flagged := e.apply("TBaoHanMC0004") // the default code fails its check digit
		p, err = e.svc.Proposals.ProposeApprove(e.ctx, officerMaker, flagged.ID, e.payer(flagged))
		if err != nil || p == nil || !strings.Contains(p.Why, "风险提示") {
			t.Fatalf("flagged approval: %+v, %v", p, err)
		}

		// Roles that do not handle business.
		_, err = e.svc.Proposals.ProposeApprove(e.ctx, officerAuditor, big2.ID, e.payer(big2))
		wantCode(t, err, service.EFORBIDDEN)
		_, err = e.svc.Guarantees.Reject(e.ctx, officerAdmin, big2.ID, "x")
		wantCode(t, err, service.EFORBIDDEN)

		pending, n, err := e.svc.Proposals.FindProposals(e.ctx, service.ProposalFilter{Statuses: []service.ProposalStatus{service.ProposalPending}})
		if err != nil || n != 1 || pending[0].ApplicationID != flagged.ID {
			t.Fatalf("pending proposals: %d %v", n, err)
		}
	})
}

func TestMakerCheckerOverride(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a := e.applyClean("TBaoHanOV0001", "20000.00")
		// The administrator blocks the bidder after it applied.
		if _, err := e.svc.Setup.UpdateSettings(e.ctx, officerAdmin, service.SettingsInput{Rate: "0.005", MinPremium: "100", ValidityDays: "180",
			BlockedBidders: strings.ToLower(a.BidderCode)}); err != nil {
			t.Fatal(err)
		}
		p, err := e.svc.Proposals.ProposeApprove(e.ctx, officerMaker, a.ID, e.payer(a))
		if err != nil || p == nil || !strings.Contains(p.Why, "禁止承保名单") {
			t.Fatalf("blocked bidder: %+v, %v", p, err)
		}
		_, err = e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker, p.ID, "")
		if service.ErrorCode(err) != service.EINVALID || !strings.Contains(service.ErrorMessage(err), "理由") {
			t.Fatalf("confirm without the override reason: %v", err)
		}
		e.wantState(a.ApplyNo, service.StateReceived)
		if _, err := e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker, p.ID, "分行行长特批"); err != nil {
			t.Fatal(err)
		}
		got := e.wantState(a.ApplyNo, service.StateIssued)
		if got.OverrideBy != "lisi" || got.OverrideReason != "分行行长特批" {
			t.Errorf("override: by %q, reason %q", got.OverrideBy, got.OverrideReason)
		}
	})
}

func TestMakerCheckerClaimAndResend(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a := e.approve("TBaoHanCL0001")
		if err := e.svc.Guarantees.Claim(e.ctx, claimReq(a)); err != nil {
			t.Fatal(err)
		}
		claims, _ := e.store.ListClaims(e.ctx, a.ID)
		_, err := e.svc.Proposals.ProposePayClaim(e.ctx, officerMaker, a.ID, claims[0].ID, 0, "", "")
		wantCode(t, err, service.EINVALID)
		_, err = e.svc.Proposals.ProposePayClaim(e.ctx, officerMaker, a.ID, claims[0].ID, 9999999999, "PAY-1", "")
		wantCode(t, err, service.EINVALID)
		p, err := e.svc.Proposals.ProposePayClaim(e.ctx, officerMaker, a.ID, claims[0].ID, 0, "PAY-1", "已核对索赔文件")
		if err != nil || p.Input["amount"] != "20000.00" {
			t.Fatalf("propose payment: %+v, %v", p, err)
		}
		e.wantState(a.ApplyNo, service.StateClaimed)
		if _, err := e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		e.wantState(a.ApplyNo, service.StatePaid)
		claims, _ = e.store.ListClaims(e.ctx, a.ID)
		if claims[0].Status != service.ClaimPaid || claims[0].PaidBy != "lisi" || claims[0].PaymentRef != "PAY-1" {
			t.Errorf("claim after confirmation: %+v", claims[0])
		}

		// A resend: only of a failed notice, and only confirmed.
		n := e.notices(a)[0]
		_, err = e.svc.Proposals.ProposeResend(e.ctx, officerMaker, n.ID, "")
		wantCode(t, err, service.ESTATE)
		n.Status, n.LastError = service.NoticeFailed, "connection refused"
		if err := e.store.UpdateNotice(e.ctx, n); err != nil {
			t.Fatal(err)
		}
		p, err = e.svc.Proposals.ProposeResend(e.ctx, officerMaker, n.ID, "平台已恢复")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := e.store.GetNotice(e.ctx, n.ID); got.Status != service.NoticeFailed {
			t.Fatalf("notice before confirmation: %s", got.Status)
		}
		if _, err := e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.store.GetNotice(e.ctx, n.ID); got.Status != service.NoticePending {
			t.Fatalf("notice after confirmation: %s", got.Status)
		}
	})
}

// TestProposalNotFound checks the message an officer reads for a notice or
// proposal number that does not exist.
func TestProposalNotFound(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		_, err := e.svc.Proposals.ProposeResend(e.ctx, officerMaker, 9876, "")
		if got, want := service.ErrorMessage(err), "未找到编号为 9876 的通知"; service.ErrorCode(err) != service.ENOTFOUND || got != want {
			t.Errorf("resend of no notice: %v, want ENOTFOUND %q", err, want)
		}
		_, err = e.svc.Proposals.ConfirmProposal(e.ctx, officerChecker, 5432, "")
		if got, want := service.ErrorMessage(err), "未找到编号为 5432 的提议"; service.ErrorCode(err) != service.ENOTFOUND || got != want {
			t.Errorf("confirm of no proposal: %v, want ENOTFOUND %q", err, want)
		}
	})
}

// TestReasonRequired checks the actions that need a reason: an auditor may
// not act at all, and a blank reason is refused with the action's message
// before anything is read.
func TestReasonRequired(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		g := e.svc.Guarantees
		for _, tc := range []struct {
			name string
			do   func(service.Actor, string) error
			want string
		}{
			{"reject", func(a service.Actor, r string) error { _, err := g.Reject(e.ctx, a, 1, r); return err }, "请填写拒绝理由（reason）"},
			{"refuse invoice", func(a service.Actor, r string) error { _, err := g.RefuseInvoice(e.ctx, a, 1, r); return err }, "拒绝开票须填写理由（reason）"},
			{"abandon", func(a service.Actor, r string) error { _, err := g.Abandon(e.ctx, a, 1, r); return err }, "请填写放弃原因（reason）"},
		} {
			wantCode(t, tc.do(officerAuditor, "理由"), service.EFORBIDDEN)
			err := tc.do(officerMaker, " \t ")
			if service.ErrorCode(err) != service.EINVALID || service.ErrorMessage(err) != tc.want {
				t.Errorf("%s with a blank reason: %v, want EINVALID %q", tc.name, err, tc.want)
			}
		}
	})
}
