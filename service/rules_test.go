package service_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/baohangateway/baohan/service"
)

func TestIdempotentRetries(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		// baohanapply: same content → same answer, one row; different → refused, nothing stored.
		r1, err := e.svc.Guarantees.Apply(e.ctx, applyReq("TBaoHanIDEM0001"))
		if err != nil {
			t.Fatal(err)
		}
		before := e.snap("TBaoHanIDEM0001")
		r2, err := e.svc.Guarantees.Apply(e.ctx, applyReq("TBaoHanIDEM0001"))
		if err != nil || r2 != r1 {
			t.Fatalf("retry answered %+v, %v; want %+v", r2, err, r1)
		}
		changed := applyReq("TBaoHanIDEM0001")
		changed.BzjAmount = "30000.00"
		changed.JbrName = "李四"
		_, err = e.svc.Guarantees.Apply(e.ctx, changed)
		wantCode(t, err, service.ECONFLICT)
		if msg := service.ErrorMessage(err); !strings.Contains(msg, "bzjamount") || !strings.Contains(msg, "jbrname") {
			t.Fatalf("refusal %q does not name the differing fields", msg)
		}
		if after := e.snap("TBaoHanIDEM0001"); after != before {
			t.Fatalf("retries changed the application: %+v → %+v", before, after)
		}
		list, total, err := e.store.FindApplications(e.ctx, service.ApplicationFilter{Query: "TBaoHanIDEM0001"})
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("rows for the applyno: %d, %v", total, err)
		}

		// baohanrestore retried: same answer, no second letter job; another key refused.
		a := e.approve("TBaoHanIDEM0002")
		if err := e.svc.Guarantees.Restore(e.ctx, restoreReq(a)); err != nil {
			t.Fatal(err)
		}
		before = e.snap(a.ApplyNo)
		if err := e.svc.Guarantees.Restore(e.ctx, restoreReq(a)); err != nil {
			t.Fatalf("restore retry: %v", err)
		}
		if after := e.snap(a.ApplyNo); after != before {
			t.Fatalf("restore retry changed something: %+v → %+v", before, after)
		}
		other := restoreReq(a)
		other.Key = "169b909483f5822975d316b6676b0a0a"
		err = e.svc.Guarantees.Restore(e.ctx, other)
		wantCode(t, err, service.ECONFLICT)
		if strings.Contains(service.ErrorMessage(err), "169b9094") || strings.Contains(service.ErrorMessage(err), v2Key) {
			t.Fatalf("the refusal shows a key: %q", service.ErrorMessage(err))
		}

		// every other inbound interface: same content accepted twice, once recorded.
		b := e.restore("TBaoHanIDEM0003")
		for i := 0; i < 2; i++ {
			if err := e.svc.Guarantees.Invoice(e.ctx, invoiceReq(b)); err != nil {
				t.Fatalf("invoice try %d: %v", i, err)
			}
			if err := e.svc.Guarantees.Claim(e.ctx, claimReq(b)); err != nil {
				t.Fatalf("claim try %d: %v", i, err)
			}
		}
		if cl, _ := e.store.ListClaims(e.ctx, b.ID); len(cl) != 1 {
			t.Fatalf("claims after a retry: %d", len(cl))
		}
		c := e.approve("TBaoHanIDEM0004")
		for i := 0; i < 2; i++ {
			if err := e.svc.Guarantees.Quit(e.ctx, quitReq(c, "原因")); err != nil {
				t.Fatalf("quit try %d: %v", i, err)
			}
		}
		g := e.apply("TBaoHanIDEM0005")
		for i := 0; i < 2; i++ {
			if err := e.svc.Guarantees.GiveUp(e.ctx, service.GiveUpRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: g.ApplyNo}}); err != nil {
				t.Fatalf("giveup try %d: %v", i, err)
			}
		}
		d := e.restore("TBaoHanIDEM0006")
		for i := 0; i < 2; i++ {
			if err := e.svc.Guarantees.Cancel(e.ctx, service.CancelRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: d.ApplyNo}, BaohanNo: d.BaohanNo}); err != nil {
				t.Fatalf("cancel try %d: %v", i, err)
			}
		}
	})
}

func TestRestoreRefusals(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a := e.approve("TBaoHanKEY00001")
		before := e.snap(a.ApplyNo)
		for _, tt := range []struct {
			name, key, baohanno, want string
		}{
			{"wrong key", "169b909483f5822975d316b6676b0a0a", a.BaohanNo, "无法解密"},
			{"malformed key", "not-a-key", a.BaohanNo, "key"},
			{"wrong baohanno", v2Key, "TB2026112799999999", "baohanno"},
		} {
			r := restoreReq(a)
			r.Key, r.BaohanNo = tt.key, tt.baohanno
			err := e.svc.Guarantees.Restore(e.ctx, r)
			wantCode(t, err, service.EINVALID)
			if !strings.Contains(service.ErrorMessage(err), tt.want) {
				t.Errorf("%s: message %q lacks %q", tt.name, service.ErrorMessage(err), tt.want)
			}
			if after := e.snap(a.ApplyNo); after != before {
				t.Fatalf("%s changed something", tt.name)
			}
		}
		// The right key still works after the refusals: they left nothing behind.
		if err := e.svc.Guarantees.Restore(e.ctx, restoreReq(a)); err != nil {
			t.Fatal(err)
		}
		// Restore before kaibiaotime is accepted (kaibiaotime is tomorrow in restoreReq).
		e.wantState(a.ApplyNo, service.StateRestored)
		if err := e.svc.Guarantees.Restore(e.ctx, service.RestoreRequest{Origin: service.Origin{Platform: appkey, ApplyNo: "TBaoHanNOSUCH"}, BaohanNo: "X", KaibiaoTime: "2026-11-28 09:30:00", Key: v2Key}); service.ErrorCode(err) != service.ENOTFOUND {
			t.Fatalf("unknown applyno: %v", err)
		}
	})
}

func TestConcurrentIdenticalApply(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		urls := make([]string, 50)
		errs := make([]error, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := e.svc.Guarantees.Apply(e.ctx, applyReq("TBaoHanCONC0001"))
				urls[i], errs[i] = res.RedirectURL, err
			}()
		}
		wg.Wait()
		for i := range 50 {
			if errs[i] != nil || urls[i] != urls[0] || urls[0] == "" {
				t.Fatalf("request %d: %q, %v (first %q)", i, urls[i], errs[i], urls[0])
			}
		}
		_, total, err := e.store.FindApplications(e.ctx, service.ApplicationFilter{Query: "TBaoHanCONC0001"})
		if err != nil || total != 1 {
			t.Fatalf("%d rows, %v; want exactly 1", total, err)
		}
	})
}

func TestConcurrentQuitAndRestore(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		for round := range 10 {
			a := e.approve(fmt.Sprintf("TBaoHanRACE%04d", round))
			var wg sync.WaitGroup
			var quitErr, restoreErr error
			wg.Add(2)
			go func() { defer wg.Done(); quitErr = e.svc.Guarantees.Quit(e.ctx, quitReq(a, "撤回投标")) }()
			go func() { defer wg.Done(); restoreErr = e.svc.Guarantees.Restore(e.ctx, restoreReq(a)) }()
			wg.Wait()
			if (quitErr == nil) == (restoreErr == nil) {
				t.Fatalf("round %d: quit %v, restore %v: want exactly one to win", round, quitErr, restoreErr)
			}
			got := e.get(a.ApplyNo)
			switch {
			case quitErr == nil:
				wantCode(t, restoreErr, service.ESTATE)
				if got.State != service.StateQuitPending || got.Plain != (service.Sealed{}) || got.PlainPending {
					t.Fatalf("round %d: quit won but %+v", round, got)
				}
			default:
				wantCode(t, quitErr, service.ESTATE)
				if got.State != service.StateRestored || got.QuitReason != "" || !got.PlainPending {
					t.Fatalf("round %d: restore won but %+v", round, got)
				}
			}
			// The loser left no record: it is refused again, not answered as a retry.
			if quitErr != nil {
				wantCode(t, e.svc.Guarantees.Quit(e.ctx, quitReq(a, "撤回投标")), service.ESTATE)
			} else {
				wantCode(t, e.svc.Guarantees.Restore(e.ctx, restoreReq(a)), service.ESTATE)
			}
		}
	})
}

func TestPremiumRounding(t *testing.T) {
	tests := []struct {
		rate   string
		min    service.Money
		amount service.Money
		want   service.Money
	}{
		{"0.005", 0, 2000000, 10000},                // 20000.00 × 0.5 % = 100.00
		{"0.005", 20000, 2000000, 20000},            // the minimum premium wins
		{"0.0035", 0, 123457, 432},                  // 1234.57 × 0.35 % = 4.3209995 → 4.32
		{"0.0035", 0, 142857, 500},                  // 4.999995 → 5.00 (half up)
		{"0.003", 0, 150, 0},                        // 0.0045 → 0.00
		{"0.003", 0, 1667, 5},                       // 0.05001 → 0.05
		{"0.001", 0, 5, 0},                          // 0.00005 → 0.00
		{"0.1", 0, 5, 1},                            // 0.005 → 0.01 (half up)
		{"0.0075", 0, 99999999999999, 750000000000}, // 749999999999.9925 fen: large amounts stay exact
	}
	for _, tt := range tests {
		u := service.Underwriting{Rate: tt.rate, MinPremium: tt.min, ValidityDays: 1}
		got, err := u.Premium(tt.amount)
		if err != nil || got != tt.want {
			t.Errorf("Premium(%s × %s, min %s) = %s, %v; want %s", tt.amount, tt.rate, tt.min, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "abc", "1", "-0.1", "1e-3", "1/200"} {
		if err := (service.Underwriting{Rate: bad, ValidityDays: 1}).Validate(); err == nil {
			t.Errorf("rate %q accepted", bad)
		}
	}
}

func TestCreditCodeCheckDigit(t *testing.T) {
	for _, tt := range []struct {
		code string
		ok   bool
	}{
		{"91110000600037341L", true},  // a well-known valid code
		{"91320000MA1MUX8B5X", false}, // wrong check character
		{"91110000600037341l", true},  // lower case tolerated
		{"123456789987654332", false}, // platform test data (V1)
		{"9111000060003734", false},   // too short
		{"91110000600037341I", false}, // I is not in the alphabet
		{"911100006000373O1L", false},
	} {
		err := service.CheckCreditCode(tt.code)
		if (err == nil) != tt.ok {
			t.Errorf("CheckCreditCode(%s) = %v, want ok=%v", tt.code, err, tt.ok)
		}
	}
}

func TestUnderwritingFlagsAndOverride(t *testing.T) {
	uw := service.DefaultUnderwriting()
	uw.MaxAmount = 5000000     // 50,000.00
	uw.ExposureLimit = 5000000 // 50,000.00
	uw.BlockedBidders = []string{"91110000600037341L"}
	forEachStore(t, uw, func(t *testing.T, e *env) {
		a := e.apply("TBaoHanFLAG0001") // 20,000: only the credit-code warning
		if len(a.Flags) != 1 || a.Flags[0].Code != "credit_code" || a.Flags[0].Blocking {
			t.Fatalf("flags %+v", a.Flags)
		}
		e.approve("TBaoHanFLAG0002") // exposure 20,000
		e.approve("TBaoHanFLAG0003") // exposure 40,000
		c := e.apply("TBaoHanFLAG0004")
		if len(c.BlockingFlags()) != 1 || c.BlockingFlags()[0].Code != "exposure" {
			t.Fatalf("exposure flag: %+v", c.Flags)
		}
		in := service.ApproveInput{PayerName: c.BidderName, PayerAccount: "6222"}
		_, err := e.svc.Guarantees.Approve(e.ctx, officerMaker, c.ID, in)
		wantCode(t, err, service.EFORBIDDEN)
		_, err = e.svc.Guarantees.Approve(e.ctx, officerChecker, c.ID, in)
		wantCode(t, err, service.EINVALID)
		in.OverrideReason = "总行特批额度"
		c, err = e.svc.Guarantees.Approve(e.ctx, officerChecker, c.ID, in)
		if err != nil || c.OverrideBy != "lisi" || c.OverrideReason != "总行特批额度" {
			t.Fatalf("override: %+v, %v", c, err)
		}

		big := applyReq("TBaoHanFLAG0005")
		big.BzjAmount = "60000.00"
		big.BidderCode = "91110000600037341L"
		if _, err := e.svc.Guarantees.Apply(e.ctx, big); err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, f := range e.get("TBaoHanFLAG0005").Flags {
			codes = append(codes, f.Code)
		}
		if got := strings.Join(codes, ","); got != "amount_limit,exposure,blocked" {
			t.Fatalf("flags %s", got)
		}
		// Exposure counts the three live guarantees, not the received ones.
		if exp, err := e.store.Exposure(e.ctx); err != nil || exp != 6000000 {
			t.Fatalf("exposure %s, %v; want 60000.00", exp, err)
		}
	})
}

func TestPayerMustBeBidder(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a := e.apply("TBaoHanPAYER001")
		_, err := e.svc.Guarantees.Approve(e.ctx, officerChecker, a.ID, service.ApproveInput{})
		wantCode(t, err, service.EINVALID)
		_, err = e.svc.Guarantees.Approve(e.ctx, officerChecker, a.ID, service.ApproveInput{PayerName: "另一家公司", PayerAccount: "6222"})
		if service.ErrorCode(err) != service.EINVALID || !strings.Contains(service.ErrorMessage(err), "基本户") {
			t.Fatalf("another payer: %v", err)
		}
		// The bidder gives the account on the portal; approval then needs none.
		if _, err := e.svc.Public.SubmitPortal(e.ctx, a.PortalToken, service.PortalInput{PayerName: a.BidderName, PayerAccount: "6222 0202 0011", AcceptTerms: true, InvoiceEmail: "cw@example.com"}); err != nil {
			t.Fatal(err)
		}
		a, err = e.svc.Guarantees.Approve(e.ctx, officerChecker, a.ID, service.ApproveInput{})
		if err != nil || a.PayerAccount != "6222 0202 0011" {
			t.Fatalf("approve with the portal's account: %+v, %v", a, err)
		}
		if _, err := e.svc.Public.SubmitPortal(e.ctx, "no-such-token", service.PortalInput{}); service.ErrorCode(err) != service.ENOTFOUND {
			t.Fatalf("unknown token: %v", err)
		}
	})
}

func TestInvoiceRules(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a := e.restore("TBaoHanINV00001")
		wrong := invoiceReq(a)
		wrong.Amount = "99.99"
		err := e.svc.Guarantees.Invoice(e.ctx, wrong)
		if service.ErrorCode(err) != service.EINVALID || !strings.Contains(service.ErrorMessage(err), "保费 100.00") {
			t.Fatalf("amount other than the premium: %v", err)
		}
		special := invoiceReq(a)
		special.Type = "1"
		if err := e.svc.Guarantees.Invoice(e.ctx, special); service.ErrorCode(err) != service.EINVALID || !strings.Contains(service.ErrorMessage(err), "address") {
			t.Fatalf("专票 without its fields: %v", err)
		}
		if err := e.svc.Guarantees.Invoice(e.ctx, invoiceReq(a)); err != nil {
			t.Fatal(err)
		}
		before := len(e.notices(a))
		for _, blank := range []string{"", " \t"} {
			if _, err := e.svc.Guarantees.RefuseInvoice(e.ctx, officerMaker, a.ID, blank); service.ErrorCode(err) != service.EINVALID || !strings.Contains(service.ErrorMessage(err), "理由") {
				t.Fatalf("refusal without a reason %q: %v, want EINVALID naming the reason", blank, err)
			}
		}
		if got := len(e.notices(a)); got != before {
			t.Fatalf("a refused refusal queued %d notices", got-before)
		}
		if _, err := e.svc.Guarantees.RefuseInvoice(e.ctx, officerMaker, a.ID, "抬头有误"); err != nil {
			t.Fatal(err)
		}
		ns := e.notices(a)
		if last := ns[len(ns)-1]; last.Interface != "invoicenotice" || last.Fields["applystatus"] != "0" {
			t.Fatalf("refusal notice %+v", last)
		}
		// Asked again after the refusal, with corrected fields: a renewed request.
		special.Address, special.Phone, special.Bank, special.Account = "长春市人民大街1号", "0431-88888888", "中国银行长春分行", "1234567890"
		special.Mobile, special.ContactName, special.ContactAddress = "13800000000", "赵六", "长春市人民大街1号"
		if err := e.svc.Guarantees.Invoice(e.ctx, special); err != nil {
			t.Fatalf("a new request after a refusal: %v", err)
		}
		inv, err := e.store.GetInvoiceByApplication(e.ctx, a.ID)
		if err != nil || inv.Status != service.InvoiceRequested || inv.Request.Type != "1" || inv.Request.Bank != "中国银行长春分行" {
			t.Fatalf("renewed request %+v, %v", inv, err)
		}
		if _, err := e.svc.Guarantees.IssueInvoice(e.ctx, officerMaker, a.ID, service.IssueInvoiceInput{InvoiceNo: "88", PDF: []byte("PK\x03\x04zip")}); service.ErrorCode(err) != service.EINVALID {
			t.Fatalf("a ZIP as the invoice PDF: %v", err)
		}
		if _, err := e.svc.Guarantees.IssueInvoice(e.ctx, officerMaker, a.ID, service.IssueInvoiceInput{InvoiceNo: "88"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.svc.Guarantees.Invoice(e.ctx, wrong), service.ECONFLICT) // differs from the accepted request
		if err := e.svc.Guarantees.Invoice(e.ctx, special); err != nil {
			t.Fatalf("a retry of the accepted request: %v", err)
		}
	})
}
