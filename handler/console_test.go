package handler_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store/storetest"
)

// consoleEnv is the console and portal on a real service and SQLite store.
type consoleEnv struct {
	t      *testing.T
	engine *gin.Engine
	srv    *httptest.Server
	svc    *service.Service
	log    *servicetest.Log
	clock  *servicetest.Clock
}

const consolePassword = "Passw0rd-2026"

func newConsoleEnv(t *testing.T, publicURL string) *consoleEnv {
	t.Helper()
	e := &consoleEnv{t: t, log: &servicetest.Log{}, clock: servicetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))}
	logger := slog.New(slog.NewTextHandler(e.log, nil))
	e.svc = service.New(service.Config{
		Store: storetest.SQLite(t), Renderer: &servicetest.Letters{}, Log: logger,
		Now:          e.clock.Now,
		Institution:  service.Institution{Name: "吉林测试银行股份有限公司", Kind: service.KindBank, Code: "JL"},
		Underwriting: service.DefaultUnderwriting(),
		Platforms:    []service.PlatformInfo{{AppKey: appKey, Name: "测试平台"}},
		PublicURL:    publicURL,
	})
	ctx := context.Background()
	secret, err := e.svc.Setup.ConsoleSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.engine = handler.NewEngine(logger)
	handler.RegisterAssets(e.engine)
	(&handler.Console{Accounts: e.svc.Officers, Cases: e.svc.Views, Decisions: e.svc.Guarantees, Proposals: e.svc.Proposals, Setup: e.svc.Setup, Log: logger, Secret: secret, PublicURL: publicURL, Institution: "吉林测试银行股份有限公司",
		Platforms: []service.PlatformInfo{{AppKey: appKey, Name: "测试平台"}}, Now: e.clock.Now}).Register(e.engine)
	(&handler.Portal{Bidders: e.svc.Public, Cases: e.svc.Views, Log: logger, Secret: secret, PublicURL: publicURL, Institution: "吉林测试银行股份有限公司"}).Register(e.engine)
	e.srv = httptest.NewServer(e.engine)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *consoleEnv) officer(username, role string) {
	e.t.Helper()
	if _, err := e.svc.Officers.CreateOfficer(context.Background(), service.SystemActor(),
		service.NewOfficer{Username: username, Role: role, Password: consolePassword}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *consoleEnv) apply(applyNo string) *service.Application {
	e.t.Helper()
	ctx := context.Background()
	_, err := e.svc.Guarantees.Apply(ctx, service.ApplyRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: applyNo},
		BidderName: "吉林省昇喆建筑工程有限公司", BidderCode: "91220101MA17XWY12K", BzjAmount: "20000.00",
		BiaoduanNo: "3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=", BiaoduanName: "zdxk51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo=",
		Zbr: "/kdDw4lH0u4TMTRNEV8iHhDgpdGZbpy2OLrBtexp0d4="})
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.svc.Views.FindApplication(ctx, appKey, applyNo)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	origin string // the Origin header of POSTs, as a browser sends it
}

func (e *consoleEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.srv.URL, origin: e.srv.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost && b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func (b *browser) get(path string) page { b.t.Helper(); return b.do(http.MethodGet, path, nil) }

var tokenField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the form on the page at path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	p := b.get(path)
	m := tokenField.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("GET %s: no CSRF field (HTTP %d)\n%s", path, p.status, p.body)
	}
	return html.UnescapeString(m[1])
}

// post submits form to path with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) page {
	b.t.Helper()
	form.Set("csrf_token", b.csrf(from))
	return b.do(http.MethodPost, path, form)
}

func (b *browser) login(username, password string) page {
	b.t.Helper()
	return b.post("/console/login", "/console/login", url.Values{"username": {username}, "password": {password}})
}

func wantPage(t *testing.T, p page, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("HTTP %d, want %d\n%s", p.status, status, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page does not show %q:\n%s", s, p.body)
		}
	}
}

func TestConsoleRoutesNeedSession(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	b := e.browser()
	var n int
	for _, r := range e.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/console") || strings.HasPrefix(r.Path, "/console/login") {
			continue
		}
		n++
		path := regexp.MustCompile(`:[a-z]+`).ReplaceAllString(r.Path, "1")
		p := b.do(r.Method, path, url.Values{})
		if loc := p.header.Get("Location"); p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/login") {
			t.Errorf("%s %s without a session: HTTP %d to %q, want 303 to the login page", r.Method, path, p.status, loc)
		}
	}
	if n < 25 {
		t.Fatalf("only %d console routes enumerated", n)
	}
	// After login, the page asked for first.
	e.officer("zhangsan", service.RoleMaker)
	p := b.get("/console/applications?state=received")
	next := p.header.Get("Location")
	u, _ := url.Parse(next)
	p = b.post(next, "/console/login", url.Values{"username": {"zhangsan"}, "password": {consolePassword}, "next": {u.Query().Get("next")}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/applications?state=received" {
		t.Fatalf("login: HTTP %d to %q", p.status, p.header.Get("Location"))
	}
	// Never elsewhere.
	b = e.browser()
	p = b.post("/console/login", "/console/login", url.Values{"username": {"zhangsan"}, "password": {consolePassword}, "next": {"//evil.example.com/"}})
	if p.header.Get("Location") != "/console/dashboard" {
		t.Fatalf("login with an outside next: to %q", p.header.Get("Location"))
	}
}

func TestConsoleLoginAndCSRF(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	e.officer("zhangsan", service.RoleMaker)
	b := e.browser()

	wantPage(t, b.login("zhangsan", "wrong-password-9"), http.StatusForbidden, "用户名或密码错误")
	wantPage(t, b.login("", "x"), http.StatusBadRequest, "请输入用户名")
	// A login form without its token.
	p := b.do(http.MethodPost, "/console/login", url.Values{"username": {"zhangsan"}, "password": {consolePassword}})
	wantPage(t, p, http.StatusForbidden, "CSRF")

	p = b.login("zhangsan", consolePassword)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/dashboard" {
		t.Fatalf("login: HTTP %d to %q", p.status, p.header.Get("Location"))
	}
	cookie := p.header.Get("Set-Cookie")
	for _, attr := range []string{"baohan_session=", "Path=/console", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie over plain HTTP is Secure: %q", cookie)
	}
	p = b.get("/console/dashboard")
	wantPage(t, p, http.StatusOK, "工作台", "zhangsan", "近 30 天业务量")
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if p.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", p.header.Get("Cache-Control"))
	}

	a := e.apply("TBaoHanCSRF0001")
	path := "/console/applications/" + itoa(a.ID)
	// A state-changing POST without the token, and one from another site.
	p = b.do(http.MethodPost, path+"/reject", url.Values{"reason": {"资料不全"}})
	wantPage(t, p, http.StatusForbidden, "CSRF")
	cross := *b
	cross.origin = "http://evil.example.com"
	wantPage(t, cross.post(path, path+"/reject", url.Values{"reason": {"资料不全"}}), http.StatusForbidden, "CSRF")
	if got, _ := e.svc.Views.FindApplication(context.Background(), appKey, a.ApplyNo); got.State != service.StateReceived {
		t.Fatalf("a refused POST changed the state to %s", got.State)
	}
	// Bad input: the page again, with the field and the rule.
	wantPage(t, b.post(path, path+"/reject", url.Values{"reason": {" "}}), http.StatusBadRequest, "请填写拒绝理由")
	wantPage(t, b.post(path, path+"/approve", url.Values{"payername": {"别的公司"}, "payeraccount": {"6222"}}),
		http.StatusBadRequest, "基本户", `value="别的公司"`)
	p = b.post(path, path+"/reject", url.Values{"reason": {"资料不全"}})
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.header.Get("Location"), "done=rejected") {
		t.Fatalf("reject: HTTP %d to %q", p.status, p.header.Get("Location"))
	}
	wantPage(t, b.get(p.header.Get("Location")), http.StatusOK, "已拒绝该申请", "资料不全", "已拒绝")

	wantPage(t, b.get("/console/applications?from=2026-13-01"), http.StatusBadRequest, "起始日期「2026-13-01」格式错误")
	wantPage(t, b.get("/console/applications/999999"), http.StatusNotFound, "未找到")

	// An idle session ends.
	e.clock.Advance(31 * time.Minute)
	if p := b.get("/console/dashboard"); p.status != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: HTTP %d", p.status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestConsoleRolesAndThrottle(t *testing.T) {
	e := newConsoleEnv(t, "https://gateway.test")
	e.officer("zhaoliu", service.RoleAuditor)
	b := e.browser()
	b.origin = "https://gateway.test" // the site's own origin behind a TLS proxy
	p := b.login("zhaoliu", consolePassword)
	if p.status != http.StatusSeeOther {
		t.Fatalf("login: HTTP %d\n%s", p.status, p.body)
	}
	if c := p.header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("session cookie behind https is not Secure: %q", c)
	}
	a := e.apply("TBaoHanROLE0001")
	path := "/console/applications/" + itoa(a.ID)
	wantPage(t, b.post(path, path+"/reject", url.Values{"reason": {"x"}}), http.StatusForbidden, "无权")
	wantPage(t, b.get(path), http.StatusOK, "只能查看")
	p = b.get("/console/audit.csv?action=login")
	if p.status != http.StatusOK || !strings.HasPrefix(p.body, "\ufeff时间") || !strings.Contains(p.body, "zhaoliu") ||
		!strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("audit CSV: HTTP %d %q\n%s", p.status, p.header.Get("Content-Type"), p.body)
	}

	// Ten failures from one address, then a pause even for the right password.
	other := e.browser()
	other.origin = "https://gateway.test"
	for i := 0; i < 10; i++ {
		other.login("nobody", "wrong-password-9")
	}
	wantPage(t, other.login("zhaoliu", consolePassword), http.StatusTooManyRequests, "登录失败次数过多")
}

func TestPortalPage(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	a := e.apply("TBaoHanPORTAL001")
	b := e.browser()
	path := "/portal/" + a.PortalToken
	p := b.get(path)
	wantPage(t, p, http.StatusOK, "吉林省昇喆建筑工程有限公司", "¥20,000.00", "¥100.00", "密封", "基本户")
	if !strings.Contains(html.UnescapeString(p.body), "3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=") {
		t.Error("the portal does not show the sealed ciphertext")
	}
	wantPage(t, b.post(path, path, url.Values{"payername": {"别的公司"}, "payeraccount": {"22050161000800000123"}, "accept": {"1"}}),
		http.StatusBadRequest, "基本户", `value="22050161000800000123"`)
	wantPage(t, b.post(path, path, url.Values{"payername": {"吉林省昇喆建筑工程有限公司"}, "payeraccount": {"22050161000800000123"}}),
		http.StatusBadRequest, "请阅读并同意")
	wantPage(t, b.do(http.MethodPost, path, url.Values{"payername": {"吉林省昇喆建筑工程有限公司"}}), http.StatusForbidden, "表单已失效")
	p = b.post(path, path, url.Values{"payername": {"吉林省昇喆建筑工程有限公司"}, "payeraccount": {"22050161000800000123"},
		"invoiceemail": {"cw@example.com"}, "accept": {"1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("submit: HTTP %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(p.header.Get("Location")), http.StatusOK, "已提交", "已确认")
	got, _ := e.svc.Views.FindApplication(context.Background(), appKey, a.ApplyNo)
	if got.PayerAccount != "22050161000800000123" || got.InvoiceEmail != "cw@example.com" {
		t.Fatalf("after the portal: %q %q", got.PayerAccount, got.InvoiceEmail)
	}
	wantPage(t, b.get("/portal/"+strings.Repeat("A", 43)), http.StatusNotFound, "链接无效")
	e.clock.Advance(91 * 24 * time.Hour)
	wantPage(t, b.get(path), http.StatusForbidden, "链接已过期")
	if strings.Contains(e.log.String(), a.PortalToken) {
		t.Error("the log shows a portal token")
	}
}

func TestAssets(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	b := e.browser()
	p := b.get("/console/login")
	m := regexp.MustCompile(`href="(/assets/console\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no stylesheet link:\n%s", p.body)
	}
	css := b.get(html.UnescapeString(m[1]))
	if css.status != http.StatusOK || !strings.Contains(css.header.Get("Content-Type"), "text/css") || !strings.Contains(css.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("stylesheet: HTTP %d %v", css.status, css.header)
	}
	if strings.Contains(css.body, "http://") || strings.Contains(css.body, "https://") || strings.Contains(css.body, "@import") {
		t.Error("the stylesheet loads something from outside")
	}
	if p := b.get("/assets/"); p.status != http.StatusNotFound {
		t.Errorf("asset listing: HTTP %d", p.status)
	}
}

// multipart posts a form with a file, as the invoice form does.
func (b *browser) multipart(from, path string, fields map[string]string, file string, data []byte) page {
	b.t.Helper()
	var buf strings.Builder
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf_token", b.csrf(from))
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if file != "" {
		fw, _ := w.CreateFormFile(file, "invoice.pdf")
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(buf.String()))
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", b.origin)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func TestConsoleInvoiceAndResend(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	e.officer("zhangsan", service.RoleMaker)
	e.officer("lisi", service.RoleChecker)
	ctx := context.Background()
	a := e.apply("TBaoHanINV00001")
	checker := service.Actor{Kind: service.ActorOfficer, Name: "lisi", Role: service.RoleChecker}
	a, err := e.svc.Guarantees.Approve(ctx, checker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Guarantees.Restore(ctx, service.RestoreRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo},
		BaohanNo: a.BaohanNo, KaibiaoTime: "2026-11-27 09:30:00", Key: "eyF5xYB3evZe2Ge+svjKAQ=="}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Guarantees.Invoice(ctx, service.InvoiceRequest{Origin: service.Origin{Platform: appKey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo},
		BaohanNo: a.BaohanNo, BidderName: a.BidderName, BidderCode: a.BidderCode, Amount: a.Premium.String(), Type: "0"}); err != nil {
		t.Fatal(err)
	}
	maker := e.browser()
	maker.login("zhangsan", consolePassword)
	path := "/console/applications/" + itoa(a.ID)
	wantPage(t, maker.get(path), http.StatusOK, "开具发票", "已解密", "针织服饰有限公司")
	wantPage(t, maker.multipart(path, path+"/invoice", map[string]string{"invoicecode": "022001900111", "invoiceno": "12345678"},
		"pdf", []byte("not a pdf")), http.StatusBadRequest, "不是 PDF", `value="12345678"`)
	wantPage(t, maker.multipart(path, path+"/invoice", map[string]string{"invoicecode": "022001900111"}, "", nil),
		http.StatusBadRequest, "请填写发票号码")
	p := maker.multipart(path, path+"/invoice", map[string]string{"invoicecode": "022001900111", "invoiceno": "12345678"},
		"pdf", []byte("%PDF-1.4 invoice"))
	if p.status != http.StatusSeeOther {
		t.Fatalf("issue invoice: HTTP %d\n%s", p.status, p.body)
	}
	wantPage(t, maker.get(path), http.StatusOK, "发票-12345678.pdf", "已开具")

	// A failed notice: the maker asks for a resend, a checker confirms it.
	notices, err := e.svc.Store.ListNotices(ctx, a.ID)
	if err != nil || len(notices) == 0 {
		t.Fatal(notices, err)
	}
	n := notices[0]
	n.Status, n.LastError = service.NoticeFailed, "dial tcp: connection refused"
	if err := e.svc.Store.UpdateNotice(ctx, n); err != nil {
		t.Fatal(err)
	}
	wantPage(t, maker.get("/console/notices?status=failed"), http.StatusOK, "发送失败", "重新发送", "connection refused")
	p = maker.post("/console/notices", "/console/notices/"+itoa(n.ID)+"/resend", url.Values{})
	if p.status != http.StatusSeeOther {
		t.Fatalf("resend: HTTP %d\n%s", p.status, p.body)
	}
	wantPage(t, maker.get("/console/notices?status=failed"), http.StatusOK, "重发待复核")
	wantPage(t, maker.post("/console/notices", "/console/notices/"+itoa(n.ID)+"/resend", url.Values{}), http.StatusConflict, "已有待复核")
	checkerUI := e.browser()
	checkerUI.login("lisi", consolePassword)
	list := checkerUI.get("/console/proposals")
	wantPage(t, list, http.StatusOK, "重新发送通知", "zhangsan")
	id := regexp.MustCompile(`/console/proposals/(\d+)/confirm`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatalf("no confirmation form:\n%s", list.body)
	}
	if p := checkerUI.post("/console/proposals", "/console/proposals/"+id[1]+"/confirm", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("confirm: HTTP %d\n%s", p.status, p.body)
	}
	if got, _ := e.svc.Store.GetNotice(ctx, n.ID); got.Status != service.NoticePending {
		t.Fatalf("notice after the confirmed resend: %s", got.Status)
	}
}
