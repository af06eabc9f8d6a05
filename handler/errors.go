package handler

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/baohangateway/baohan/service"
)

// errorKind is what every edge shows for one service error code: the HTTP
// status (admin API, console, portal, verification pages; the platform API
// answers 200 with code 0 whatever the code), and the default message, shown
// when the error carries none of its own and always for EINTERNAL.
type errorKind struct {
	Status  int
	Message string
}

// errorKindOf is the one table of service error codes. The default messages
// are the edges' words, not the domain's: every *service.Error names its own
// field and rule, and a default is only the fallback of a message-less error
// and the one thing said of a fault of ours. EINVALID is 400 everywhere: the
// admin API's clients (core banking systems, platformsim's conformance check
// I03) read 400, and a browser shows a page whatever its status.
//
// A *bodyError (a request refused for its body or its CSRF token, before it
// reaches the domain) carries its own status: 413, 415, 400, 403 or 503.
//
// The table is a literal inside the function, not a package-level map, so
// that nothing can change it; seven rows are searched as fast as a map.
func errorKindOf(code string) (errorKind, bool) {
	for _, k := range [...]struct {
		code string
		kind errorKind
	}{
		{service.EINVALID, errorKind{http.StatusBadRequest, "提交的内容有误：请检查后重新提交"}},
		{service.ENOTFOUND, errorKind{http.StatusNotFound, "未找到所请求的记录"}},
		{service.ECONFLICT, errorKind{http.StatusConflict, "与已有记录冲突：请刷新后重试"}},
		{service.ESTATE, errorKind{http.StatusConflict, "当前状态下不能进行该操作：请刷新后查看"}},
		{service.EFORBIDDEN, errorKind{http.StatusForbidden, "无权进行该操作"}},
		{service.EUNAVAILABLE, errorKind{http.StatusBadGateway, "交易平台暂时无法连接：请稍后重试"}},
		{service.EINTERNAL, errorKind{http.StatusInternalServerError, service.InternalMessage}},
	} {
		if k.code == code {
			return k.kind, true
		}
	}
	return errorKind{}, false
}

// errorView is a failed request as an edge shows it.
type errorView struct {
	Code    string // a service error code; EINTERNAL for anything unknown
	Status  int
	Message string
}

// Internal says whether the error is a fault of ours, logged once.
func (v errorView) Internal() bool { return v.Code == service.EINTERNAL }

// viewError looks err up in the table. An error that is not a
// *service.Error, or has a code the table does not know, is internal: 500
// and service.InternalMessage, never its text.
func viewError(err error) errorView {
	code := service.ErrorCode(err)
	kind, ok := errorKindOf(code)
	if !ok {
		code = service.EINTERNAL
		kind, _ = errorKindOf(code)
	}
	v := errorView{Code: code, Status: kind.Status, Message: kind.Message}
	var se *service.Error
	if code != service.EINTERNAL && errors.As(err, &se) && se.Message != "" {
		v.Message = se.Message
	}
	var be *bodyError
	if errors.As(err, &be) {
		v.Status = be.Status
	}
	return v
}

// showError is viewError for an edge that shows err to a person or a
// client: an internal error is logged here, once, with attrs.
func showError(log *slog.Logger, err error, attrs ...any) errorView {
	v := viewError(err)
	if v.Internal() {
		log.Error("internal error", append(attrs, "error", err)...)
	}
	return v
}

// internalError is what an edge shows of a fault met outside any service
// call (a panic, a page that fails to render).
func internalError() errorView {
	kind, _ := errorKindOf(service.EINTERNAL)
	return errorView{Code: service.EINTERNAL, Status: kind.Status, Message: kind.Message}
}
