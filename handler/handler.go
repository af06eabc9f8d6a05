// Package handler is the HTTP edge of the gateway: the platform API
// (POST /api/<interface>), the admin API, the officer console and bidder
// portal pages, document downloads and the public verification page. Handlers
// are thin: parse, call one service method, render. Errors are mapped from
// service codes once per edge.
package handler

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Clock tells the time; tests set a fixed one.
type Clock func() time.Time

// NewEngine returns a gin engine in release mode with our panic recovery,
// every request body bounded (maxFormBody unless the route sets more), and
// no default logging (each edge logs what matters itself).
func NewEngine(log *slog.Logger) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// gin believes every X-Forwarded-For by default; believe none until the
	// caller names its proxies (serve: http.trusted_proxies).
	_ = r.SetTrustedProxies(nil)
	r.Use(RequestID(), recovery(log), boundBody(maxFormBody))
	return r
}

// recovery turns a panic into a logged internal error: the platform API
// answers code 0 "系统内部错误", other routes a 500; no panic reaches a client
// as a dropped connection or a stack trace.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic in handler", "request_id", requestID(c), "path", c.Request.URL.Path, "panic", p)
				if c.Writer.Written() {
					c.Abort()
					return
				}
				e := internalError()
				if isPlatformAPI(c) {
					c.AbortWithStatusJSON(http.StatusOK, refusal(e.Message))
					return
				}
				c.AbortWithStatusJSON(e.Status, apiError{Error: e.Code, Message: e.Message})
			}
		}()
		c.Next()
	}
}
