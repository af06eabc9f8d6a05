package handler_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
)

const adminToken = "admin-token-fsm-1"

// adminEnv is the admin API on a real service and SQLite store.
type adminEnv struct {
	*consoleEnv
	ctx context.Context
}

func newAdminEnv(t *testing.T) *adminEnv {
	e := &adminEnv{consoleEnv: newConsoleEnv(t, "http://gateway.test"), ctx: context.Background()}
	(&handler.AdminAPI{Cases: e.svc.Views, Decisions: e.svc.Guarantees, Letters: e.svc.Letters, Log: slog.New(slog.NewTextHandler(e.log, nil)),
		Tokens: []handler.APIToken{{Name: "core", Token: adminToken}}}).Register(e.engine)
	return e
}

// call posts body to the admin API and answers the status and the answer's
// error code and message.
func (e *adminEnv) call(path, body string) (status int, code, message string) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/admin/api"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	var ans struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
		e.t.Fatalf("POST %s: answer %s: %v", path, w.Body, err)
	}
	return w.Code, ans.Error, ans.Message
}

// get reads an application as the admin API shows it.
func (e *adminEnv) get(applyNo string) (status string, actions []string) {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/admin/api/applications/"+applyNo, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	var v struct {
		Status  string   `json:"status"`
		Actions []string `json:"actions"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &v) != nil {
		e.t.Fatalf("GET %s: HTTP %d %s", applyNo, w.Code, w.Body)
	}
	return v.Status, v.Actions
}

// fsmSnap is what a refused action must leave untouched.
type fsmSnap struct {
	state          service.State
	version        int64
	notices, audit int
}

func (e *adminEnv) snap(applyNo string) fsmSnap {
	e.t.Helper()
	a, err := e.svc.Views.FindApplication(e.ctx, appKey, applyNo)
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := e.svc.Views.Detail(e.ctx, a)
	if err != nil {
		e.t.Fatal(err)
	}
	return fsmSnap{a.State, a.Version, len(d.Notices), len(d.Audit)}
}

var fsmChecker = service.Actor{Kind: service.ActorOfficer, Name: "lisi", Role: service.RoleChecker}

// issued applies for and approves applyNo.
func (e *adminEnv) issued(applyNo string) *service.Application {
	e.t.Helper()
	a := e.apply(applyNo)
	a, err := e.svc.Guarantees.Approve(e.ctx, fsmChecker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *adminEnv) quitPending(applyNo string) *service.Application {
	e.t.Helper()
	a := e.issued(applyNo)
	if err := e.svc.Guarantees.Quit(e.ctx, service.QuitRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo},
		BaohanNo: a.BaohanNo, Reason: "撤回投标"}); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// TestAdminQuitRejectNeedsReason: the rule that refusing a withdrawal needs a
// reason is the service's, so the admin API keeps it as the console does.
func TestAdminQuitRejectNeedsReason(t *testing.T) {
	e := newAdminEnv(t)
	a := e.quitPending("TBaoHanQREASON1")
	before := e.snap(a.ApplyNo)
	for _, body := range []string{``, `{}`, `{"reason":""}`, `{"reason":"  　"}`} {
		status, code, msg := e.call("/applications/"+a.ApplyNo+"/quit/reject", body)
		if status != http.StatusBadRequest || code != service.EINVALID || !strings.Contains(msg, "拒绝退保须填写理由") {
			t.Errorf("body %q: HTTP %d %s %q; want 400 invalid naming the reason", body, status, code, msg)
		}
		if after := e.snap(a.ApplyNo); after != before {
			t.Fatalf("body %q changed the application: %+v → %+v", body, before, after)
		}
	}
	if status, code, msg := e.call("/applications/"+a.ApplyNo+"/quit/reject", `{"reason":"开标在即"}`); status != http.StatusOK {
		t.Fatalf("with a reason: HTTP %d %s %q", status, code, msg)
	}
	if got := e.snap(a.ApplyNo); got.state != service.StateIssued || got.notices != before.notices+1 {
		t.Fatalf("after the refusal: %+v", got)
	}
	// Approving a withdrawal needs none.
	b := e.quitPending("TBaoHanQREASON2")
	if status, code, msg := e.call("/applications/"+b.ApplyNo+"/quit/approve", ``); status != http.StatusOK {
		t.Fatalf("approve without a reason: HTTP %d %s %q", status, code, msg)
	}
}

// adminDiagram is the part of the state diagram the admin API reaches:
// route → state before → state after, and the operation each route is.
var adminDiagram = []struct {
	route string // after /applications/{applyno}
	body  string
	op    service.Operation
	from  map[service.State]service.State
}{
	{"/approve", `{"payername":"吉林省昇喆建筑工程有限公司","payeraccount":"6222 0001"}`, service.OpApprove,
		map[service.State]service.State{service.StateReceived: service.StateIssued}},
	{"/reject", `{"reason":"资料不全"}`, service.OpReject,
		map[service.State]service.State{service.StateReceived: service.StateRejected}},
	{"/giveup", `{"reason":"投标人撤回"}`, service.OpAbandon,
		map[service.State]service.State{service.StateReceived: service.StateAbandoned}},
	{"/quit/approve", ``, service.OpQuitApprove,
		map[service.State]service.State{service.StateQuitPending: service.StateWithdrawn}},
	{"/quit/reject", `{"reason":"开标在即"}`, service.OpQuitReject,
		map[service.State]service.State{service.StateQuitPending: service.StateIssued}},
	{"/claims/{claim}/pay", `{"payment_ref":"P-1"}`, service.OpPayClaim,
		map[service.State]service.State{service.StateClaimed: service.StatePaid}},
}

// TestAdminStateMachine walks every state through every admin API action
// that changes an application's state: an allowed one answers 200 and
// leaves the state of the diagram; a refused one answers 409 state naming
// the state and changes nothing. Before each, the application's "actions"
// must list exactly the routes allowed in its state.
func TestAdminStateMachine(t *testing.T) {
	e := newAdminEnv(t)
	e.svc.Caller = &servicetest.Caller{Accept: true, Message: "成功"} // a platform that agrees to every giveupapply
	platform := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	restored := func(no string) *service.Application {
		a := e.issued(no)
		platform(e.svc.Guarantees.Restore(e.ctx, service.RestoreRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: no},
			BaohanNo: a.BaohanNo, KaibiaoTime: "2026-11-27 09:30:00", Key: "eyF5xYB3evZe2Ge+svjKAQ=="}))
		return a
	}
	claimed := func(no string) *service.Application {
		a := restored(no)
		platform(e.svc.Guarantees.Claim(e.ctx, service.ClaimRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: no},
			BaohanNo: a.BaohanNo, PayerAmount: "20000.00", Reason: "中标后拒签合同"}))
		return a
	}
	reach := map[service.State]func(no string) *service.Application{
		service.StateReceived: e.apply,
		service.StateRejected: func(no string) *service.Application {
			a := e.apply(no)
			_, err := e.svc.Guarantees.Reject(e.ctx, fsmChecker, a.ID, "不符合条件")
			platform(err)
			return a
		},
		service.StateIssued:      e.issued,
		service.StateQuitPending: e.quitPending,
		service.StateWithdrawn: func(no string) *service.Application {
			a := e.quitPending(no)
			_, err := e.svc.Guarantees.DecideQuit(e.ctx, fsmChecker, a.ID, true, "")
			platform(err)
			return a
		},
		service.StateRestored: restored,
		service.StateCancelled: func(no string) *service.Application {
			a := restored(no)
			platform(e.svc.Guarantees.Cancel(e.ctx, service.CancelRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: no}, BaohanNo: a.BaohanNo}))
			return a
		},
		service.StateClaimed: claimed,
		service.StatePaid: func(no string) *service.Application {
			a := claimed(no)
			d, err := e.svc.Views.Detail(e.ctx, a)
			platform(err)
			_, err = e.svc.Guarantees.PayClaim(e.ctx, fsmChecker, a.ID, d.Claims[0].ID, 0, "P-0")
			platform(err)
			return a
		},
		service.StateAbandoned: func(no string) *service.Application {
			e.apply(no)
			platform(e.svc.Guarantees.GiveUp(e.ctx, service.GiveUpRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: no}}))
			return e.apply(no) // a retry of the same baohanapply: answered, unchanged
		},
	}
	n := 0
	for j, st := range service.States {
		for i, r := range adminDiagram {
			n++
			no := "TBaoHanADM" + itoa(int64(i)) + "S" + itoa(int64(j))
			a := reach[st](no)
			status, actions := e.get(no)
			if status != string(st) {
				t.Fatalf("%s: status %s, want %s", no, status, st)
			}
			var want []string
			for _, d := range adminDiagram {
				if _, ok := d.from[st]; ok {
					want = append(want, string(d.op))
				}
			}
			if strings.Join(actions, ",") != strings.Join(want, ",") {
				t.Errorf("actions in %s: %v, want %v", st, actions, want)
			}
			route := r.route
			if strings.Contains(route, "{claim}") {
				claim := "999999"
				if d, err := e.svc.Views.Detail(e.ctx, a); err == nil && len(d.Claims) > 0 {
					claim = itoa(d.Claims[0].ID)
				}
				route = strings.Replace(route, "{claim}", claim, 1)
			}
			before := e.snap(no)
			code, errCode, msg := e.call("/applications/"+no+route, r.body)
			after := e.snap(no)
			to, allowed := r.from[st]
			switch {
			case allowed && (code != http.StatusOK || after.state != to):
				t.Errorf("%s in %s: HTTP %d %s %q, state %s; want 200 and %s", r.route, st, code, errCode, msg, after.state, to)
			case allowed:
			case code != http.StatusConflict || errCode != service.ESTATE || !strings.Contains(msg, "当前状态为「"+st.Label()+"」"):
				t.Errorf("%s in %s: HTTP %d %s %q; want 409 state naming the state", r.route, st, code, errCode, msg)
			case after != before:
				t.Errorf("%s in %s changed something: %+v → %+v", r.route, st, before, after)
			}
		}
	}
	t.Logf("%d (state, admin action) pairs walked", n)
}
