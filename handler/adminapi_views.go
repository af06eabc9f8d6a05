package handler

import "github.com/baohangateway/baohan/service"

// The JSON views of the admin API: field names as the platform spells them
// where the spec has them, amounts as yuan strings, times in Beijing time.

type applicationView struct {
	ApplyNo        string           `json:"applyno"`
	Platform       string           `json:"platform"`
	PlatformCode   string           `json:"platformcode"`
	Status         string           `json:"status"`
	StatusLabel    string           `json:"status_label"`
	BidderName     string           `json:"biddername"`
	BidderCode     string           `json:"biddercode"`
	Amount         string           `json:"bzjamount"`
	Rate           string           `json:"rate,omitempty"`
	Cost           string           `json:"cost,omitempty"`
	BaohanNo       string           `json:"baohanno,omitempty"`
	CheckCode      string           `json:"check_code,omitempty"`
	PayerName      string           `json:"payername,omitempty"`
	PayerAccount   string           `json:"payeraccount,omitempty"`
	Flags          []service.Flag   `json:"flags,omitempty"`
	Project        projectView      `json:"project"`
	PlainLetter    *plainLetterView `json:"plain_letter,omitempty"`
	PortalURL      string           `json:"portal_url"`
	CreatedAt      string           `json:"created_at"`
	IssuedAt       string           `json:"issued_at,omitempty"`
	ValidTo        string           `json:"valid_to,omitempty"`
	RestoredAt     string           `json:"restored_at,omitempty"`
	RejectReason   string           `json:"reject_reason,omitempty"`
	QuitReason     string           `json:"quit_reason,omitempty"`
	Documents      []documentView   `json:"documents"`
	Notices        []noticeView     `json:"notices"`
	Invoice        *invoiceView     `json:"invoice,omitempty"`
	Claims         []claimView      `json:"claims,omitempty"`
	Audit          []auditView      `json:"audit"`
	OverrideReason string           `json:"override_reason,omitempty"`
	// Actions are what the caller may do now (service.Actions): approve,
	// reject, abandon, quit_approve, quit_reject, claim_pay, invoice_issue,
	// invoice_refuse, letter_retry.
	Actions []string `json:"actions"`
}

type projectView struct {
	Sealed       bool   `json:"sealed"`
	BiaoduanNo   string `json:"biaoduanno"`
	BiaoduanName string `json:"biaoduanname"`
	Zbr          string `json:"zbr"`
	ZbrOrgNum    string `json:"zbrorgnum,omitempty"`
}

// plainLetterView is a plaintext letter still to be made: failed attempts,
// the next one and the last error (出函失败 in the console when it has one).
type plainLetterView struct {
	Status      string `json:"status"` // pending | failed
	Attempts    int    `json:"attempts"`
	NextAttempt string `json:"next_attempt_at,omitempty"`
	LastError   string `json:"last_error,omitempty"`
}

type documentView struct {
	Kind      string `json:"kind"`
	FileName  string `json:"file_name"`
	URL       string `json:"url"`
	SM3       string `json:"sm3"`
	Size      int64  `json:"size"`
	CreatedAt string `json:"created_at"`
}

type noticeView struct {
	ID          int64             `json:"id"`
	Interface   string            `json:"interface"`
	Status      string            `json:"status"`
	Fields      map[string]string `json:"fields"`
	Attempts    []attemptView     `json:"attempts"`
	NextAttempt string            `json:"next_attempt_at,omitempty"`
	LastError   string            `json:"last_error,omitempty"`
	CreatedAt   string            `json:"created_at"`
	DeliveredAt string            `json:"delivered_at,omitempty"`
}

type attemptView struct {
	At         string `json:"at"`
	DurationMS int64  `json:"duration_ms"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
	Error      string `json:"error,omitempty"`
}

type invoiceView struct {
	Type        string `json:"type"`
	Amount      string `json:"amount"`
	Status      string `json:"status"`
	InvoiceCode string `json:"invoicecode,omitempty"`
	InvoiceNo   string `json:"invoiceno,omitempty"`
	IssuedAt    string `json:"issued_at,omitempty"`
}

type claimView struct {
	ID           int64  `json:"id"`
	Amount       string `json:"payeramount"`
	PayeeAccount string `json:"payeraccount,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Contact      string `json:"applyusername"`
	Phone        string `json:"applyuserphone"`
	Status       string `json:"status"`
	PaidAmount   string `json:"paid_amount,omitempty"`
	PaidAt       string `json:"paid_at,omitempty"`
}

type auditView struct {
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Kind   string `json:"actor_kind"`
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

func (a *AdminAPI) detailView(d *service.Detail, actor service.Actor) applicationView {
	app := d.Application
	p := app.Project()
	v := applicationView{
		ApplyNo: app.ApplyNo, Platform: app.Platform, PlatformCode: app.PlatformCode,
		Status: string(app.State), StatusLabel: app.State.Label(),
		BidderName: app.BidderName, BidderCode: app.BidderCode, Amount: app.Amount.String(),
		BaohanNo: app.BaohanNo, CheckCode: app.CheckCode, PayerName: app.PayerName, PayerAccount: app.PayerAccount, Flags: app.Flags,
		Project:   projectView{Sealed: !app.Restored(), BiaoduanNo: p.BiaoduanNo, BiaoduanName: p.BiaoduanName, Zbr: p.Zbr, ZbrOrgNum: p.ZbrOrgNum},
		PortalURL: a.Cases.PortalURL(app), CreatedAt: service.BeijingTime(app.CreatedAt),
		IssuedAt: service.BeijingTime(app.IssuedAt), ValidTo: service.BeijingTime(app.ValidTo),
		RestoredAt: service.BeijingTime(app.RestoredAt), RejectReason: app.RejectReason, QuitReason: app.QuitReason,
		OverrideReason: app.OverrideReason,
		Documents:      []documentView{}, Notices: []noticeView{}, Audit: []auditView{}, Actions: []string{},
	}
	for _, op := range service.Actions(d, actor) {
		v.Actions = append(v.Actions, string(op))
	}
	if app.BaohanNo != "" {
		v.Rate, v.Cost = app.Rate, app.Premium.String()
	}
	if app.PlainPending {
		v.PlainLetter = &plainLetterView{Status: "pending", Attempts: app.PlainAttempts,
			NextAttempt: service.BeijingTime(app.PlainNextAt), LastError: app.PlainError}
		if app.LetterFailed() {
			v.PlainLetter.Status = "failed"
		}
	}
	for _, doc := range d.Documents {
		v.Documents = append(v.Documents, documentView{Kind: string(doc.Kind), FileName: doc.FileName, URL: a.Cases.DocumentURL(doc),
			SM3: doc.SM3, Size: doc.Size, CreatedAt: service.BeijingTime(doc.CreatedAt)})
	}
	for _, n := range d.Notices {
		v.Notices = append(v.Notices, noticeViewOf(n))
	}
	if inv := d.Invoice; inv != nil {
		v.Invoice = &invoiceView{Type: inv.Request.Type, Amount: inv.Amount.String(), Status: string(inv.Status),
			InvoiceCode: inv.InvoiceCode, InvoiceNo: inv.InvoiceNo, IssuedAt: service.BeijingTime(inv.IssuedAt)}
	}
	for _, cl := range d.Claims {
		cv := claimView{ID: cl.ID, Amount: cl.Amount.String(), PayeeAccount: cl.PayeeAccount, Reason: cl.Reason,
			Contact: cl.ContactName, Phone: cl.ContactPhone, Status: string(cl.Status), PaidAt: service.BeijingTime(cl.PaidAt)}
		if cl.Status == service.ClaimPaid {
			cv.PaidAmount = cl.PaidAmount.String()
		}
		v.Claims = append(v.Claims, cv)
	}
	for _, e := range d.Audit {
		v.Audit = append(v.Audit, auditView{At: service.BeijingTime(e.At), Actor: e.Actor.Name, Kind: string(e.Actor.Kind), Action: e.Action, Detail: e.Detail})
	}
	return v
}

// noticeViewOf is a notice with its attempts as the admin API shows it.
func noticeViewOf(n service.NoticeDetail) noticeView {
	nv := noticeView{ID: n.ID, Interface: n.Interface, Status: string(n.Status), Fields: n.Fields, Attempts: []attemptView{},
		LastError: n.LastError, CreatedAt: service.BeijingTime(n.CreatedAt), DeliveredAt: service.BeijingTime(n.DeliveredAt)}
	if n.Status == service.NoticePending {
		nv.NextAttempt = service.BeijingTime(n.NextAttemptAt)
	}
	for _, at := range n.Attempts {
		nv.Attempts = append(nv.Attempts, attemptView{At: service.BeijingTime(at.StartedAt), DurationMS: at.Duration.Milliseconds(),
			HTTPStatus: at.HTTPStatus, Code: at.Code, Message: at.Message, Error: at.Error})
	}
	return nv
}
