package service

import (
	"errors"
	"fmt"
)

// Error codes. One table in package handler maps each code to its HTTP
// status and default message, and every edge renders that in its own shape:
// the platform API answers code 0 with the message, the admin API JSON with
// the status, the console, portal and verification pages the page with the
// message.
//
// There is no code for a bad signature: signatures are checked by the
// platform package (its *platform.Refusal, answered before the domain is
// reached) and on uploaded letters (a broken signature is a finding shown on
// the verification page, not a refusal).
const (
	EINVALID     = "invalid"     // a field breaks a rule
	ENOTFOUND    = "not_found"   // no such application, guarantee, …
	ECONFLICT    = "conflict"    // the same key with different content
	ESTATE       = "state"       // the action is not allowed in the current state
	EFORBIDDEN   = "forbidden"   // the actor may not do this
	EUNAVAILABLE = "unavailable" // the platform could not be reached; try again
	EINTERNAL    = "internal"    // a fault of ours; details are logged, not shown
)

// ErrorCodes lists every error code, so that an edge's table can be checked
// to map each of them.
func ErrorCodes() []string {
	return []string{EINVALID, ENOTFOUND, ECONFLICT, ESTATE, EFORBIDDEN, EUNAVAILABLE, EINTERNAL}
}

// InternalMessage is all a person is told of a fault of ours (EINTERNAL):
// the details are in the log.
const InternalMessage = "系统内部错误"

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

// notFoundByID names the record an officer asked for by its number when the
// store did not find it ("未找到编号为 7 的通知"); any other error is
// returned as it is. err is not nil.
func notFoundByID(err error, what string, id int64) error {
	if ErrorCode(err) == ENOTFOUND {
		return Errorf(ENOTFOUND, "未找到编号为 %d 的%s", id, what)
	}
	return err
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

// ErrorMessage returns the message of err's *Error, or InternalMessage for
// an internal error (any other error, or an *Error coded EINTERNAL):
// internal details are never shown.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return InternalMessage
}
