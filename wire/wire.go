// Package wire is the vocabulary of the trading platform's
// electronic-guarantee interface (吉林省公共资源交易一体化平台电子保函平台对接规范
// v2.0.3, §4): the one table of the twelve messages, their interface names,
// field names, Chinese labels and rules.
//
// Why a package of its own: the vocabulary belongs to the platform
// protocol, but the domain needs it too, to name fields in its refusals, to
// title messages on the console and to encode its typed notices; and
// STYLE.md's import direction (cmd → handler, store, platform, pdf →
// service → gmcrypto, pdf) lets service import no platform. So the table
// lives here, in a leaf that imports nothing, which both may import;
// package platform re-exports it (platform.Spec, platform.Lookup, the
// interface names) and adds what the protocol does with it: validation,
// parsing, signing, building and sending messages.
//
// Nothing else spells a wire name or label: code refers to the constants
// below and asks the table (Label, Ref, Caption) for the Chinese.
package wire

import "strings"

// Direction says who sends a message.
type Direction int

// The two directions of §4.
const (
	// Inbound messages are sent by the platform to us (we are the server).
	Inbound Direction = iota + 1
	// Outbound messages are sent by us to the platform (our notices).
	Outbound
)

func (d Direction) String() string {
	switch d {
	case Inbound:
		return "inbound"
	case Outbound:
		return "outbound"
	}
	return "unknown"
}

// Format is the shape a field's value must have.
type Format int

// Field formats.
const (
	Text      Format = iota // any text within the length
	Amount                  // yuan: digits with at most two decimals, e.g. 20000.00
	Decimal                 // a non-negative decimal number, e.g. the rate 0.005
	DateTime                // yyyy-MM-dd HH:mm:ss, Beijing time
	Enum                    // one of Field.Enum
	JSONArray               // a JSON array (the filelist of claimsnotice)
)

// Field is one row of a message's parameter table.
type Field struct {
	Name     string
	Label    string // the spec's Chinese description, for messages
	Required bool
	// RequiredIf makes an optional field required when another field of the
	// message has the given value (e.g. invoiceapply's address when type = 1).
	RequiredIf *Condition
	MaxLen     int // in characters (runes); 0 means unbounded
	Format     Format
	Enum       []string
	// NoAmpersand marks a code, account, key or base64 text: it can hold no
	// '&', and one there could only re-split the signing string (WIRE.md
	// "Signature"). Amounts, decimals, times and enums exclude it by their
	// format.
	NoAmpersand bool
}

// Ref names the field for a refusal or a page: its wire name and, in
// brackets, its label, e.g. "bzjamount（保证金金额）".
func (f Field) Ref() string {
	if f.Label == "" || f.Label == f.Name {
		return f.Name
	}
	return f.Name + "（" + f.Label + "）"
}

// Condition names a field and the value that triggers a rule.
type Condition struct {
	Field, Value string
}

// Spec describes one message of §4.
type Spec struct {
	Name      string // the interface name, e.g. "baohanapply"
	Section   string // e.g. "4.1"
	Title     string // the spec's Chinese title
	Short     string // the name officers know it by on the console, e.g. "出函通知"
	Direction Direction
	Fields    []Field // in the spec's order; appkey, timestamp and sign included
}

// Caption names the message for officers with its section, e.g.
// "放弃申请（4.12）".
func (s *Spec) Caption() string { return s.Short + "（" + s.Section + "）" }

// Field returns the field called name.
func (s *Spec) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Specs returns the table of all twelve messages, in the spec's order. The
// caller must not modify it.
func Specs() []Spec { return specs }

// Lookup returns the spec of the message called name travelling in direction d.
func Lookup(name string, d Direction) (*Spec, bool) {
	for i := range specs {
		if specs[i].Name == name && specs[i].Direction == d {
			return &specs[i], true
		}
	}
	return nil, false
}

// InboundNames lists the interfaces the platform calls on us, in the spec's
// order.
func InboundNames() []string {
	var names []string
	for _, s := range specs {
		if s.Direction == Inbound {
			names = append(names, s.Name)
		}
	}
	return names
}

// FieldOf returns the field called field of the message called iface, in
// whichever direction the message travels (giveupapply, both ways, has the
// same fields' labels in both).
func FieldOf(iface, field string) (Field, bool) {
	for i := range specs {
		if specs[i].Name == iface {
			if f, ok := specs[i].Field(field); ok {
				return f, true
			}
		}
	}
	return Field{}, false
}

// Label is the Chinese label of field in the message iface; the field's name
// when the table has no such field.
func Label(iface, field string) string {
	if f, ok := FieldOf(iface, field); ok {
		return f.Label
	}
	return field
}

// Ref names field of the message iface for a refusal: "字段 " + Ref() is
// how every refusal message starts. An unknown field is named as it is.
func Ref(iface, field string) string {
	if f, ok := FieldOf(iface, field); ok {
		return f.Ref()
	}
	return field
}

// Caption names a message for officers with its sections of the spec, e.g.
// "出函通知（4.2）", or "放弃申请（4.11/4.12）" for giveupapply, whose name
// serves both directions. An unknown name is returned as it is.
func Caption(iface string) string {
	var short string
	var sections []string
	for _, s := range specs {
		if s.Name == iface {
			short = s.Short
			sections = append(sections, s.Section)
		}
	}
	if short == "" {
		return iface
	}
	return short + "（" + strings.Join(sections, "/") + "）"
}
