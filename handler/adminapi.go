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

// The admin API's seams, each implemented by one part of service.Service.

// AdminCases finds applications and tells everything about one
// (service.Views).
type AdminCases interface {
	FindApplication(ctx context.Context, platform, applyNo string) (*service.Application, error)
	Detail(ctx context.Context, a *service.Application) (*service.Detail, error)
	PortalURL(a *service.Application) string
	DocumentURL(d *service.Document) string
}

// AdminDecisions are the officer's decisions on an application
// (service.Guarantees).
type AdminDecisions interface {
	Approve(ctx context.Context, actor service.Actor, id int64, in service.ApproveInput) (*service.Application, error)
	Reject(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Application, error)
	Abandon(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Application, error)
	DecideQuit(ctx context.Context, actor service.Actor, id int64, approve bool, reason string) (*service.Application, error)
	IssueInvoice(ctx context.Context, actor service.Actor, id int64, in service.IssueInvoiceInput) (*service.Invoice, error)
	RefuseInvoice(ctx context.Context, actor service.Actor, id int64, reason string) (*service.Invoice, error)
	PayClaim(ctx context.Context, actor service.Actor, id, claimID int64, amount service.Money, ref string) (*service.Claim, error)
	ResendNotice(ctx context.Context, actor service.Actor, id int64) (*service.NoticeDetail, error)
}

// AdminLetters retries a plaintext letter that failed (service.Letters).
type AdminLetters interface {
	RetryLetter(ctx context.Context, actor service.Actor, id int64) (*service.Application, error)
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
	Cases     AdminCases
	Decisions AdminDecisions
	Letters   AdminLetters
	Tokens    []APIToken
	Log       *slog.Logger
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
	app, err := a.Cases.FindApplication(c.Request.Context(), c.Query("platform"), c.Param("applyno"))
	if err != nil {
		a.fail(c, err)
		return nil, false
	}
	return app, true
}

func (a *AdminAPI) get(c *gin.Context) {
	app, ok := a.application(c)
	if !ok {
		return
	}
	a.show(c, app)
}

// respond answers an action with the application's detail as it is now.
// The application is read again: an action on an invoice or a claim changes
// it behind the copy the handler holds.
func (a *AdminAPI) respond(c *gin.Context, app *service.Application) {
	fresh, err := a.Cases.FindApplication(c.Request.Context(), app.Platform, app.ApplyNo)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.show(c, fresh)
}

// show answers with the detail of app.
func (a *AdminAPI) show(c *gin.Context, app *service.Application) {
	d, err := a.Cases.Detail(c.Request.Context(), app)
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
		_, err := a.Decisions.Approve(ctx, actor, app.ID, service.ApproveInput{
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

func (a *AdminAPI) reject(c *gin.Context) { a.withReason(c, appAction(a.Decisions.Reject)) }
func (a *AdminAPI) giveUp(c *gin.Context) { a.withReason(c, appAction(a.Decisions.Abandon)) }

func (a *AdminAPI) quit(approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		a.withReason(c, func(ctx context.Context, actor service.Actor, id int64, reason string) error {
			_, err := a.Decisions.DecideQuit(ctx, actor, id, approve, reason)
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
		_, err := a.Decisions.IssueInvoice(ctx, actor, app.ID, service.IssueInvoiceInput{
			InvoiceCode: body.InvoiceCode, InvoiceNo: body.InvoiceNo, PDF: pdf})
		return err
	})
}

func (a *AdminAPI) refuseInvoice(c *gin.Context) {
	a.withReason(c, func(ctx context.Context, actor service.Actor, id int64, reason string) error {
		_, err := a.Decisions.RefuseInvoice(ctx, actor, id, reason)
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
		_, err = a.Decisions.PayClaim(ctx, actor, app.ID, claimID, amount, body.PaymentRef)
		return err
	})
}

// retryLetter tries a plaintext letter that failed again at once.
func (a *AdminAPI) retryLetter(c *gin.Context) {
	a.act(c, nil, func(ctx context.Context, actor service.Actor, app *service.Application) error {
		_, err := a.Letters.RetryLetter(ctx, actor, app.ID)
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
	n, err := a.Decisions.ResendNotice(c.Request.Context(), actorOf(c), id)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, noticeViewOf(*n))
}
