package handler

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

// The console's forms on applications, notices and proposals (POST). Each
// parses the form, calls one service method, and either redirects to the
// page with a message or shows the page again with the form and the error.

// consoleActions serves the forms that act on applications, notices and
// proposals; a failed form is shown again on its page (consoleCases).
type consoleActions struct {
	*consoleKit
	Decisions ConsoleDecisions
	Proposals ConsoleProposals
	cases     *consoleCases // shows the page a failed form came from
}

// appPath is the application page of id.
func appPath(id int64) string { return fmt.Sprintf("%s/applications/%d", consolePrefix, id) }

// parseYuan reads an amount typed in yuan ("20,000.00", "¥20000"); "" is 0.
func parseYuan(label, s string) (service.Money, error) {
	s = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", " ", "").Replace(s)
	if s == "" {
		return 0, nil
	}
	m, err := service.ParseMoney(s)
	if err != nil {
		return 0, service.Errorf(service.EINVALID, "%s「%s」格式错误：应为金额（元），最多两位小数，如 20000.00", label, s)
	}
	return m, nil
}

func (h *consoleActions) approve(c *gin.Context) {
	form := actionForm{Action: "approve", PayerName: c.PostForm("payername"), PayerAccount: c.PostForm("payeraccount"), Note: c.PostForm("note")}
	h.act(c, form, func(ctx context.Context, by service.Actor, id int64) (string, error) {
		p, err := h.Proposals.ProposeApprove(ctx, by, id, service.ApproveInput{
			PayerName: form.PayerName, PayerAccount: form.PayerAccount, OverrideReason: form.Note})
		if p != nil {
			return "proposed", err
		}
		return "approved", err
	})
}

// act runs an action on the application in the path: do returns the flash
// message of its success, or the error shown beside form on the page again.
func (h *consoleActions) act(c *gin.Context, form actionForm, do func(ctx context.Context, by service.Actor, id int64) (flash string, err error)) {
	id, err := pathID(c, "id", "申请")
	if err != nil {
		h.fail(c, err)
		return
	}
	flash, err := do(c.Request.Context(), officerOf(c).Actor(), id)
	if err != nil {
		h.cases.showApplication(c, form, err)
		return
	}
	done(c, appPath(id), flash)
}

// withReason runs an action whose form is a reason (see act) with fn.
func withReason[T any](h *consoleActions, c *gin.Context, action, flash string, fn func(context.Context, service.Actor, int64, string) (T, error)) {
	form := actionForm{Action: action, Reason: c.PostForm("reason")}
	h.act(c, form, func(ctx context.Context, by service.Actor, id int64) (string, error) {
		_, err := fn(ctx, by, id, form.Reason)
		return flash, err
	})
}

func (h *consoleActions) reject(c *gin.Context) {
	withReason(h, c, "reject", "rejected", h.Decisions.Reject)
}

func (h *consoleActions) abandon(c *gin.Context) {
	withReason(h, c, "abandon", "abandoned", h.Decisions.Abandon)
}

func (h *consoleActions) decideQuit(c *gin.Context) {
	form := actionForm{Action: "quit", Decision: c.PostForm("decision"), Reason: c.PostForm("reason")}
	h.act(c, form, func(ctx context.Context, by service.Actor, id int64) (string, error) {
		if form.Decision != "approve" && form.Decision != "reject" {
			return "", service.Errorf(service.EINVALID, "请选择处理结果：同意退保或拒绝退保")
		}
		approve := form.Decision == "approve"
		_, err := h.Decisions.DecideQuit(ctx, by, id, approve, form.Reason)
		return map[bool]string{true: "quit_approved", false: "quit_rejected"}[approve], err
	})
}

// issueInvoice registers the tax invoice: its code and number, and
// optionally its PDF, read from the form's stream (guard.upload checked the
// token and holds an upload slot). The PDF is kept whole because it is
// stored; it is at most Uploads.MaxBytes.
func (h *consoleActions) issueInvoice(c *gin.Context) {
	id, err := pathID(c, "id", "申请")
	if err != nil {
		h.fail(c, err)
		return
	}
	mr, _ := c.MustGet(uploadKey).(*multipart.Reader)
	var pdf []byte
	values, err := readUpload(mr, "pdf", h.Uploads.MaxBytes(), func(r io.Reader) error {
		var err error
		pdf, err = io.ReadAll(r)
		return err
	})
	form := actionForm{Action: "invoice", InvoiceCode: values.Get("invoicecode"), InvoiceNo: values.Get("invoiceno")}
	if err != nil {
		h.cases.showApplication(c, form, err)
		return
	}
	if _, err := h.Decisions.IssueInvoice(c.Request.Context(), officerOf(c).Actor(), id, service.IssueInvoiceInput{
		InvoiceCode: form.InvoiceCode, InvoiceNo: form.InvoiceNo, PDF: pdf}); err != nil {
		h.cases.showApplication(c, form, err)
		return
	}
	done(c, appPath(id), "invoice_issued")
}

func (h *consoleActions) refuseInvoice(c *gin.Context) {
	withReason(h, c, "invoice_refuse", "invoice_refused", h.Decisions.RefuseInvoice)
}

func (h *consoleActions) payClaim(c *gin.Context) {
	form := actionForm{Action: "pay", Amount: c.PostForm("amount"), PaymentRef: c.PostForm("payment_ref"), Note: c.PostForm("note")}
	id, err := pathID(c, "id", "申请")
	if err != nil {
		h.fail(c, err)
		return
	}
	claimID, err := pathID(c, "claim", "理赔")
	if err != nil {
		h.fail(c, err)
		return
	}
	form.ClaimID = claimID
	amount, err := parseYuan("赔付金额", form.Amount)
	if err != nil {
		h.cases.showApplication(c, form, err)
		return
	}
	if _, err := h.Proposals.ProposePayClaim(c.Request.Context(), officerOf(c).Actor(), id, claimID, amount, form.PaymentRef, form.Note); err != nil {
		h.cases.showApplication(c, form, err)
		return
	}
	done(c, appPath(id), "proposed")
}

// back is where a form on a notice or proposal returns: the application
// page it was posted from, or the list.
func back(c *gin.Context, list string) (appID int64, path string) {
	if id, err := strconv.ParseInt(c.PostForm("app"), 10, 64); err == nil && id > 0 {
		return id, appPath(id)
	}
	return 0, consolePrefix + list
}

// showBack shows the page a notice or proposal form came from again, with
// the form's error.
func (h *consoleActions) showBack(c *gin.Context, appID int64, form actionForm, err error, list func(*gin.Context, actionForm, error)) {
	if appID != 0 {
		c.Params = append(c.Params, gin.Param{Key: "id", Value: strconv.FormatInt(appID, 10)})
		h.cases.showApplication(c, form, err)
		return
	}
	list(c, form, err)
}

func (h *consoleActions) resend(c *gin.Context) {
	form := actionForm{Action: "resend", Note: c.PostForm("note")}
	h.actOn(c, "通知", "/notices", h.cases.showNotices, form, func(ctx context.Context, by service.Actor, id int64) (string, error) {
		_, err := h.Proposals.ProposeResend(ctx, by, id, form.Note)
		return "proposed", err
	})
}

// actOn runs an action on the notice or proposal (what) in the path: do
// returns the flash message of its success, or the error shown beside form
// on the page the form came from (see back), list or an application page.
func (h *consoleActions) actOn(c *gin.Context, what, list string, showList func(*gin.Context, actionForm, error), form actionForm,
	do func(ctx context.Context, by service.Actor, id int64) (flash string, err error)) {
	appID, path := back(c, list)
	id, err := pathID(c, "id", what)
	if err != nil {
		h.fail(c, err)
		return
	}
	form.ProposalID = id
	flash, err := do(c.Request.Context(), officerOf(c).Actor(), id)
	if err != nil {
		h.showBack(c, appID, form, err, showList)
		return
	}
	done(c, path, flash)
}

// retryLetter proposes trying a failed plaintext letter again, from its
// application page or from the queue's 出函失败 list (back=queue).
func (h *consoleActions) retryLetter(c *gin.Context) {
	id, err := pathID(c, "id", "申请")
	if err != nil {
		h.fail(c, err)
		return
	}
	form := actionForm{Action: "retry_letter", Note: c.PostForm("note")}
	if _, err := h.Proposals.ProposeRetryLetter(c.Request.Context(), officerOf(c).Actor(), id, form.Note); err != nil {
		h.cases.showApplication(c, form, err)
		return
	}
	if c.PostForm("back") == "queue" {
		done(c, consolePrefix+"/applications?letter=failed", "proposed")
		return
	}
	done(c, appPath(id), "proposed")
}

func (h *consoleActions) confirmProposal(c *gin.Context) {
	form := actionForm{Action: "confirm", Note: c.PostForm("note")}
	h.actOn(c, "提议", "/proposals", h.cases.showProposals, form, func(ctx context.Context, by service.Actor, id int64) (string, error) {
		_, err := h.Proposals.ConfirmProposal(ctx, by, id, form.Note)
		return "confirmed", err
	})
}

func (h *consoleActions) declineProposal(c *gin.Context) {
	form := actionForm{Action: "decline", Reason: c.PostForm("reason")}
	h.actOn(c, "提议", "/proposals", h.cases.showProposals, form, func(ctx context.Context, by service.Actor, id int64) (string, error) {
		p, err := h.Proposals.DeclineProposal(ctx, by, id, form.Reason)
		if err != nil {
			return "", err
		}
		return map[bool]string{true: "withdrawn", false: "declined"}[p.Status == service.ProposalWithdrawn], nil
	})
}
