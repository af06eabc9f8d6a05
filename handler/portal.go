package handler

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

// PortalBidders finds the application behind a portal token and takes the
// bidder's form (service.Public).
type PortalBidders interface {
	PortalApplication(ctx context.Context, token string) (*service.Application, error)
	SubmitPortal(ctx context.Context, token string, in service.PortalInput) (*service.Application, error)
}

// PortalCases tells the portal page what became of the application
// (service.Views).
type PortalCases interface {
	Detail(ctx context.Context, a *service.Application) (*service.Detail, error)
	PlatformName(appkey string) string
	DocumentURL(d *service.Document) string
}

// Portal serves the bidder's page (/portal/<token>), where the platform's
// redirecturl leads: the application, the paying account (the company's
// basic account), the invoice e-mail and the terms; then the state and the
// letters. The token in the URL is the only key, and it expires.
type Portal struct {
	Bidders     PortalBidders
	Cases       PortalCases
	Log         *slog.Logger
	Secret      []byte // the CSRF key, as the console's
	PublicURL   string
	Institution string

	pages map[string]*template.Template
}

// Register adds the portal's routes.
func (p *Portal) Register(r gin.IRouter) {
	p.pages = loadPages()
	guard := newFormGuard(p.Secret, p.PublicURL, portalBinding, p.refused)
	g := r.Group("/portal", pageHeaders, guard.issue, guard.check)
	g.GET("/:token", p.show)
	g.POST("/:token", p.submit)
}

type portalPage struct {
	pageBase
	Action    string // the form's URL: this page's
	App       portalApp
	Project   projectBlock
	Steps     []portalStep
	CanSubmit bool
	Submitted bool
	Form      portalForm
	Documents []docView
	Outcome   string // how it ended, when it ended otherwise than issued
}

type portalApp struct {
	ApplyNo, Platform, BidderName, BidderCode    string
	Amount, Premium, Rate                        string
	State                                        badge
	CreatedAt, BaohanNo, IssuedAt, ValidTo       string
	PayerName, PayerAccount, InvoiceEmail, Terms string
}

type portalStep struct {
	Label        string
	Done, Active bool
}

type portalForm struct {
	PayerName, PayerAccount, InvoiceEmail string
	Accept                                bool
	Error                                 string
}

func (p *Portal) show(c *gin.Context) {
	p.page(c, nil, nil)
}

func (p *Portal) submit(c *gin.Context) {
	form := &portalForm{PayerName: c.PostForm("payername"), PayerAccount: c.PostForm("payeraccount"),
		InvoiceEmail: c.PostForm("invoiceemail"), Accept: c.PostForm("accept") == "1"}
	_, err := p.Bidders.SubmitPortal(c.Request.Context(), c.Param("token"), service.PortalInput{PayerName: form.PayerName,
		PayerAccount: form.PayerAccount, InvoiceEmail: form.InvoiceEmail, AcceptTerms: form.Accept})
	if err != nil {
		p.page(c, form, err)
		return
	}
	done(c, c.Request.URL.Path, "submitted")
}

// page renders the portal page; form and err are a submission that failed.
func (p *Portal) page(c *gin.Context, form *portalForm, err error) {
	ctx := c.Request.Context()
	a, aerr := p.Bidders.PortalApplication(ctx, c.Param("token"))
	if aerr != nil {
		p.fail(c, aerr)
		return
	}
	d, derr := p.Cases.Detail(ctx, a)
	if derr != nil {
		p.fail(c, derr)
		return
	}
	v := portalPage{pageBase: pageBase{Title: "投标保函申请确认", Institution: p.Institution, CSRF: csrfField(c), Portal: true},
		Action: c.Request.URL.Path, CanSubmit: a.State == service.StateReceived, Submitted: !a.TermsAcceptedAt.IsZero()}
	if c.Query("done") == "submitted" {
		v.Flash = "已提交。保函机构审核通过后将出具保函，您可随时回到本页查看进度。"
	}
	v.App = portalApp{ApplyNo: a.ApplyNo, Platform: p.Cases.PlatformName(a.Platform), BidderName: a.BidderName, BidderCode: a.BidderCode,
		Amount: yuan(a.Amount), Premium: yuan(a.Premium), Rate: ratePercent(a.Rate), State: stateBadge(a.State),
		CreatedAt: service.BeijingTime(a.CreatedAt), BaohanNo: a.BaohanNo, IssuedAt: service.BeijingTime(a.IssuedAt), ValidTo: day(a.ValidTo),
		PayerName: a.PayerName, PayerAccount: a.PayerAccount, InvoiceEmail: a.InvoiceEmail, Terms: service.BeijingTime(a.TermsAcceptedAt)}
	v.Project = projectOf(a)
	v.Steps = portalSteps(a)
	switch a.State {
	case service.StateRejected:
		v.Outcome = "保函机构未通过审核：" + a.RejectReason
	case service.StateAbandoned:
		v.Outcome = "申请已放弃。"
	case service.StateWithdrawn:
		v.Outcome = "保函已退保（" + service.BeijingTime(a.WithdrawnAt) + "）。"
	}
	if form != nil {
		v.Form = *form
	} else {
		v.Form = portalForm{PayerName: a.PayerName, PayerAccount: a.PayerAccount, InvoiceEmail: a.InvoiceEmail, Accept: v.Submitted}
		if v.Form.PayerName == "" {
			v.Form.PayerName = a.BidderName
		}
	}
	status := http.StatusOK
	if err != nil {
		e := showError(p.Log, err, "request_id", requestID(c), "path", "/portal/…")
		v.Form.Error, status = e.Message, e.Status
	}
	for _, doc := range d.Documents {
		v.Documents = append(v.Documents, docView{Kind: doc.Kind.Label(), FileName: doc.FileName, Size: fileSize(doc.Size),
			SM3: doc.SM3, CreatedAt: service.BeijingTime(doc.CreatedAt), URL: p.Cases.DocumentURL(doc)})
	}
	render(c, p.Log, p.pages, status, "portal", &v)
}

// portalSteps is the progress the bidder sees.
func portalSteps(a *service.Application) []portalStep {
	reached := 1 // received
	switch {
	case a.Restored():
		reached = 5
	case a.State == service.StateIssued || a.State == service.StateQuitPending || a.State == service.StateWithdrawn:
		reached = 4
	case a.State == service.StateReceived && !a.TermsAcceptedAt.IsZero():
		reached = 3
	case a.State == service.StateReceived:
		reached = 2
	}
	labels := []string{"平台提交申请", "确认付款账户", "保函机构审核", "出具密文保函", "开标后明文保函"}
	steps := make([]portalStep, len(labels))
	for i, l := range labels {
		steps[i] = portalStep{Label: l, Done: i+1 < reached || (reached == 5 && i == 4), Active: i+1 == reached && reached != 5}
	}
	return steps
}

// fail shows an error instead of the page: an unknown or expired link.
func (p *Portal) fail(c *gin.Context, err error) {
	e := showError(p.Log, err, "request_id", requestID(c), "path", "/portal/…")
	v := errorPage{pageBase: pageBase{Title: "无法打开", Institution: p.Institution, Portal: true}, Message: e.Message}
	render(c, p.Log, p.pages, e.Status, "error", &v)
}

// portalBinding is what a portal form's token belongs to: the link.
func portalBinding(c *gin.Context) string { return "portal\x00" + c.Param("token") }

// refused answers a form refused before it was read (see Console.refused).
func (p *Portal) refused(c *gin.Context, err *bodyError) {
	p.Log.Info("form refused", "request_id", requestID(c), "path", "/portal/…", "status", err.Status, "reason", refusalReason(err))
	title := "请求被拒绝"
	if err.Status != http.StatusForbidden {
		title = "无法处理该请求"
	}
	v := errorPage{pageBase: pageBase{Title: title, Institution: p.Institution, Portal: true}, Message: err.Error()}
	render(c, p.Log, p.pages, err.Status, "error", &v)
}
