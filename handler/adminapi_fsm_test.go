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
)

const adminToken = "admin-token-fsm-1"

// adminEnv is the admin API on a real service and SQLite store.
type adminEnv struct {
	*consoleEnv
	ctx context.Context
}

func newAdminEnv(t *testing.T) *adminEnv {
	e := &adminEnv{consoleEnv: newConsoleEnv(t, "http://gateway.test"), ctx: context.Background()}
	(&handler.AdminAPI{Service: e.svc, Log: slog.New(slog.NewTextHandler(e.log, nil)),
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
	a, err := e.svc.FindApplication(e.ctx, appKey, applyNo)
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := e.svc.Detail(e.ctx, a)
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
	a, err := e.svc.Approve(e.ctx, fsmChecker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *adminEnv) quitPending(applyNo string) *service.Application {
	e.t.Helper()
	a := e.issued(applyNo)
	if err := e.svc.Quit(e.ctx, service.QuitRequest{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo,
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
