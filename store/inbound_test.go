package store_test

import (
	"context"
	"testing"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestInbound(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := &service.InboundRecord{
			Platform:  "jilin",
			Interface: "quitapply",
			ApplyNo:   "T001",
			Fields:    map[string]string{"applyno": "T001", "reason": "项目取消", "key": "sm3:ab12"},
			Answer:    map[string]string{"code": "1"},
			CreatedAt: at(1, 10, 0),
		}
		allSet(t, r, "ID")
		want := stored(r)
		if err := s.CreateInbound(ctx, r); err != nil {
			t.Fatalf("CreateInbound: %v", err)
		}
		want.ID = r.ID
		got, err := s.GetInbound(ctx, "jilin", "quitapply", "T001")
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, want)

		// One current record per platform, interface and applyno.
		e := wantCode(t, s.CreateInbound(ctx, &service.InboundRecord{Platform: "jilin", Interface: "quitapply", ApplyNo: "T001"}), service.ECONFLICT)
		if e.Message != "业务流水号 T001 的 quitapply 请求已受理过" {
			t.Errorf("got message %q", e.Message)
		}
		for _, other := range []*service.InboundRecord{
			{Platform: "other", Interface: "quitapply", ApplyNo: "T001"},
			{Platform: "jilin", Interface: "baohanrestore", ApplyNo: "T001"},
			{Platform: "jilin", Interface: "quitapply", ApplyNo: "T002"},
		} {
			if err := s.CreateInbound(ctx, other); err != nil {
				t.Errorf("CreateInbound(%s/%s/%s): %v", other.Platform, other.Interface, other.ApplyNo, err)
			}
		}

		// Retired, it is gone for GetInbound and lets a new request in.
		if err := s.RetireInbound(ctx, "jilin", "quitapply", "T001"); err != nil {
			t.Fatalf("RetireInbound: %v", err)
		}
		_, err = s.GetInbound(ctx, "jilin", "quitapply", "T001")
		if e := wantCode(t, err, service.ENOTFOUND); e.Message != "未找到业务流水号 T001 的 quitapply 请求记录" {
			t.Errorf("got message %q", e.Message)
		}
		wantCode(t, s.RetireInbound(ctx, "jilin", "quitapply", "T001"), service.ENOTFOUND)
		again := &service.InboundRecord{Platform: "jilin", Interface: "quitapply", ApplyNo: "T001", Fields: map[string]string{"reason": "再次申请"}}
		if err := s.CreateInbound(ctx, again); err != nil {
			t.Fatalf("CreateInbound after retire: %v", err)
		}
		got, err = s.GetInbound(ctx, "jilin", "quitapply", "T001")
		if err != nil || got.ID != again.ID || got.Fields["reason"] != "再次申请" || got.Answer != nil {
			t.Fatalf("GetInbound after recreate: got %+v, %v, want the new record", got, err)
		}
		// And again: several retired records may sit side by side.
		if err := s.RetireInbound(ctx, "jilin", "quitapply", "T001"); err != nil {
			t.Fatalf("second RetireInbound: %v", err)
		}
		if err := s.CreateInbound(ctx, &service.InboundRecord{Platform: "jilin", Interface: "quitapply", ApplyNo: "T001"}); err != nil {
			t.Fatalf("third CreateInbound: %v", err)
		}
	})
}
