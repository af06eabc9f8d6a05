package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
)

// The officer console and the bidder portal in a real browser (Debian's
// chromium, headless) against `baohan serve` on SQLite: the flows officers
// and bidders walk, with screenshots of the main pages.
//
//	go test ./cmd/baohan -run Browser -screenshots /tmp/shots
//
// Without -screenshots (or BAOHAN_TEST_SCREENSHOTS) the screenshots go to a
// temporary directory that the test removes.

var screenshotDir = flag.String("screenshots", "", "where the browser tests write their screenshots (default: a temporary directory; also BAOHAN_TEST_SCREENSHOTS)")

func screenshots(t *testing.T) string {
	t.Helper()
	dir := *screenshotDir
	if dir == "" {
		dir = os.Getenv("BAOHAN_TEST_SCREENSHOTS")
	}
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts a headless Chromium for the test, or skips the test when
// none is installed (.ci/run installs Debian's chromium). The flags keep it
// from reaching out to the network, which hangs it on a closed machine.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" { // CI installs it: never pass there without the browser
			t.Fatal("no chromium installed: .ci/run installs chromium and fonts-noto-cjk")
		}
		t.Skip("no chromium installed: apt-get install chromium fonts-noto-cjk (.ci/run does)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	start, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }() // the first call starts the browser; no timeout on it
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("start chromium: %v", err)
		}
	case <-start.Done():
		t.Fatal("chromium did not start within 60 s")
	}
	return ctx
}

// ui drives one browser tab against the gateway.
type ui struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
}

func (u *ui) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(u.ctx, 30*time.Second)
}

// do runs actions that need no page load.
func (u *ui) do(actions ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := u.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		u.t.Fatalf("browser: %v\n%s", err, u.html())
	}
}

// load runs actions that load a page (a navigation, a form submitted) and
// returns the HTTP status of the page that finally loads.
func (u *ui) load(actions ...chromedp.Action[chromedp.Void]) int64 {
	u.t.Helper()
	ctx, cancel := u.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		u.t.Fatalf("browser: %v", err)
	}
	return resp.Status
}

func (u *ui) open(path string) int64 {
	u.t.Helper()
	return u.load(chromedp.Navigate(u.base + path))
}

// click submits the form of the button sel and waits for the next page.
func (u *ui) click(sel string) int64 {
	u.t.Helper()
	return u.load(chromedp.Click(chromedp.CSS(sel)))
}

func (u *ui) fill(sel, value string) {
	u.t.Helper()
	u.do(chromedp.SetValue(chromedp.CSS(sel), value))
}

func (u *ui) text(sel string) string {
	u.t.Helper()
	ctx, cancel := u.step()
	defer cancel()
	var (
		s   string
		err error
	)
	// Right after a navigation the browser may still swap the document the
	// node was found in ("No node with given id found"): look again.
	for try := 0; try < 3; try++ {
		if s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel))); err == nil || !strings.Contains(err.Error(), "No node with given id") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		u.t.Fatalf("text of %s: %v\n%s", sel, err, u.html())
	}
	return s
}

func (u *ui) html() string {
	ctx, cancel := context.WithTimeout(u.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
	return s
}

func (u *ui) location() string {
	u.t.Helper()
	ctx, cancel := u.step()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		u.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, u.base)
}

// wantText fails the test unless the element sel shows every text.
func (u *ui) wantText(sel string, texts ...string) {
	u.t.Helper()
	got := u.text(sel)
	for _, s := range texts {
		if !strings.Contains(got, s) {
			u.t.Fatalf("%s on %s shows %q, want %q", sel, u.location(), got, s)
		}
	}
}

func (u *ui) shot(name string) {
	u.t.Helper()
	ctx, cancel := u.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		u.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(u.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.t.Logf("screenshot %s", path)
}

func (u *ui) login(username, password string) {
	u.t.Helper()
	u.open("/console/login")
	u.fill(`input[name=username]`, username)
	u.fill(`input[name=password]`, password)
	u.click("#login-submit")
	if loc := u.location(); strings.HasPrefix(loc, "/console/login") {
		u.t.Fatalf("login as %s failed:\n%s", username, u.text("body"))
	}
}

func (u *ui) logout() {
	u.t.Helper()
	u.click(`.topbar form button`)
	if loc := u.location(); !strings.HasPrefix(loc, "/console/login") {
		u.t.Fatalf("after logout at %s", loc)
	}
}

// appPath finds the console page of an application in the queue.
func (u *ui) appPath(applyNo string) string {
	u.t.Helper()
	u.open("/console/applications?q=" + applyNo)
	ctx, cancel := u.step()
	defer cancel()
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`[...document.querySelectorAll("#queue a")].find(a => a.textContent.trim() === %q).getAttribute("href")`, applyNo)))
	if err != nil {
		u.t.Fatalf("%s in the queue: %v", applyNo, err)
	}
	return href
}

// flash is the success message of the page after a form.
func (u *ui) flash(want string) {
	u.t.Helper()
	u.wantText(".flash.ok", want)
}

// validCode is a credit code with a right check character: an application
// carrying it has no flag.
func validCode(t *testing.T) string {
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if code := "91220101MA17XWY12" + string(c); service.CheckCreditCode(code) == nil {
			return code
		}
	}
	t.Fatal("no check character fits")
	return ""
}

// consoleGateway starts `baohan serve` with a checker threshold of 50,000
// yuan and returns it and its configuration file.
func consoleGateway(t *testing.T, notifyURL string) (*gateway, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := writeFile(t, "baohan.yaml", fmt.Sprintf(`
listen: 127.0.0.1:0
public_url: http://gateway.test
data_dir: %s
database:
  driver: sqlite
  dsn: %q
platforms:
  - name: 吉林省公共资源交易一体化平台
    appkey: %s
    appsecret: %s
    notify_url: %s
api:
  tokens: [%s]
institution:
  name: 吉林测试银行股份有限公司
  kind: bank
  code: JLBH
console:
  checker_threshold: "50000.00"
`, dir, filepath.Join(dir, "baohan.db"), serveAppKey, serveAppSecret, notifyURL, serveToken))
	log := &servicetest.Log{}
	addr, stop := startServe(t, []string{"--config", cfg}, log)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &gateway{t: t, base: "http://" + addr, log: log}, cfg
}

// received waits until the fake platform got iface for applyNo and returns
// its fields.
func (f *fakePlatform) waitFor(t *testing.T, iface, applyNo string) map[string]string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		f.mu.Lock()
		for _, p := range f.received {
			if strings.HasSuffix(p["_path"], "/"+iface) && (p["applyno"] == applyNo || applyNo == "") {
				f.mu.Unlock()
				return p
			}
		}
		f.mu.Unlock()
	}
	t.Fatalf("the platform did not receive %s for %s within 20 s", iface, applyNo)
	return nil
}

func TestBrowserConsoleAndPortal(t *testing.T) {
	ctx := newBrowser(t)
	fp := newFakePlatform(t)
	g, cfg := consoleGateway(t, fp.URL+"/gbsapi")
	u := &ui{t: t, ctx: ctx, base: g.base, shots: screenshots(t)}

	// The first start printed the administrator's password to the log.
	m := regexp.MustCompile(`FIRST START.* username=admin password=(\S+)`).FindStringSubmatch(g.log.String())
	if m == nil {
		t.Fatalf("no first-start administrator in the log:\n%s", g.log)
	}
	adminPassword := m[1]
	if strings.Count(g.log.String(), adminPassword) != 1 {
		t.Fatal("the administrator's password is in the log more than once")
	}

	// Officers made on the command line; the password comes on stdin.
	const pw = "Passw0rd-2026"
	for _, o := range []struct{ user, role, name string }{
		{"zhangsan", "maker", "张三"}, {"lisi", "checker", "李四"}, {"wangwu", "复核", "王五"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"officer", "add", "--config", cfg, "--username", o.user, "--role", o.role, "--name", o.name},
			nil, strings.NewReader(pw+"\n"), &out, &errOut)
		if err != nil || !strings.Contains(out.String(), "created officer "+o.user) {
			t.Fatalf("officer add %s: %v\n%s%s", o.user, err, out.String(), errOut.String())
		}
	}

	// Four applications from the platform.
	code := validCode(t)
	portalURL := map[string]string{}
	for _, a := range []struct{ no, amount string }{
		{"TBaoHanWEB2026112700000001", "20000.00"}, {"TBaoHanWEB2026112700000002", "80000.00"},
		{"TBaoHanWEB2026112700000003", "30000.00"}, {"TBaoHanWEB2026112700000004", "45000.00"},
	} {
		f := applyFields(a.no)
		f["bzjamount"], f["biddercode"] = a.amount, code
		r := g.call("baohanapply", f)
		if r.Code != 1 {
			t.Fatalf("baohanapply %s: %+v", a.no, r)
		}
		portalURL[a.no] = strings.Replace(r.Data["redirecturl"], "http://gateway.test", "", 1)
	}
	a1, a2, a3, a4 := "TBaoHanWEB2026112700000001", "TBaoHanWEB2026112700000002", "TBaoHanWEB2026112700000003", "TBaoHanWEB2026112700000004"

	// Not logged in: the login page. A wrong password is refused.
	u.open("/console/applications")
	if loc := u.location(); !strings.HasPrefix(loc, "/console/login?next=") {
		t.Fatalf("without a session: at %s", loc)
	}
	u.fill(`input[name=username]`, "zhangsan")
	u.fill(`input[name=password]`, "not-the-password-1")
	if st := u.click("#login-submit"); st != 403 {
		t.Errorf("wrong password: HTTP %d", st)
	}
	u.wantText("#login-error", "用户名或密码错误")
	u.shot("login")

	// The administrator's first login asks for a new password.
	u.login("admin", adminPassword)
	if loc := u.location(); loc != "/console/account" {
		t.Fatalf("first login of the administrator lands on %s", loc)
	}
	u.fill(`input[name=current]`, adminPassword)
	u.fill(`input[name=new]`, "Chief-Passw0rd-2026")
	u.fill(`input[name=confirm]`, "Chief-Passw0rd-2026")
	u.click("#change-password")
	u.flash("密码已修改")
	u.open("/console/officers")
	u.wantText("#officers", "zhangsan", "lisi", "wangwu", "经办", "复核")
	u.shot("officers")
	u.logout()

	// The maker: the queue, an approval below the threshold, one above it,
	// a rejection (first without its reason).
	u.login("zhangsan", pw)
	u.open("/console/applications")
	u.wantText("#queue", a1, a2, a3, a4, "¥80,000.00", "待审核")
	u.shot("queue")

	p1 := u.appPath(a1)
	u.open(p1)
	u.wantText("#act-approve", "立即出具")
	u.fill(`#act-approve input[name=payeraccount]`, "22050161000800000123")
	u.click("#approve")
	u.flash("审批通过")
	u.wantText(".pagehead", "已出函")

	p2 := u.appPath(a2)
	u.open(p2)
	u.wantText("#act-approve", "须复核", "复核金额阈值")
	u.fill(`#act-approve input[name=payeraccount]`, "22050161000800000456")
	u.click("#approve")
	u.flash("已提交复核")
	u.wantText(".pagehead", "待审核")
	u.wantText("#actions", "待复核", "复核金额阈值", "撤回提议")
	u.shot("application-proposed")

	p3 := u.appPath(a3)
	u.open(p3)
	if st := u.click("#reject"); st != 400 {
		t.Errorf("reject without a reason: HTTP %d", st)
	}
	u.wantText("#act-reject .ferr", "请填写拒绝理由")
	u.fill(`#act-reject textarea[name=reason]`, "投标人资质不符合要求")
	u.click("#reject")
	u.flash("已拒绝该申请")

	// A POST without the CSRF token is refused, even with the session.
	p4 := u.appPath(a4)
	ctxStep, cancel := u.step()
	status, err := chromedp.Run(ctxStep, chromedp.Evaluate[int](fmt.Sprintf(
		`fetch(%q, {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "reason=x"}).then(r => r.status)`,
		p4+"/reject"), chromedp.EvalAwaitPromise))
	cancel()
	if err != nil || status != 403 {
		t.Fatalf("POST without the CSRF token: HTTP %d, %v", status, err)
	}
	u.logout()

	// The checker confirms the maker's proposal.
	u.login("lisi", pw)
	u.open("/console/proposals")
	u.wantText("#proposals", a2, "审批出函", "zhangsan")
	u.click(`#proposals button.okay`)
	u.flash("已复核确认")

	// The notices reach the (fake) platform.
	if f := fp.waitFor(t, "baohannotice", a1); f["applystatus"] != "1" || f["payeraccount"] != "22050161000800000123" {
		t.Errorf("baohannotice of %s: %v", a1, f)
	}
	n2 := fp.waitFor(t, "baohannotice", a2)
	if f := fp.waitFor(t, "baohannotice", a3); f["applystatus"] != "0" {
		t.Errorf("baohannotice of %s: %v", a3, f)
	}
	u.open(p1)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(u.text("#notices"), "已送达"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the notice is not shown delivered: %s", u.text("#notices"))
		}
		u.open(p1)
	}
	u.wantText("#timeline", "审批出函", "发送出函通知（4.2） · 第 1 次", "code 1")

	// A withdrawal (4.7) on the first, decided by the checker.
	_, app1 := g.admin("GET", "/admin/api/applications/"+a1, nil)
	if r := g.call("quitapply", map[string]string{"platformcode": "A3205650121", "applyno": a1, "baohanno": str(app1, "baohanno"), "reason": "项目终止"}); r.Code != 1 {
		t.Fatalf("quitapply: %+v", r)
	}
	u.open(p1)
	u.wantText("#act-quit", "项目终止")
	u.click("#decide-quit")
	u.flash("已同意退保")
	u.wantText(".pagehead", "已退保")
	if f := fp.waitFor(t, "quitnotice", a1); f["applystatus"] != "1" || f["tuibaotime"] == "" {
		t.Errorf("quitnotice: %v", f)
	}

	// A claim (4.10) on the second: the checker proposes the payment, may
	// not confirm it, and another checker does.
	if r := g.call("claimsnotice", map[string]string{"platformcode": "A3205650121", "applyno": a2, "baohanno": n2["baohanno"],
		"payeramount": "80000.00", "applyusername": "招标代理 赵六", "applyuserphone": "13900000000", "Reason": "中标后拒签合同"}); r.Code != 1 {
		t.Fatalf("claimsnotice: %+v", r)
	}
	u.open(p2)
	u.wantText(".pagehead", "理赔中")
	u.fill(`[id^=act-pay-] input[name=payment_ref]`, "CMB20261127-0001")
	u.click(`[id^=act-pay-] button`)
	u.flash("已提交复核")
	// The proposer is offered no confirmation; a forged one is refused.
	u.wantText("#actions", "撤回提议", "须另一位复核岗确认")
	ctxStep, cancel = u.step()
	status, err = chromedp.Run(ctxStep, chromedp.Evaluate[int](`(() => {
		const f = document.querySelector('#actions form[action$="/decline"]');
		const body = new URLSearchParams({csrf_token: f.querySelector("input[name=csrf_token]").value});
		return fetch(f.getAttribute("action").replace(/decline$/, "confirm"), {method: "POST", body}).then(r => r.status);
	})()`, chromedp.EvalAwaitPromise))
	cancel()
	if err != nil || status != 403 {
		t.Fatalf("confirming one's own proposal: HTTP %d, %v", status, err)
	}
	u.logout()

	u.login("wangwu", pw)
	u.open(p2)
	u.click(`[id^=confirm-]`)
	u.flash("已复核确认")
	u.wantText(".pagehead", "已赔付")
	u.wantText("#timeline", "收到理赔", "提交复核", "复核确认", "理赔赔付", "lisi", "wangwu")
	u.shot("application")

	u.open("/console/dashboard")
	u.wantText(".kpis", "今日收到申请", "4")
	u.wantText("#signing-panel", "电子签名", "开发测试证书", "ECDSA P-256 / SHA-256", "认证签名", "未配置")
	u.shot("dashboard")
	u.open("/console/notices")
	u.wantText("#notices", "出函通知（4.2）", "已送达")
	u.shot("notices")
	u.open("/console/audit")
	u.wantText("#audit", "复核确认", "wangwu")
	u.shot("audit")
	u.open("/console/settings")
	u.wantText("#settings-form", "只有管理员可以修改")
	u.wantText("#signing-panel", "第一签名", "剩余")
	u.shot("settings")
	u.logout()

	// The bidder, from the platform's redirecturl.
	u.open(portalURL[a4])
	u.wantText("body", "吉林省昇喆建筑工程有限公司", "¥45,000.00", "密封")
	u.fill(`input[name=payername]`, "吉林省某某贸易有限公司")
	u.fill(`input[name=payeraccount]`, "22050161000800000789")
	u.do(chromedp.Click(chromedp.CSS(`input[name=accept]`)))
	if st := u.click("#portal-submit"); st != 400 {
		t.Errorf("another payer: HTTP %d", st)
	}
	u.wantText("#portal-error", "基本户")
	u.fill(`input[name=payername]`, "吉林省昇喆建筑工程有限公司")
	u.fill(`input[name=invoiceemail]`, "caiwu@example.com")
	u.click("#portal-submit")
	u.flash("已提交")
	u.shot("portal")
	_, app4 := g.admin("GET", "/admin/api/applications/"+a4, nil)
	if str(app4, "payeraccount") != "22050161000800000789" {
		t.Errorf("payer account after the portal: %v", app4["payeraccount"])
	}
	if strings.Contains(g.log.String(), strings.TrimPrefix(portalURL[a4], "/portal/")) {
		t.Error("the log shows a portal token")
	}
}
