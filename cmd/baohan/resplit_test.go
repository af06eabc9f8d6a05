package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// post sends params exactly as given (no fresh signature) and decodes the
// answer.
func (g *gateway) post(iface string, params map[string]string) platform.Reply {
	g.t.Helper()
	body, _ := json.Marshal(params)
	resp, err := http.Post(g.base+"/api/"+iface, "application/json", bytes.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r platform.Reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		g.t.Fatal(err)
	}
	return r
}

// TestResplitClaimRefused is issue 11's finding 5 on the real gateway: a
// captured claimsnotice for 1,000.00 yuan, re-sent with payeramount folded
// into payeraccount under the same sign, would claim the whole 20,000.00. It
// is refused naming payeraccount, and leaves nothing behind: no claim, no
// state change, no audit, no stored answer (the captured claim itself is
// then accepted for its 1,000.00).
func TestResplitClaimRefused(t *testing.T) {
	for name, engine := range engines(t) {
		t.Run(name, func(t *testing.T) {
			driver, dsn := engine(t)
			fp := newFakePlatform(t)
			g := startGateway(t, driver, dsn, fp.URL+"/gbsapi")
			const applyNo = "TBaoHanRSP2026112711000012345"
			if r := g.call("baohanapply", applyFields(applyNo)); r.Code != 1 {
				t.Fatalf("baohanapply: %+v", r)
			}
			st, app := g.admin("POST", "/admin/api/applications/"+applyNo+"/approve", map[string]string{"payername": "吉林省昇喆建筑工程有限公司", "payeraccount": "22050161000800000123"})
			if st != 200 || app["status"] != "issued" {
				t.Fatalf("approve: %d %v", st, app)
			}
			auditBefore := len(app["audit"].([]any))

			captured := map[string]string{"appkey": serveAppKey, "timestamp": platform.FormatTime(time.Now()),
				"platformcode": "A3205650121", "applyno": applyNo, "baohanno": str(app, "baohanno"),
				"payeraccount": "6222021234567890123", "payeramount": "1000.00",
				"applyusername": "张三", "applyuserphone": "18118833439", "Reason": "中标后未签订合同"}
			captured["sign"] = gmcrypto.Sign(captured, serveAppSecret)
			folded := maps.Clone(captured)
			folded["payeraccount"] += "&payeramount=" + captured["payeramount"]
			delete(folded, "payeramount")
			if !gmcrypto.Verify(folded, serveAppSecret, folded["sign"]) {
				t.Fatal("the folded claim does not carry the captured sign: the test shows nothing")
			}

			r := g.post("claimsnotice", folded)
			if r.Code != 0 || !strings.Contains(r.Message, "payeraccount") || !strings.Contains(r.Message, "&payeramount=") {
				t.Fatalf("the folded claim: %+v, want code 0 naming payeraccount", r)
			}
			_, app = g.admin("GET", "/admin/api/applications/"+applyNo, nil)
			if app["status"] != "issued" || app["claims"] != nil || len(app["audit"].([]any)) != auditBefore {
				t.Fatalf("after the refusal: status %v, claims %v, %d audit events (were %d)", app["status"], app["claims"], len(app["audit"].([]any)), auditBefore)
			}

			if r := g.post("claimsnotice", captured); r.Code != 1 {
				t.Fatalf("the captured claim: %+v", r)
			}
			_, app = g.admin("GET", "/admin/api/applications/"+applyNo, nil)
			claims, _ := app["claims"].([]any)
			if app["status"] != "claimed" || len(claims) != 1 {
				t.Fatalf("after the claim: status %v, claims %v", app["status"], app["claims"])
			}
			if c := claims[0].(map[string]any); c["payeramount"] != "1000.00" || c["payeraccount"] != "6222021234567890123" {
				t.Errorf("the claim recorded: %v, want 1000.00 to 6222021234567890123", c)
			}
		})
	}
}

// TestResplitNoticeNotSent: a value of ours that would re-split the signing
// string (a bidder's name holding "&cost=", copied into payername) is never
// sent; the notice fails at once and its attempt says why.
func TestResplitNoticeNotSent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newNoticeEnv(t, st, servicetest.NewClock(noticeT0), service.DispatcherConfig{}, 4096)
		const bidder, applyNo = "吉林&cost=0.01建筑工程有限公司", "TBaoHanRSP2026112700001"
		_, err := e.svc.Guarantees.Apply(e.ctx, service.ApplyRequest{Origin: service.Origin{Platform: noticeAppKey, PlatformCode: "A3205650121", ApplyNo: applyNo},
			BidderName: bidder, BidderCode: "91220101MA17XYZ12K", BzjAmount: "20000.00",
			BiaoduanNo: v2No, BiaoduanName: v2Name, Zbr: v2Zbr, ZbrOrgNum: v2Org})
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.svc.Views.FindApplication(e.ctx, noticeAppKey, applyNo)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Guarantees.Approve(e.ctx, service.Actor{Kind: service.ActorAPI, Name: "test", Role: service.RoleChecker}, a.ID,
			service.ApproveInput{PayerName: bidder, PayerAccount: "22050161000800000123"}); err != nil {
			t.Fatal(err)
		}
		e.rounds()
		if got := e.platform.received(); len(got) != 0 {
			t.Fatalf("the platform got %d notices, want none", len(got))
		}
		ns := e.notices(a)
		if len(ns) != 1 || ns[0].Status != service.NoticeFailed {
			t.Fatalf("notices: %+v, want one failed", ns)
		}
		attempts := e.attempts(ns[0])
		if len(attempts) != 1 || attempts[0].HTTPStatus != 0 {
			t.Fatalf("attempts: %+v, want one that sent nothing", attempts)
		}
		for _, got := range []string{attempts[0].Error, ns[0].LastError} {
			if !strings.Contains(got, "未发送") || !strings.Contains(got, "payername") || !strings.Contains(got, "&cost=") {
				t.Errorf("recorded %q, want the refusal of payername", got)
			}
		}
		e.platform.verify(t)
	})
}
