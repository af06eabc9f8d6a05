package handler

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

// AdminService is what the admin API needs from the domain.
type AdminService interface {
	FindApplication(ctx context.Context, platform, applyNo string) (*service.Application, error)
	Detail(ctx context.Context, a *service.Application) (*service.Detail, error)
	Approve(ctx context.Context, actor service.Actor, id int64, in service.ApproveInput) (*service.Application, error)
	Reject(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Application, error)
	Abandon(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Application, error)
	DecideQuit(ctx context.Context, actor service.Actor, id int64, approve bool, reason string) (*service.Application, error)
	IssueInvoice(ctx context.Context, actor service.Actor, id int64, in service.IssueInvoiceInput) (*service.Invoice, error)
	RefuseInvoice(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Invoice, error)
	PayClaim(ctx context.Context, actor service.Actor, id, claimID int64, amount service.Money, ref string) (*service.Claim, error)
	ResendNotice(ctx context.Context, actor service.Actor, id int64) (*service.NoticeDetail, error)
	RetryLetter(ctx context.Context, actor service.Actor, id int64) (*service.Application, error)
	PortalURL(a *service.Application) string
	DocumentURL(d *service.Document) string
}

// APIToken is a bearer token of the admin API and the name the audit trail
// records its calls under.
type APIToken struct {
	Name  string
	Token string
}

// AdminAPI serves /admin/api: the officer actions for a core banking system.
// Its calls act as a checker (the system has done its own review) and are
// audited under the token's name.
type AdminAPI struct {
	Service AdminService
	Tokens  []APIToken
	Log     *slog.Logger
}

// maxAdminBody bounds an admin request (an invoice PDF in base64 included).
const maxAdminBody = 20 << 20

// Register adds the admin API's routes.
func (a *AdminAPI) Register(r gin.IRouter) {
	g := r.Group("/admin/api", a.authenticate)
	g.GET("/applications/:applyno", a.get)
	g.POST("/applications/:applyno/approve", a.approve)
	g.POST("/applications/:applyno/reject", a.reject)
	g.POST("/applications/:applyno/giveup", a.giveUp)
	g.POST("/applications/:applyno/quit/approve", a.quit(true))
	g.POST("/applications/:applyno/quit/reject", a.quit(false))
	g.POST("/applications/:applyno/invoice/issue", a.issueInvoice)
	g.POST("/applications/:applyno/invoice/refuse", a.refuseInvoice)
	g.POST("/applications/:applyno/claims/:claim/pay", a.payClaim)
	g.POST("/applications/:applyno/letter/retry", a.retryLetter)
	g.POST("/notices/:id/resend", a.resendNotice)
}

const actorKey = "baohan.actor"

// authenticate checks the bearer token in constant time and puts the actor in
// the context.
func (a *AdminAPI) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if ok {
		token = strings.TrimSpace(token)
		for _, t := range a.Tokens {
			if subtle.ConstantTimeCompare([]byte(token), []byte(t.Token)) == 1 {
				c.Set(actorKey, service.Actor{Kind: service.ActorAPI, Name: t.Name, Role: service.RoleChecker})
				c.Next()
				return
			}
		}
	}
	c.Header("WWW-Authenticate", `Bearer realm="baohan"`)
	c.AbortWithStatusJSON(http.StatusUnauthorized, apiError{Error: "unauthorized", Message: "缺少或无效的 API 令牌：请在 Authorization 头中提供 Bearer <token>"})
}

func actorOf(c *gin.Context) service.Actor {
	v, _ := c.Get(actorKey)
	actor, _ := v.(service.Actor)
	return actor
}

type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// fail answers a service error with its status and Chinese message.
func (a *AdminAPI) fail(c *gin.Context, err error) {
	v := showError(a.Log, err, "path", c.Request.URL.Path)
	c.JSON(v.Status, apiError{Error: v.Code, Message: v.Message})
}

// bind reads an optional JSON body into v; an empty body leaves v as it is.
func bind(c *gin.Context, v any) error {
	limitBody(c, maxAdminBody)
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return service.Errorf(service.EINVALID, "请求体过大或无法读取")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return service.Errorf(service.EINVALID, "字段 %s 类型错误：应为%s", ute.Field, jsonKind(ute.Type.Kind().String()))
		}
		return service.Errorf(service.EINVALID, "请求体不是有效的 JSON：%v", err)
	}
	return nil
}

func jsonKind(k string) string {
	if k == "string" {
		return "字符串"
	}
	return k
}

// application finds the application named in the path (?platform= selects
// the platform when several have the applyno).
func (a *AdminAPI) application(c *gin.Context) (*service.Application, bool) {
	app, err := a.Service.FindApplication(c.Request.Context(), c.Query("platform"), c.Param("applyno"))
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return app, true
}

func (a *AdminAPI) get(c *gin.Context) {
	if app, ok := a.application(c); ok {
		a.show(c, app)
	}
}

// respond answers an action with the application's detail as it is now.
// The application is read again: an action on an invoice or a claim changes
// it behind the copy the handler holds.
func (a *AdminAPI) respond(c *gin.Context, app *service.Application) {
	fresh, err := a.Service.FindApplication(c.Request.Context(), app.Platform, app.ApplyNo)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.show(c, fresh)
}

// show answers with the detail of app.
func (a *AdminAPI) show(c *gin.Context, app *service.Application) {
	d, err := a.Service.Detail(c.Request.Context(), app)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, a.detailView(d, actorOf(c)))
}

// act runs one officer action on the application in the path: it reads the
// JSON body into body (may be nil), finds the application, calls fn, and
// answers with the application's detail as it is afterwards.
func (a *AdminAPI) act(c *gin.Context, body any, fn func(ctx context.Context, actor service.Actor, app *service.Application) error) {
	if body != nil {
		if err := bind(c, body); err != nil {
			a.fail(c, err)
			return
		}
	}
	app, ok := a.application(c)
	if !ok {
		return
	}
	if err := fn(c.Request.Context(), actorOf(c), app); err != nil {
		a.fail(c, err)
		return
	}
	a.respond(c, app)
}

func (a *AdminAPI) approve(c *gin.Context) {
	var body struct {
		PayerName      string `json:"payername"`
		PayerAccount   string `json:"payeraccount"`
		OverrideReason string `json:"override_reason"`
	}
	a.act(c, &body, func(ctx context.Context, actor service.Actor, app *service.Application) error {
		_, err := a.Service.Approve(ctx, actor, app.ID, service.ApproveInput{
			PayerName: body.PayerName, PayerAccount: body.PayerAccount, OverrideReason: body.OverrideReason})
		return err
	})
}

type reasonBody struct {
	Reason string `json:"reason"`
}

// withReason is an action whose body is {"reason": "…"}.
func (a *AdminAPI) withReason(c *gin.Context, fn func(ctx context.Context, actor service.Actor, id int64, reason string) error) {
	var body reasonBody
	a.act(c, &body, func(ctx context.Context, actor service.Actor, app *service.Application) error {
		return fn(ctx, actor, app.ID, body.Reason)
	})
}

// appAction drops the application an action returns: act reads it afresh.
func appAction(fn func(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Application, error)) func(context.Context, service.Actor, int64, string) error {
	return func(ctx context.Context, actor service.Actor, id int64, reason string) error {
		_, err := fn(ctx, actor, id, reason)
		return err
	}
}

func (a *AdminAPI) reject(c *gin.Context) { a.withReason(c, appAction(a.Service.Reject)) }
func (a *AdminAPI) giveUp(c *gin.Context) { a.withReason(c, appAction(a.Service.Abandon)) }

func (a *AdminAPI) quit(approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		a.withReason(c, func(ctx context.Context, actor service.Actor, id int64, reason string) error {
			_, err := a.Service.DecideQuit(ctx, actor, id, approve, reason)
			return err
		})
	}
}

func (a *AdminAPI) issueInvoice(c *gin.Context) {
	var body struct {
		InvoiceCode string `json:"invoicecode"`
		InvoiceNo   string `json:"invoiceno"`
		PDF         string `json:"pdf"`
	}
	a.act(c, &body, func(ctx context.Context, actor service.Actor, app *service.Application) error {
		var pdf []byte
		if body.PDF != "" {
			var err error
			if pdf, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body.PDF), "")); err != nil {
				return service.Errorf(service.EINVALID, "字段 pdf 不是有效的 base64")
			}
		}
		_, err := a.Service.IssueInvoice(ctx, actor, app.ID, service.IssueInvoiceInput{
			InvoiceCode: body.InvoiceCode, InvoiceNo: body.InvoiceNo, PDF: pdf})
		return err
	})
}

func (a *AdminAPI) refuseInvoice(c *gin.Context) {
	a.withReason(c, func(ctx context.Context, actor service.Actor, id int64, reason string) error {
		_, err := a.Service.RefuseInvoice(ctx, actor, id, reason)
		return err
	})
}

func (a *AdminAPI) payClaim(c *gin.Context) {
	var body struct {
		Amount     string `json:"amount"`
		PaymentRef string `json:"payment_ref"`
	}
	a.act(c, &body, func(ctx context.Context, actor service.Actor, app *service.Application) error {
		claimID, err := strconv.ParseInt(c.Param("claim"), 10, 64)
		if err != nil {
			return service.Errorf(service.EINVALID, "理赔编号 %q 无效", c.Param("claim"))
		}
		var amount service.Money
		if body.Amount != "" {
			if amount, err = service.ParseMoney(body.Amount); err != nil {
				return service.Errorf(service.EINVALID, "字段 amount 格式错误：应为金额（元），最多两位小数")
			}
		}
		_, err = a.Service.PayClaim(ctx, actor, app.ID, claimID, amount, body.PaymentRef)
		return err
	})
}

// retryLetter tries a plaintext letter that failed again at once.
func (a *AdminAPI) retryLetter(c *gin.Context) {
	a.act(c, nil, func(ctx context.Context, actor service.Actor, app *service.Application) error {
		_, err := a.Service.RetryLetter(ctx, actor, app.ID)
		return err
	})
}

// resendNotice sends a failed notice again and answers with the notice as
// it is now.
func (a *AdminAPI) resendNotice(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		a.fail(c, service.Errorf(service.EINVALID, "通知编号 %q 无效", c.Param("id")))
		return
	}
	n, err := a.Service.ResendNotice(c.Request.Context(), actorOf(c), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, noticeViewOf(*n))
}

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
		PortalURL: a.Service.PortalURL(app), CreatedAt: service.BeijingTime(app.CreatedAt),
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
		v.Documents = append(v.Documents, documentView{Kind: string(doc.Kind), FileName: doc.FileName, URL: a.Service.DocumentURL(doc),
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
