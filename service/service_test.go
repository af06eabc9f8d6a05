package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// V2 of WIRE.md: a real platform's key and ciphertexts.
const v2Key = "eyF5xYB3evZe2Ge+svjKAQ=="

var v2 = struct{ no, name, zbr, org, pNo, pName, pZbr, pOrg string }{
	"3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=", "zdxk51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo=",
	"/kdDw4lH0u4TMTRNEV8iHhDgpdGZbpy2OLrBtexp0d4=", "uL6aFw3t4xThWQUpFUJxRyUZomxIiWY9XTbFnYKZ1Vw=",
	"D1506011506000527001003", "测试保函1108-3", "针织服饰有限公司", "12113305051412881T",
}

const appkey = "finance_test"

type env struct {
	t      *testing.T
	svc    *service.Service
	store  service.Store
	clock  *servicetest.Clock
	caller *servicetest.Caller
	ctx    context.Context
}

var (
	officerMaker   = service.Actor{Kind: service.ActorOfficer, Name: "zhangsan", Role: service.RoleMaker}
	officerChecker = service.Actor{Kind: service.ActorOfficer, Name: "lisi", Role: service.RoleChecker}
)

// forEachStore runs fn with a fresh service on every engine (SQLite, and
// MariaDB when BAOHAN_TEST_MYSQL_DSN is set).
func forEachStore(t *testing.T, uw service.Underwriting, fn func(t *testing.T, e *env)) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		caller := &servicetest.Caller{Accept: true, Message: "成功"}
		e := &env{t: t, store: st, clock: servicetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)), caller: caller, ctx: context.Background()}
		e.svc = service.New(service.Config{
			Store: st, Renderer: &servicetest.Letters{}, Caller: caller,
			Now:          e.clock.Now,
			Institution:  service.Institution{Name: "测试银行股份有限公司", Kind: service.KindBank, Code: "TB"},
			Underwriting: uw,
			Platforms:    []service.PlatformInfo{{AppKey: appkey, Name: "测试平台"}},
			PublicURL:    "https://baohan.example.com",
		})
		fn(t, e)
	})
}

func applyReq(applyNo string) service.ApplyRequest {
	return service.ApplyRequest{
		Origin:     service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: applyNo},
		BidderName: "江苏国泰测试用单位", BidderCode: "91320000MA1MUX8B5X", BzjAmount: "20000.00",
		BiaoduanNo: v2.no, BiaoduanName: v2.name, Zbr: v2.zbr, ZbrOrgNum: v2.org,
	}
}

func (e *env) apply(applyNo string) *service.Application {
	e.t.Helper()
	if _, err := e.svc.Guarantees.Apply(e.ctx, applyReq(applyNo)); err != nil {
		e.t.Fatalf("apply %s: %v", applyNo, err)
	}
	return e.get(applyNo)
}

func (e *env) get(applyNo string) *service.Application {
	e.t.Helper()
	a, err := e.store.GetApplicationByApplyNo(e.ctx, appkey, applyNo)
	if err != nil {
		e.t.Fatalf("get %s: %v", applyNo, err)
	}
	return a
}

func (e *env) approve(applyNo string) *service.Application {
	e.t.Helper()
	a := e.apply(applyNo)
	a, err := e.svc.Guarantees.Approve(e.ctx, officerChecker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
	if err != nil {
		e.t.Fatalf("approve %s: %v", applyNo, err)
	}
	return a
}

func restoreReq(a *service.Application) service.RestoreRequest {
	return service.RestoreRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo}, BaohanNo: a.BaohanNo,
		KaibiaoTime: "2026-11-28 09:30:00", Key: v2Key}
}

func (e *env) restore(applyNo string) *service.Application {
	e.t.Helper()
	a := e.approve(applyNo)
	if err := e.svc.Guarantees.Restore(e.ctx, restoreReq(a)); err != nil {
		e.t.Fatalf("restore %s: %v", applyNo, err)
	}
	return e.get(applyNo)
}

func quitReq(a *service.Application, reason string) service.QuitRequest {
	return service.QuitRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo}, BaohanNo: a.BaohanNo, Reason: reason}
}

func claimReq(a *service.Application) service.ClaimRequest {
	return service.ClaimRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo}, BaohanNo: a.BaohanNo,
		PayerAmount: "20000.00", FileList: `[{"fileurl":"https://p.example.com/f/1.pdf"}]`,
		ApplyUserName: "王五", ApplyUserPhone: "13800000000", Reason: "中标后拒签合同"}
}

func invoiceReq(a *service.Application) service.InvoiceRequest {
	return service.InvoiceRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo}, BaohanNo: a.BaohanNo,
		BidderName: a.BidderName, BidderCode: a.BidderCode, Amount: a.Premium.String(), Type: "0", Email: "cw@example.com"}
}

func (e *env) notices(a *service.Application) []*service.Notice {
	e.t.Helper()
	ns, err := e.store.ListNotices(e.ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func (e *env) wantState(applyNo string, want service.State) *service.Application {
	e.t.Helper()
	a := e.get(applyNo)
	if a.State != want {
		e.t.Fatalf("%s: state %s, want %s", applyNo, a.State, want)
	}
	return a
}

func wantCode(t *testing.T, err error, codes ...string) {
	t.Helper()
	got := service.ErrorCode(err)
	for _, c := range codes {
		if got == c {
			return
		}
	}
	t.Fatalf("error %v: code %q, want one of %v", err, got, codes)
}

func TestLifecycleHappyPath(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a := e.apply("TBaoHanHAPPY0001")
		if a.State != service.StateReceived || a.Amount != 2000000 || a.Premium != 10000 {
			t.Fatalf("after apply: state %s amount %d premium %d", a.State, a.Amount, a.Premium)
		}
		if a.Cipher.Zbr != v2.zbr || a.Plain.Zbr != "" {
			t.Fatalf("sealed fields not stored as received: %+v / %+v", a.Cipher, a.Plain)
		}
		res, err := e.svc.Guarantees.Apply(e.ctx, applyReq("TBaoHanHAPPY0001"))
		if err != nil || res.RedirectURL != "https://baohan.example.com/portal/"+a.PortalToken || len(a.PortalToken) < 40 {
			t.Fatalf("redirecturl %q, %v (token %q)", res.RedirectURL, err, a.PortalToken)
		}

		a, err = e.svc.Guarantees.Approve(e.ctx, officerMaker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
		if err != nil {
			t.Fatal(err)
		}
		if a.State != service.StateIssued || !strings.HasPrefix(a.BaohanNo, "TB20261127") || a.CheckCode == "" {
			t.Fatalf("after approve: %s %q %q", a.State, a.BaohanNo, a.CheckCode)
		}
		ns := e.notices(a)
		if len(ns) != 1 || ns[0].Interface != "baohannotice" || ns[0].DocumentID == 0 {
			t.Fatalf("notices after approve: %+v", ns)
		}
		f := ns[0].Fields
		want := map[string]string{"applyno": a.ApplyNo, "baohanno": a.BaohanNo, "payername": a.BidderName, "payeraccount": "6222020200112233",
			"instname": "测试银行股份有限公司", "generatetime": "2026-11-27 10:00:00", "rate": "0.005", "cost": "100.00", "applystatus": "1"}
		for k, v := range want {
			if f[k] != v {
				t.Errorf("baohannotice %s = %q, want %q", k, f[k], v)
			}
		}
		if !strings.HasPrefix(f["baohanurl"], "https://baohan.example.com/files/") {
			t.Errorf("baohanurl %q", f["baohanurl"])
		}
		doc, err := e.store.GetDocument(e.ctx, ns[0].DocumentID)
		if err != nil || doc.Kind != service.DocCipherLetter || doc.SM3 != gmcrypto.SM3Hex(doc.Data) || !strings.Contains(string(doc.Data), "sealed=true") {
			t.Fatalf("cipher letter %+v, %v", doc, err)
		}

		if err := e.svc.Guarantees.Restore(e.ctx, restoreReq(a)); err != nil {
			t.Fatal(err)
		}
		a = e.wantState(a.ApplyNo, service.StateRestored)
		wantPlain := service.Sealed{BiaoduanNo: v2.pNo, BiaoduanName: v2.pName, Zbr: v2.pZbr, ZbrOrgNum: v2.pOrg}
		if a.Plain != wantPlain || !a.PlainPending {
			t.Fatalf("plain %+v pending %v, want %+v", a.Plain, a.PlainPending, wantPlain)
		}
		if err := e.svc.Letters.ProducePlainLetter(e.ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Letters.ProducePlainLetter(e.ctx, a.ID); err != nil { // a second worker: nothing more
			t.Fatal(err)
		}
		ns = e.notices(a)
		if len(ns) != 2 || ns[1].Interface != "restorenotice" || ns[1].Fields["baohanno"] != a.BaohanNo {
			t.Fatalf("notices after restore: %+v", ns)
		}
		plainDoc, _ := e.store.GetDocument(e.ctx, ns[1].DocumentID)
		if !strings.Contains(string(plainDoc.Data), "sealed=false 测试保函1108-3 针织服饰有限公司") {
			t.Fatalf("plain letter %q", plainDoc.Data)
		}

		if err := e.svc.Guarantees.Invoice(e.ctx, invoiceReq(a)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Guarantees.IssueInvoice(e.ctx, officerMaker, a.ID, service.IssueInvoiceInput{InvoiceCode: "22000000", InvoiceNo: "00012345", PDF: []byte("%PDF-1.4 inv")}); err != nil {
			t.Fatal(err)
		}
		ns = e.notices(a)
		if last := ns[len(ns)-1]; last.Interface != "invoicenotice" || last.Fields["invoiceno"] != "00012345" || !strings.Contains(last.Fields["invoiceurl"], "/files/") || last.Fields["applystatus"] != "1" {
			t.Fatalf("invoicenotice %+v", last)
		}

		if err := e.svc.Guarantees.Claim(e.ctx, claimReq(a)); err != nil {
			t.Fatal(err)
		}
		a = e.wantState(a.ApplyNo, service.StateClaimed)
		claims, _ := e.store.ListClaims(e.ctx, a.ID)
		if len(claims) != 1 || claims[0].Amount != 2000000 || claims[0].Status != service.ClaimPending {
			t.Fatalf("claims %+v", claims)
		}
		if _, err := e.svc.Guarantees.PayClaim(e.ctx, officerChecker, a.ID, claims[0].ID, 0, "PAY-001"); err != nil {
			t.Fatal(err)
		}
		e.wantState(a.ApplyNo, service.StatePaid)

		d, err := e.svc.Views.Detail(e.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ev := range d.Audit {
			actions = append(actions, ev.Action)
		}
		for _, want := range []string{"apply", "approve", "restore", "plain_letter", "invoice_apply", "invoice_issue", "claim", "claim_pay"} {
			if !strings.Contains(strings.Join(actions, ","), want) {
				t.Errorf("audit lacks %s: %v", want, actions)
			}
		}
	})
}

func TestQuitCancelRejectGiveUp(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		// quit approved
		a := e.approve("TBaoHanQUIT0001")
		if err := e.svc.Guarantees.Quit(e.ctx, quitReq(a, "投标文件有误")); err != nil {
			t.Fatal(err)
		}
		e.wantState(a.ApplyNo, service.StateQuitPending)
		if _, err := e.svc.Guarantees.DecideQuit(e.ctx, officerMaker, a.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		a = e.wantState(a.ApplyNo, service.StateWithdrawn)
		ns := e.notices(a)
		if q := ns[len(ns)-1]; q.Interface != "quitnotice" || q.Fields["applystatus"] != "1" || q.Fields["tuibaotime"] != "2026-11-27 10:00:00" {
			t.Fatalf("quitnotice %+v", q)
		}

		// quit refused, then asked again and approved
		b := e.approve("TBaoHanQUIT0002")
		if err := e.svc.Guarantees.Quit(e.ctx, quitReq(b, "原因一")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Guarantees.DecideQuit(e.ctx, officerMaker, b.ID, false, "材料不全"); err != nil {
			t.Fatal(err)
		}
		b = e.wantState(b.ApplyNo, service.StateIssued)
		ns = e.notices(b)
		if q := ns[len(ns)-1]; q.Fields["applystatus"] != "0" || q.Fields["tuibaotime"] != "" {
			t.Fatalf("refused quitnotice %+v", q)
		}
		if err := e.svc.Guarantees.Quit(e.ctx, quitReq(b, "原因二")); err != nil {
			t.Fatalf("a second withdrawal after a refusal: %v", err)
		}
		e.wantState(b.ApplyNo, service.StateQuitPending)

		// cancel after restore
		c := e.restore("TBaoHanCANCEL001")
		if err := e.svc.Guarantees.Cancel(e.ctx, service.CancelRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: c.ApplyNo}, BaohanNo: c.BaohanNo}); err != nil {
			t.Fatal(err)
		}
		e.wantState(c.ApplyNo, service.StateCancelled)

		// reject
		r := e.apply("TBaoHanREJECT001")
		if _, err := e.svc.Guarantees.Reject(e.ctx, officerMaker, r.ID, ""); service.ErrorCode(err) != service.EINVALID {
			t.Fatalf("reject without reason: %v", err)
		}
		if _, err := e.svc.Guarantees.Reject(e.ctx, officerMaker, r.ID, "资料不全"); err != nil {
			t.Fatal(err)
		}
		r = e.wantState(r.ApplyNo, service.StateRejected)
		if ns := e.notices(r); len(ns) != 1 || ns[0].Fields["applystatus"] != "0" || len(ns[0].Fields) != 2 {
			t.Fatalf("reject notice %+v", ns)
		}

		// give up by the platform (4.11)
		g := e.apply("TBaoHanGIVEUP001")
		if err := e.svc.Guarantees.GiveUp(e.ctx, service.GiveUpRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: g.ApplyNo}}); err != nil {
			t.Fatal(err)
		}
		e.wantState(g.ApplyNo, service.StateAbandoned)

		// claim before opening
		k := e.approve("TBaoHanCLAIM0001")
		if err := e.svc.Guarantees.Claim(e.ctx, claimReq(k)); err != nil {
			t.Fatal(err)
		}
		e.wantState(k.ApplyNo, service.StateClaimed)
	})
}

func TestAbandonByUs(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a := e.apply("TBaoHanABANDON01")
		e.caller.Accept, e.caller.Message = false, "该申请已缴费，不能放弃"
		_, err := e.svc.Guarantees.Abandon(e.ctx, officerMaker, a.ID, "投标人要求")
		if service.ErrorCode(err) != service.ESTATE || !strings.Contains(service.ErrorMessage(err), "该申请已缴费，不能放弃") {
			t.Fatalf("refused abandon: %v", err)
		}
		e.wantState(a.ApplyNo, service.StateReceived)
		d, _ := e.svc.Views.Detail(e.ctx, a)
		if last := d.Audit[0]; last.Action != "give_up_refused" || !strings.Contains(last.Detail, "该申请已缴费") {
			t.Fatalf("refusal not kept: %+v", last)
		}
		e.caller.Err = fmt.Errorf("connection refused")
		if _, err := e.svc.Guarantees.Abandon(e.ctx, officerMaker, a.ID, "投标人要求"); service.ErrorCode(err) != service.EUNAVAILABLE {
			t.Fatalf("unreachable platform: %v", err)
		}
		e.caller.Accept, e.caller.Err = true, nil
		if _, err := e.svc.Guarantees.Abandon(e.ctx, officerMaker, a.ID, "投标人要求"); err != nil {
			t.Fatal(err)
		}
		e.wantState(a.ApplyNo, service.StateAbandoned)
		if n := len(e.caller.Calls()); n != 3 || e.caller.Calls()[2]["applyno"] != a.ApplyNo {
			t.Fatalf("calls %v", e.caller.Calls())
		}
		b := e.approve("TBaoHanABANDON02")
		if _, err := e.svc.Guarantees.Abandon(e.ctx, officerMaker, b.ID, "x"); service.ErrorCode(err) != service.ESTATE || len(e.caller.Calls()) != 3 {
			t.Fatalf("abandon of an issued guarantee: %v (calls %d)", err, len(e.caller.Calls()))
		}
	})
}

// snapshot is what a refused operation must leave untouched.
type snapshot struct {
	version int64
	state   service.State
	notices int
	audit   int
}

func (e *env) snap(applyNo string) snapshot {
	e.t.Helper()
	a := e.get(applyNo)
	_, n, err := e.store.FindAudit(e.ctx, service.AuditFilter{ApplicationID: a.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return snapshot{a.Version, a.State, len(e.notices(a)), n}
}
