package service

import (
	"testing"
	"time"
)

// TestOutboundCallsReadTheAuditTrail: our giveupapply, accepted or refused,
// is read back from the details Abandon writes; the platform's own
// giveupapply and other events are not ours.
func TestOutboundCallsReadTheAuditTrail(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	officer := Actor{Kind: ActorOfficer, Name: "zhangsan", Role: RoleMaker}
	audit := []*AuditEvent{ // newest first, as the store lists them
		{ID: 4, Action: "give_up", Actor: officer, At: t0.Add(time.Minute), Detail: giveUpAcceptedDetail("书面申请")},
		{ID: 3, Action: "give_up_refused", Actor: officer, At: t0, Detail: giveUpRefusedDetail("已缴费（不可放弃）", "电话（口头）申请")},
		{ID: 2, Action: "give_up", Actor: platformActor("finance_jilin"), At: t0, Detail: "交易平台发起放弃申请"},
		{ID: 1, Action: "apply", Actor: platformActor("finance_jilin"), At: t0, Detail: "保证金 20000.00 元"},
	}
	got := OutboundCalls(audit)
	want := []OutboundCall{
		{Interface: "giveupapply", At: t0, Actor: officer, Answer: "已缴费（不可放弃）", Reason: "电话（口头）申请"},
		{Interface: "giveupapply", At: t0.Add(time.Minute), Actor: officer, Accepted: true, Reason: "书面申请"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d calls %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("call %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if l := got[0].InterfaceLabel(); l != "放弃申请（4.12）" {
		t.Errorf("InterfaceLabel = %q", l)
	}
}
