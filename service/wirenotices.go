package service

import (
	"time"

	"github.com/baohangateway/baohan/wire"
)

// Outbound is a message we send to a platform, in the domain's words: a
// notice the outbox delivers (§4.2, 4.4, 4.6, 4.8) or a call whose answer
// decides our state (§4.12). Encode is the one place that turns it into
// the wire's fields; appkey, timestamp, sign and the letter's baohanfile
// are added when it is sent.
type Outbound interface {
	// Interface is the message's interface name.
	Interface() string
	wireFields() []wireField
}

// wireField is one field of an encoded message. A field marked optional is
// left out when empty; the others are always written, so that the stored
// notice shows what the domain said, empty or not.
type wireField struct {
	name, value string
	optional    bool
}

// Encode turns m into its interface name and wire fields.
func Encode(m Outbound) (iface string, fields map[string]string) {
	fs := m.wireFields()
	fields = make(map[string]string, len(fs))
	for _, f := range fs {
		if f.optional && f.value == "" {
			continue
		}
		fields[f.name] = f.value
	}
	return m.Interface(), fields
}

// status01 is the wire's yes/no of applystatus.
func status01(yes bool) string {
	if yes {
		return "1"
	}
	return "0"
}

// IssuedNotice is §4.2 baohannotice for a guarantee we issued: the letter
// (its URL here, its file added when sent), who pays the premium from which
// account, and what it cost.
type IssuedNotice struct {
	ApplyNo, BaohanNo, BaohanURL string
	PayerName, PayerAccount      string
	Institution                  string
	IssuedAt                     time.Time
	Rate                         string // a decimal fraction, "0.005"
	Premium                      Money
}

// Interface implements Outbound.
func (IssuedNotice) Interface() string { return wire.BaohanNotice }

func (n IssuedNotice) wireFields() []wireField {
	return []wireField{
		{name: wire.FieldApplyNo, value: n.ApplyNo}, {name: wire.FieldBaohanNo, value: n.BaohanNo},
		{name: wire.FieldBaohanURL, value: n.BaohanURL}, {name: wire.FieldPayerName, value: n.PayerName},
		{name: wire.FieldPayerAccount, value: n.PayerAccount}, {name: wire.FieldInstName, value: n.Institution},
		{name: wire.FieldGenerateTime, value: BeijingTime(n.IssuedAt)}, {name: wire.FieldRate, value: n.Rate},
		{name: wire.FieldCost, value: n.Premium.String()}, {name: wire.FieldApplyStatus, value: status01(true)},
	}
}

// RejectedNotice is §4.2 baohannotice for an application we refused.
type RejectedNotice struct {
	ApplyNo string
}

// Interface implements Outbound.
func (RejectedNotice) Interface() string { return wire.BaohanNotice }

func (n RejectedNotice) wireFields() []wireField {
	return []wireField{{name: wire.FieldApplyNo, value: n.ApplyNo}, {name: wire.FieldApplyStatus, value: status01(false)}}
}

// RestoreNotice is §4.4 restorenotice: the plaintext letter after bid
// opening (its file added when sent).
type RestoreNotice struct {
	ApplyNo, BaohanNo, BaohanURL string
}

// Interface implements Outbound.
func (RestoreNotice) Interface() string { return wire.RestoreNotice }

func (n RestoreNotice) wireFields() []wireField {
	return []wireField{
		{name: wire.FieldApplyNo, value: n.ApplyNo}, {name: wire.FieldBaohanNo, value: n.BaohanNo},
		{name: wire.FieldBaohanURL, value: n.BaohanURL},
	}
}

// InvoiceNotice is §4.6 invoicenotice: the invoice we issued (its URL when
// we hold its PDF), or our refusal to issue one.
type InvoiceNotice struct {
	BaohanNo               string
	Issued                 bool
	InvoiceCode, InvoiceNo string // when Issued
	InvoiceURL             string // when Issued with a PDF
}

// Interface implements Outbound.
func (InvoiceNotice) Interface() string { return wire.InvoiceNotice }

func (n InvoiceNotice) wireFields() []wireField {
	if !n.Issued {
		return []wireField{{name: wire.FieldBaohanNo, value: n.BaohanNo}, {name: wire.FieldApplyStatus, value: status01(false)}}
	}
	return []wireField{
		{name: wire.FieldBaohanNo, value: n.BaohanNo}, {name: wire.FieldInvoiceCode, value: n.InvoiceCode},
		{name: wire.FieldInvoiceNo, value: n.InvoiceNo}, {name: wire.FieldApplyStatus, value: status01(true)},
		{name: wire.FieldInvoiceURL, value: n.InvoiceURL, optional: true},
	}
}

// QuitNotice is §4.8 quitnotice: our decision on a withdrawal, with the
// moment it took effect when we agreed.
type QuitNotice struct {
	ApplyNo, BaohanNo string
	Approved          bool
	WithdrawnAt       time.Time // when Approved
}

// Interface implements Outbound.
func (QuitNotice) Interface() string { return wire.QuitNotice }

func (n QuitNotice) wireFields() []wireField {
	fs := []wireField{
		{name: wire.FieldApplyNo, value: n.ApplyNo}, {name: wire.FieldBaohanNo, value: n.BaohanNo},
		{name: wire.FieldApplyStatus, value: status01(n.Approved)},
	}
	if n.Approved {
		fs = append(fs, wireField{name: wire.FieldTuibaoTime, value: BeijingTime(n.WithdrawnAt)})
	}
	return fs
}

// AbandonRequest is §4.12 giveupapply: we ask the platform to abandon an
// application on the bidder's behalf.
type AbandonRequest struct {
	ApplyNo string
}

// Interface implements Outbound.
func (AbandonRequest) Interface() string { return wire.GiveUp }

func (r AbandonRequest) wireFields() []wireField {
	return []wireField{{name: wire.FieldApplyNo, value: r.ApplyNo}}
}

// fieldRef names field of the message iface as a refusal begins: "字段 "
// and the table's name and label, e.g. "字段 bzjamount（保证金金额）".
func fieldRef(iface, field string) string { return "字段 " + wire.Ref(iface, field) }
