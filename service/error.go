package service

import (
	"errors"
	"fmt"
)

// Error codes. Each edge maps them once: the platform API answers code 0 with
// the message, the admin API picks an HTTP status, the console shows the
// message on the page.
const (
	EINVALID     = "invalid"     // a field breaks a rule
	ENOTFOUND    = "not_found"   // no such application, guarantee, …
	ECONFLICT    = "conflict"    // the same key with different content
	ESTATE       = "state"       // the action is not allowed in the current state
	ESIGNATURE   = "signature"   // a signature did not verify
	EFORBIDDEN   = "forbidden"   // the actor may not do this
	EUNAVAILABLE = "unavailable" // the platform could not be reached; try again
	EINTERNAL    = "internal"    // a fault of ours; details are logged, not shown
)

// Error is the one error type of the domain: a code for the edges and a
// Chinese message for people.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or EINTERNAL for any other
// error, or "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err's *Error, or the generic internal
// error text for any other error: internal details are never shown.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "系统内部错误"
}
