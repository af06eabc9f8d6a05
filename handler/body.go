package handler

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/internal/text"
	"github.com/baohangateway/baohan/service"
)

// Every request body is bounded before anything reads it: NewEngine bounds
// each route at maxFormBody, and a route that takes more (the platform
// API, the admin API, uploads) sets its own bound with limitBody before it
// reads. Nothing parses a copy of a request, and nothing is spooled to disk:
// forms are read from memory (bounded), uploads are streamed part by part.

// maxFormBody bounds the body of a route that does not set its own bound,
// and of every console and portal form.
const maxFormBody = 64 << 10

// rawBodyKey keeps, in the gin context, the request's body as the server gave
// it, so that a route can bound it anew.
const rawBodyKey = "baohan.raw_body"

// boundBody bounds every request's body at n bytes (maxFormBody).
func boundBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limitBody(c, n)
		c.Next()
	}
}

// limitBody bounds the request's body at n bytes, replacing any earlier
// bound. Reading past it fails with *http.MaxBytesError, and the server
// closes the connection after the answer instead of reading the rest.
func limitBody(c *gin.Context, n int64) {
	raw, ok := c.Get(rawBodyKey)
	if !ok {
		raw = c.Request.Body
		c.Set(rawBodyKey, raw)
	}
	if body, ok := raw.(io.ReadCloser); ok && body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, body, n)
	}
}

// bodyError is a request refused for its body: too large (413), of a type
// the route does not take (415), unreadable (400), or a CSRF or origin
// check that failed (403), or no upload slot free (503). It unwraps to an
// EINVALID (EFORBIDDEN, EUNAVAILABLE) *service.Error carrying the message,
// so viewError shows it and it is never logged as internal; its Status
// stands in for the table's (errorKindOf).
type bodyError struct {
	Status     int
	RetryAfter int // seconds; 503 only
	err        *service.Error
	cause      error // what the log says; nil: nothing more than the message
}

func (e *bodyError) Error() string { return e.err.Message }
func (e *bodyError) Unwrap() error { return e.err }

func newBodyError(status int, cause error, format string, args ...any) *bodyError {
	code := service.EINVALID
	switch status {
	case http.StatusForbidden:
		code = service.EFORBIDDEN
	case http.StatusServiceUnavailable:
		code = service.EUNAVAILABLE
	}
	return &bodyError{Status: status, err: service.Errorf(code, format, args...), cause: cause}
}

// refusalReason is what the log says of a refusal.
func refusalReason(err *bodyError) string {
	if err.cause != nil {
		return err.cause.Error()
	}
	return err.err.Message
}

// setRetryAfter adds Retry-After for a busy refusal.
func setRetryAfter(c *gin.Context, err error) {
	var be *bodyError
	if errors.As(err, &be) && be.RetryAfter > 0 {
		c.Header("Retry-After", fmt.Sprint(be.RetryAfter))
	}
}

// tooLarge is the 413 of a body or file over limit bytes.
func tooLarge(what string, limit int64) *bodyError {
	return newBodyError(http.StatusRequestEntityTooLarge, nil, "%s过大：不得超过 %s", what, byteSize(limit))
}

// readError classifies an error met while reading the body: over the bound
// (413) or a broken upload (400).
func readError(what string, limit int64, err error) *bodyError {
	var be *bodyError
	if errors.As(err, &be) {
		return be
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(what, limit)
	}
	return newBodyError(http.StatusBadRequest, err, "%s无法读取（上传中断或格式错误）：请重新提交", what)
}

// readForm parses a console or portal form: URL-encoded and at most limit
// bytes. A multipart or other body is refused (415) without being read, so a
// form route never writes a temporary file.
func readForm(c *gin.Context, limit int64) *bodyError {
	r := c.Request
	if r.ContentLength > limit {
		return tooLarge("提交的表单", limit)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return newBodyError(http.StatusUnsupportedMediaType, nil, "表单编码不受支持（%s）：请从页面上的表单提交", text.Clip(ct, 60))
		}
	}
	limitBody(c, limit)
	if err := r.ParseForm(); err != nil {
		return readError("提交的表单", limit, err)
	}
	return nil
}

// byteSize writes a limit for people: "20 MB", "64 KB", "1500 字节".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}
