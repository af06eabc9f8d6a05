package handler

import "github.com/baohangateway/baohan/service"

// applicationPage is the application page's data: the application's blocks
// (appPage) and, beside its notices, our calls to the platform.
type applicationPage struct {
	appPage
	Calls []callLine
}

// callLine is one of our calls to the platform (§4.12 giveupapply) as the
// notices table shows it: sent once while the officer waited, answered at
// once, so one attempt and its answer.
type callLine struct {
	InterfaceLabel string
	Status         badge
	Actor          string
	Reason         string
	Answer         string
	At             string
}

// callLines are the application's outbound calls, read from its audit
// trail, oldest first.
func callLines(audit []*service.AuditEvent) []callLine {
	var out []callLine
	for _, c := range service.OutboundCalls(audit) {
		l := callLine{InterfaceLabel: c.InterfaceLabel(), Actor: actorLabel(c.Actor), Reason: c.Reason, At: service.BeijingTime(c.At),
			Status: badge{Label: "交易平台已同意", Class: "b-ok"}, Answer: "code 1：同意放弃"}
		if !c.Accepted {
			l.Status = badge{Label: "交易平台拒绝", Class: "b-danger"}
			l.Answer = "code 0：" + c.Answer
		}
		out = append(out, l)
	}
	return out
}
