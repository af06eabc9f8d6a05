package service

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/baohangateway/baohan/wire"
)

// OutboundCall is one of our calls to a platform whose answer decides our
// state (§4.12 giveupapply, sent through PlatformCaller): made once, while
// the officer waits, not through the outbox, so it has no notice row; the
// audit trail keeps its outcome, and OutboundCalls reads it back so that
// the pages show the call beside the notices.
type OutboundCall struct {
	Interface string // the message, e.g. "giveupapply"
	At        time.Time
	Actor     Actor // who asked for it
	Accepted  bool  // the platform answered code 1
	Answer    string
	Reason    string // ours, as the officer gave it
}

// InterfaceLabel names the call's message for officers, with its section
// of the spec: "放弃申请（4.12）".
func (c OutboundCall) InterfaceLabel() string {
	if s, ok := wire.Lookup(c.Interface, wire.Outbound); ok {
		return s.Caption()
	}
	return c.Interface
}

// The audit details of our giveupapply, written by Abandon and read back by
// OutboundCalls.
const (
	giveUpAcceptedPrefix = "我方发起放弃申请，交易平台已同意："
	giveUpRefusedPrefix  = "交易平台拒绝放弃申请："
	giveUpReasonOpen     = "（放弃原因："
)

// giveUpAcceptedDetail is the audit detail of a giveupapply the platform
// accepted.
func giveUpAcceptedDetail(reason string) string { return giveUpAcceptedPrefix + reason }

// giveUpRefusedDetail is the audit detail of a giveupapply the platform
// refused with message.
func giveUpRefusedDetail(message, reason string) string {
	return giveUpRefusedPrefix + message + giveUpReasonOpen + reason + "）"
}

// OutboundCalls lists, oldest first, our calls to the platform recorded in
// an application's audit trail (in any order). The platform's own
// giveupapply (§4.11, audited as give_up by the platform) is not ours and
// not listed.
func OutboundCalls(audit []*AuditEvent) []OutboundCall {
	events := slices.Clone(audit)
	slices.SortStableFunc(events, func(a, b *AuditEvent) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	var out []OutboundCall
	for _, e := range events {
		c := OutboundCall{Interface: wire.GiveUp, At: e.At, Actor: e.Actor}
		switch {
		case e.Action == "give_up" && e.Actor.Kind != ActorPlatform && strings.HasPrefix(e.Detail, giveUpAcceptedPrefix):
			c.Accepted, c.Reason = true, strings.TrimPrefix(e.Detail, giveUpAcceptedPrefix)
		case e.Action == "give_up_refused":
			rest := strings.TrimPrefix(e.Detail, giveUpRefusedPrefix)
			c.Answer = rest
			if i := strings.LastIndex(rest, giveUpReasonOpen); i >= 0 && strings.HasSuffix(rest, "）") {
				c.Answer, c.Reason = rest[:i], strings.TrimSuffix(rest[i+len(giveUpReasonOpen):], "）")
			}
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}
