package handler_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
)

// TestConsoleLetterFailed: a plaintext letter that failed shows in the
// queue under its own tab 出函失败, with the reason, the attempts and the
// next try, and nowhere else in that list; a maker proposes a retry from
// there, a checker confirms it, and the letter is due again at once.
func TestConsoleLetterFailed(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	e.officer("zhangsan", service.RoleMaker)
	e.officer("lisi", service.RoleChecker)
	ctx := context.Background()
	checker := service.Actor{Kind: service.ActorOfficer, Name: "lisi", Role: service.RoleChecker}
	restored := func(applyNo string) *service.Application {
		a := e.apply(applyNo)
		a, err := e.svc.Guarantees.Approve(ctx, checker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Guarantees.Restore(ctx, service.RestoreRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo},
			BaohanNo: a.BaohanNo, KaibiaoTime: "2026-11-27 09:30:00", Key: "eyF5xYB3evZe2Ge+svjKAQ=="}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	bad, pending := restored("TBaoHanLETFAIL01"), restored("TBaoHanLETPEND01")
	const reason = "明文保函无法生成：字段 招标人（zbr） 为空（控制字符、格式字符按空格计）"
	if ok, err := e.svc.Store.DeferPlainLetter(ctx, bad.ID, 1, e.clock.Now().Add(5*time.Second), reason); err != nil || !ok {
		t.Fatalf("DeferPlainLetter: %v %v", ok, err)
	}

	maker := e.browser()
	maker.login("zhangsan", consolePassword)
	all := maker.get("/console/applications")
	wantPage(t, all, http.StatusOK, "出函失败", "letter=failed")
	if !regexp.MustCompile(`class="alert">出函失败<span class="cnt">1</span>`).MatchString(all.body) {
		t.Errorf("the 出函失败 tab does not count 1 letter:\n%s", all.body)
	}
	list := maker.get("/console/applications?letter=failed")
	wantPage(t, list, http.StatusOK, bad.ApplyNo, reason, "已失败 1 次", "下次自动重试 2026-11-27 10:00:05", "重新生成")
	if strings.Contains(list.body, pending.ApplyNo) {
		t.Errorf("a letter still being made is listed under 出函失败")
	}
	wantPage(t, maker.get("/console/applications/"+itoa(bad.ID)), http.StatusOK, "明文保函生成失败", reason, "重新生成明文保函")

	p := maker.post("/console/applications?letter=failed", "/console/applications/"+itoa(bad.ID)+"/letter/retry", url.Values{"back": {"queue"}})
	if p.status != http.StatusSeeOther || !strings.Contains(p.header.Get("Location"), "letter=failed") {
		t.Fatalf("retry: HTTP %d to %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	wantPage(t, maker.get("/console/applications?letter=failed"), http.StatusOK, "待复核")
	wantPage(t, maker.post("/console/applications/"+itoa(bad.ID), "/console/applications/"+itoa(bad.ID)+"/letter/retry", url.Values{}),
		http.StatusConflict, "已有待复核")
	// A letter that has not failed cannot be retried.
	wantPage(t, maker.post("/console/applications/"+itoa(pending.ID), "/console/applications/"+itoa(pending.ID)+"/letter/retry", url.Values{}),
		http.StatusConflict, "尚未失败")

	checkerUI := e.browser()
	checkerUI.login("lisi", consolePassword)
	props := checkerUI.get("/console/proposals")
	wantPage(t, props, http.StatusOK, "重新生成明文保函", "zhangsan")
	id := regexp.MustCompile(`/console/proposals/(\d+)/confirm`).FindStringSubmatch(props.body)
	if id == nil {
		t.Fatalf("no confirmation form:\n%s", props.body)
	}
	if p := checkerUI.post("/console/proposals", "/console/proposals/"+id[1]+"/confirm", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("confirm: HTTP %d\n%s", p.status, p.body)
	}
	got, err := e.svc.Store.GetApplication(ctx, bad.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.PlainPending || got.PlainError != "" || got.PlainAttempts != 0 || !got.PlainNextAt.IsZero() {
		t.Errorf("after the confirmed retry: pending %v, attempts %d, next %v, error %q", got.PlainPending, got.PlainAttempts, got.PlainNextAt, got.PlainError)
	}
	if strings.Contains(maker.get("/console/applications?letter=failed").body, bad.ApplyNo) {
		t.Error("the retried letter is still listed under 出函失败")
	}
}
