package handler_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/service"
)

// answeringCaller is a platform that answers giveupapply with its next
// answer, recording what was sent.
type answeringCaller struct {
	answers []struct {
		ok  bool
		msg string
	}
	sent []string
}

func (c *answeringCaller) Call(_ context.Context, _, iface string, fields map[string]string) (bool, string, error) {
	c.sent = append(c.sent, iface+" "+fields["applyno"])
	a := c.answers[0]
	c.answers = c.answers[1:]
	return a.ok, a.msg, nil
}

// TestApplicationPageShowsOurGiveUpBesideTheNotices: an application we gave
// up (§4.12) has no notice, yet its page shows our giveupapply, refused
// then accepted, each with the platform's answer, where the notices are,
// instead of 尚无通知.
func TestApplicationPageShowsOurGiveUpBesideTheNotices(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	e.officer("zhangsan", service.RoleMaker)
	caller := &answeringCaller{answers: []struct {
		ok  bool
		msg string
	}{{false, "该申请已缴费，不能放弃"}, {true, "成功"}}}
	e.svc.Caller = caller
	a := e.apply("TBaoHanGIVEUP0001")
	maker := e.browser()
	maker.login("zhangsan", consolePassword)
	path := "/console/applications/" + itoa(a.ID)

	wantPage(t, noticesSection(t, maker.get(path)), http.StatusOK, "尚无通知")

	wantPage(t, maker.post(path, path+"/abandon", url.Values{"reason": {"投标人电话要求放弃"}}), http.StatusConflict, "该申请已缴费")
	p := maker.post(path, path+"/abandon", url.Values{"reason": {"投标人书面申请放弃"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("abandon: HTTP %d\n%s", p.status, p.body)
	}
	if len(caller.sent) != 2 || caller.sent[0] != "giveupapply TBaoHanGIVEUP0001" {
		t.Fatalf("sent %q", caller.sent)
	}

	notices := noticesSection(t, maker.get(path))
	wantPage(t, notices, http.StatusOK,
		"放弃申请（4.12）", "我方发起", "zhangsan",
		"交易平台拒绝", "code 0：该申请已缴费，不能放弃", "放弃原因：投标人电话要求放弃",
		"交易平台已同意", "code 1：同意放弃", "放弃原因：投标人书面申请放弃", "应答 ")
	if strings.Contains(notices.body, "尚无通知") {
		t.Errorf("the notices section of a given-up application still says 尚无通知:\n%s", notices.body)
	}
	if r, a := strings.Index(notices.body, "交易平台拒绝"), strings.Index(notices.body, "交易平台已同意"); r > a {
		t.Errorf("the refusal is listed after the acceptance: oldest first wanted")
	}
}

// noticesSection is the notices table of an application page.
func noticesSection(t *testing.T, p page) page {
	t.Helper()
	i := strings.Index(p.body, `id="notices"`)
	if i < 0 {
		t.Fatalf("HTTP %d: no notices section\n%s", p.status, p.body)
	}
	body := p.body[i:]
	if j := strings.Index(body, "</table>"); j >= 0 {
		body = body[:j]
	}
	return page{status: p.status, header: p.header, body: body}
}
