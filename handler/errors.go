package handler

import (
	"log/slog"
	"net/http"

	"github.com/baohangateway/baohan/service"
)

// httpStatus maps a service error code to the admin API's HTTP status.
func httpStatus(code string) int {
	switch code {
	case service.EINVALID:
		return http.StatusBadRequest
	case service.ENOTFOUND:
		return http.StatusNotFound
	case service.ECONFLICT, service.ESTATE:
		return http.StatusConflict
	case service.EFORBIDDEN:
		return http.StatusForbidden
	case service.ESIGNATURE:
		return http.StatusUnauthorized
	case service.EUNAVAILABLE:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// logIfInternal logs an internal error once, where it reaches the edge; the
// client sees only "系统内部错误".
func logIfInternal(log *slog.Logger, err error, attrs ...any) {
	if service.ErrorCode(err) == service.EINTERNAL {
		log.Error("internal error", append(attrs, "error", err)...)
	}
}
