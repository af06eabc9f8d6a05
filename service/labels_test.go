package service_test

import (
	"testing"

	"github.com/baohangateway/baohan/service"
)

// TestLabels checks a known code of each labelled type and that an unknown
// code is shown as it is, not blank.
func TestLabels(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{service.StateIssued.Label(), "已出函（密文）"},
		{service.State("bogus").Label(), "bogus"},
		{service.DocInvoice.Label(), "发票"},
		{service.DocKind("x").Label(), "x"},
		{service.ActionRetryLetter.Label(), "重新生成明文保函"},
		{service.ProposalWithdrawn.Label(), "已撤回"},
		{service.ProposalStatus("").Label(), ""},
		{service.NoticeFailed.Label(), "发送失败"},
		{service.InvoiceRefused.Label(), "已拒绝"},
		{service.InvoiceStatus("void").Label(), "void"},
		{service.ClaimPaid.Label(), "已赔付"},
		{service.ActorKindLabel(service.ActorAPI), "接口"},
		{service.ActorKindLabel("robot"), "robot"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
