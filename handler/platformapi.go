package handler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

// PlatformService is what the platform API needs from the domain: one method
// per interface the platform calls (§4.1, 4.3, 4.5, 4.7, 4.9, 4.10, 4.11).
type PlatformService interface {
	Apply(ctx context.Context, req service.ApplyRequest) (service.ApplyResult, error)
	Restore(ctx context.Context, req service.RestoreRequest) error
	Invoice(ctx context.Context, req service.InvoiceRequest) error
	Quit(ctx context.Context, req service.QuitRequest) error
	Cancel(ctx context.Context, req service.CancelRequest) error
	Claim(ctx context.Context, req service.ClaimRequest) error
	GiveUp(ctx context.Context, req service.GiveUpRequest) error
}

// DefaultMaxBody bounds a platform request's body.
const DefaultMaxBody = 1 << 20

// PlatformAPI serves POST /api/<interface>.
type PlatformAPI struct {
	Receiver *platform.Receiver // Direction Inbound
	Service  PlatformService
	Log      *slog.Logger
	Now      Clock
	MaxBody  int64            // 0 means DefaultMaxBody
	Metrics  *service.Metrics // nil records nothing
	Limiter  *SourceLimiter   // per client address; nil: no limit

	byName map[string]endpoint
}

// apiPrefix is where the platform API lives.
const apiPrefix = "/api/"

func isPlatformAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, apiPrefix) }

// answer is the platform's reply shape.
type answer struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Data    map[string]string `json:"data,omitempty"`
}

func refusal(msg string) answer { return answer{Code: 0, Message: msg} }

// Register adds the platform API's routes.
func (a *PlatformAPI) Register(r gin.IRouter) {
	a.byName = a.endpoints()
	r.POST(apiPrefix+":name", a.serve)
	// Every other method is answered in the platform's shape. Not r.Any: it
	// registers POST too, and gin panics on a route registered twice.
	r.Match([]string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodHead,
		http.MethodOptions, http.MethodDelete, http.MethodConnect, http.MethodTrace},
		apiPrefix+":name", func(c *gin.Context) {
			c.JSON(http.StatusOK, refusal(fmt.Sprintf("请求方法 %s 不受支持：请使用 POST 提交 JSON 报文", c.Request.Method)))
		})
}

func (a *PlatformAPI) serve(c *gin.Context) {
	start := time.Now()
	name := c.Param("name")
	maxBody := a.MaxBody
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	var (
		ans             answer
		params          map[string]string
		logSign, reason string
		err             error
	)
	if a.Limiter != nil && !a.Limiter.Allow(c.ClientIP(), time.Now()) {
		ans, reason = refusal("请求过于频繁：请稍后重试"), "rate_limit"
	} else {
		source, _ := netip.ParseAddr(c.ClientIP())
		limitBody(c, maxBody)
		ans, params, logSign, reason, err = a.process(c.Request.Context(), name, c.ContentType(), c.Request, maxBody, source)
	}
	a.observe(name, params, ans, reason)
	attrs := []any{"request_id", requestID(c), "client", c.ClientIP(), "interface", name, "applyno", params["applyno"], "appkey", params["appkey"],
		"code", ans.Code, "message", ans.Message, "duration", time.Since(start).Round(time.Microsecond)}
	if logSign != "" {
		attrs = append(attrs, "signing_string", logSign)
	}
	switch {
	case err != nil && viewError(err).Internal():
		a.Log.Error("platform request failed", append(attrs, "error", err)...)
	case ans.Code == 1:
		a.Log.Info("platform request", attrs...)
	default:
		a.Log.Warn("platform request refused", attrs...)
	}
	c.Header("Content-Type", platform.ContentType)
	c.JSON(http.StatusOK, ans)
}

// process runs the checks in order: body size, parse, appkey, signature,
// timestamp, field table, then the service. reason names the rule of a
// refusal, or the service's error code.
func (a *PlatformAPI) process(ctx context.Context, name, contentType string, r *http.Request, maxBody int64, source netip.Addr) (ans answer, params map[string]string, logSign, reason string, err error) {
	body, err := io.ReadAll(r.Body) // bounded at maxBody by serve
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return refusal(fmt.Sprintf("报文过大：不得超过 %d 字节", maxBody)), nil, "", "body_size", nil
		}
		return refusal("报文读取失败：" + err.Error()), nil, "", "read", nil
	}
	now := a.Now()
	msg, params, err := a.Receiver.ReceiveFrom(name, contentType, body, now, source)
	if params != nil {
		logSign = redactedForLog(params)
	}
	if err != nil {
		reason = "parse"
		var ref *platform.Refusal
		if errors.As(err, &ref) {
			reason = ref.Rule
		}
		return refusal(err.Error()), params, logSign, reason, nil
	}
	data, err := a.byName[msg.Spec.Name](ctx, msg.Params)
	if err != nil {
		// Every code answers 200 with code 0 (the spec's shape); the message
		// is the error's own, or the table's for an internal one.
		v := viewError(err)
		return refusal(v.Message), params, logSign, v.Code, err
	}
	return answer{Code: 1, Message: "成功", Data: data}, params, logSign, "", nil
}

// observe counts a request in the metrics, keeping label values bounded.
func (a *PlatformAPI) observe(name string, params map[string]string, ans answer, reason string) {
	if a.Metrics == nil {
		return
	}
	if _, ok := a.byName[name]; !ok {
		name = "unknown"
	}
	outcome := "accepted"
	switch {
	case reason == service.EINTERNAL:
		outcome = "error"
	case ans.Code != 1:
		outcome = "refused"
	}
	a.Metrics.PlatformRequest(name, outcome, reason)
	if reason == "sign" {
		a.Metrics.SignatureFailure(a.knownAppKey(params["appkey"]))
	}
}

// knownAppKey returns appkey when it is configured (a signature failure is
// only counted for a known platform), else "unknown".
func (a *PlatformAPI) knownAppKey(appkey string) string {
	if platform.FindAccount(a.Receiver.Accounts, appkey) != nil {
		return appkey
	}
	return "unknown"
}

// redactedForLog is the signing string as it may be logged: the appsecret
// masked, and the SM4 key and IV of baohanrestore too.
func redactedForLog(params map[string]string) string {
	if params["key"] == "" && params["iv"] == "" {
		return gmcrypto.RedactedSigningString(params)
	}
	masked := maps.Clone(params)
	for _, k := range []string{"key", "iv"} {
		if masked[k] != "" {
			masked[k] = "******"
		}
	}
	return gmcrypto.RedactedSigningString(masked)
}

// endpoint runs one interface's service method on checked params.
type endpoint func(ctx context.Context, params map[string]string) (data map[string]string, err error)

// ack adapts a service method that answers nothing but success or refusal.
func ack[T any](fn func(context.Context, T) error) endpoint {
	return func(ctx context.Context, params map[string]string) (map[string]string, error) {
		var req T
		if err := platform.Decode(params, &req); err != nil {
			return nil, err
		}
		return nil, fn(ctx, req)
	}
}

func (a *PlatformAPI) endpoints() map[string]endpoint {
	return map[string]endpoint{
		platform.BaohanApply: func(ctx context.Context, params map[string]string) (map[string]string, error) {
			var req service.ApplyRequest
			if err := platform.Decode(params, &req); err != nil {
				return nil, err
			}
			res, err := a.Service.Apply(ctx, req)
			if err != nil {
				return nil, err
			}
			if res.RedirectURL == "" {
				return nil, nil
			}
			return map[string]string{"redirecturl": res.RedirectURL}, nil
		},
		platform.BaohanRestore: ack(a.Service.Restore),
		platform.InvoiceApply:  ack(a.Service.Invoice),
		platform.QuitApply:     ack(a.Service.Quit),
		platform.CancelNotice:  ack(a.Service.Cancel),
		platform.ClaimsNotice:  ack(a.Service.Claim),
		platform.GiveUp:        ack(a.Service.GiveUp),
	}
}
