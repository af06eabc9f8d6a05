// Package platform is the wire protocol of the trading platform's
// electronic-guarantee interface (吉林省公共资源交易一体化平台电子保函平台对接规范
// v2.0.3, §4): the declarative table of the twelve messages and their fields
// (held by package wire, re-exported here), which drives inbound validation,
// outbound message building and the platform simulator alike; parsing that
// keeps every value's signed text; the SM3 signature; and the signed HTTP
// client that posts our notices.
//
// The table itself lives in package wire, a leaf, because the domain
// (package service, which may not import platform) names the same
// interfaces and fields; Spec and Field here are its rows with the
// protocol's behaviour (Validate, Check, Build).
//
// It imports gmcrypto and wire only.
package platform

import "github.com/baohangateway/baohan/wire"

// Direction says who sends a message.
type Direction = wire.Direction

// The two directions of §4.
const (
	Inbound  = wire.Inbound  // sent by the platform to us
	Outbound = wire.Outbound // sent by us to the platform (our notices)
)

// Format is the shape a field's value must have.
type Format = wire.Format

// Field formats.
const (
	Text      = wire.Text
	Amount    = wire.Amount
	Decimal   = wire.Decimal
	DateTime  = wire.DateTime
	Enum      = wire.Enum
	JSONArray = wire.JSONArray
)

// Field is one row of a message's parameter table (wire.Field) with its
// check.
type Field wire.Field

// Condition names a field and the value that triggers a rule.
type Condition = wire.Condition

// Spec describes one message of §4 (wire.Spec), with the protocol's
// behaviour: Validate, Build.
type Spec wire.Spec

// Field returns the field called name.
func (s *Spec) Field(name string) (Field, bool) {
	f, ok := (*wire.Spec)(s).Field(name)
	return Field(f), ok
}

// Interface names of §4 (wire's). GiveUp is the name of both 4.11 (inbound)
// and 4.12 (outbound).
const (
	BaohanApply   = wire.BaohanApply
	BaohanNotice  = wire.BaohanNotice
	BaohanRestore = wire.BaohanRestore
	RestoreNotice = wire.RestoreNotice
	InvoiceApply  = wire.InvoiceApply
	InvoiceNotice = wire.InvoiceNotice
	QuitApply     = wire.QuitApply
	QuitNotice    = wire.QuitNotice
	CancelNotice  = wire.CancelNotice // sic: the spec's spelling
	ClaimsNotice  = wire.ClaimsNotice
	GiveUp        = wire.GiveUp
)

// specs is wire's table as platform Specs: the same rows (their Fields
// shared), never modified.
var specs = func() []Spec {
	ws := wire.Specs()
	out := make([]Spec, len(ws))
	for i := range ws {
		out[i] = Spec(ws[i])
	}
	return out
}()

// Specs returns the table of all twelve messages, in the spec's order. The
// caller must not modify it.
func Specs() []Spec { return specs }

// Lookup returns the spec of the message called name travelling in direction d.
func Lookup(name string, d Direction) (*Spec, bool) {
	ws, ok := wire.Lookup(name, d)
	return (*Spec)(ws), ok
}

// InboundNames lists the interfaces the platform calls on us, in the spec's
// order.
func InboundNames() []string { return wire.InboundNames() }
