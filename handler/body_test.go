package handler_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

// raw sends body to path with the browser's cookies and Origin; length -1
// sends it chunked.
func (b *browser) raw(path, contentType string, body io.Reader, length int64) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.ContentLength = length
	if length < 0 {
		req.TransferEncoding = []string{"chunked"}
	}
	req.Header.Set("Content-Type", contentType)
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(out)}
}

// newJarWith is a cookie jar holding only the named cookies of b's.
func newJarWith(b *browser, names ...string) (*cookiejar.Jar, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(b.base + "/console/")
	for _, c := range b.client.Jar.Cookies(u) {
		if slices.Contains(names, c.Name) {
			jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
		}
	}
	return jar, nil
}

// zeros is an endless body that counts what was read of it.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

// uploadForm is a multipart body: the fields in order, then the file.
func uploadForm(fields [][2]string, fileField string, data []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	if fileField != "" {
		fw, _ := w.CreateFormFile(fileField, "file.pdf")
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}

func TestFormsBounded(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	e.officer("zhangsan", service.RoleMaker)
	b := e.browser()
	big := url.Values{"username": {"zhangsan"}, "password": {consolePassword}, "csrf_token": {b.csrf("/console/login")},
		"padding": {strings.Repeat("x", 70<<10)}}.Encode()
	const form = "application/x-www-form-urlencoded"
	wantPage(t, b.raw("/console/login", form, strings.NewReader(big), int64(len(big))), http.StatusRequestEntityTooLarge, "提交的表单过大：不得超过 64 KB")
	wantPage(t, b.raw("/console/login", form, strings.NewReader(big), -1), http.StatusRequestEntityTooLarge, "提交的表单过大")
	body, ctype := uploadForm([][2]string{{"csrf_token", b.csrf("/console/login")}, {"username", "zhangsan"}, {"password", consolePassword}}, "", nil)
	wantPage(t, b.raw("/console/login", ctype, body, int64(body.Len())), http.StatusUnsupportedMediaType, "表单编码不受支持")
	if p := b.get("/console/dashboard"); p.status != http.StatusSeeOther {
		t.Fatalf("a refused login logged in: HTTP %d", p.status)
	}

	// Logged in: an oversized form changes nothing.
	b.login("zhangsan", consolePassword)
	a := e.apply("TBaoHanBODY00001")
	path := "/console/applications/" + itoa(a.ID)
	big = url.Values{"csrf_token": {b.csrf(path)}, "reason": {strings.Repeat("资料不全", 10<<10)}}.Encode()
	wantPage(t, b.raw(path+"/reject", form, strings.NewReader(big), int64(len(big))), http.StatusRequestEntityTooLarge, "不得超过 64 KB")
	if got, _ := e.svc.Views.FindApplication(context.Background(), appKey, a.ApplyNo); got.State != service.StateReceived {
		t.Fatalf("an oversized form changed the state to %s", got.State)
	}

	// The portal likewise.
	portal := strings.TrimPrefix(e.svc.Views.PortalURL(a), "http://gateway.test")
	big = url.Values{"csrf_token": {b.csrf(portal)}, "payername": {strings.Repeat("x", 70<<10)}}.Encode()
	wantPage(t, b.raw(portal, form, strings.NewReader(big), int64(len(big))), http.StatusRequestEntityTooLarge, "不得超过 64 KB")
	wantPage(t, b.raw(portal, "multipart/form-data; boundary=x", strings.NewReader("--x--\r\n"), 7), http.StatusUnsupportedMediaType, "表单编码不受支持")
}

func TestCSRFToken(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	e.officer("zhangsan", service.RoleMaker)
	e.officer("lisi", service.RoleMaker)
	a := e.apply("TBaoHanCSRF0002")
	path := "/console/applications/" + itoa(a.ID)
	one, two := e.browser(), e.browser()
	one.login("zhangsan", consolePassword)
	two.login("lisi", consolePassword)
	tokenOne := one.csrf(path)
	if tokenOne == one.csrf(path) {
		t.Fatal("two pages carry the same token bytes (BREACH)")
	}
	// Any page's token of a session serves that session.
	if p := one.post("/console/dashboard", path+"/reject", url.Values{"reason": {" "}}); p.status != http.StatusBadRequest {
		t.Fatalf("a token from another page of the session: HTTP %d", p.status)
	}
	refused := func(b *browser, token string, header http.Header) {
		t.Helper()
		form := url.Values{"reason": {"资料不全"}}
		if token != "" {
			form.Set("csrf_token", token)
		}
		req, _ := http.NewRequest(http.MethodPost, b.base+path+"/reject", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.origin)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantPage(t, page{status: resp.StatusCode, body: string(body)}, http.StatusForbidden, "CSRF")
	}
	refused(one, "", nil)                              // missing
	refused(two, tokenOne, nil)                        // another session's
	refused(one, tokenOne[:len(tokenOne)-2]+"AA", nil) // altered
	refused(one, tokenOne, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	refused(one, tokenOne, http.Header{"Origin": {"https://gateway.test"}}) // the public URL's host, another scheme
	// Without its cookie the token is worth nothing.
	bare := e.browser()
	bare.client.Jar, _ = newJarWith(one, "baohan_session")
	refused(bare, tokenOne, nil)
	if got, _ := e.svc.Views.FindApplication(context.Background(), appKey, a.ApplyNo); got.State != service.StateReceived {
		t.Fatalf("a refused POST changed the state to %s", got.State)
	}
	if p := one.post(path, path+"/reject", url.Values{"reason": {"资料不全"}}); p.status != http.StatusSeeOther {
		t.Fatalf("reject with the right token: HTTP %d\n%s", p.status, p.body)
	}
}

func TestInvoiceUploadBounded(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	e.officer("zhangsan", service.RoleMaker)
	ctx := context.Background()
	a := e.apply("TBaoHanINV00002")
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
	b := e.browser()
	b.login("zhangsan", consolePassword)
	path := "/console/applications/" + itoa(a.ID)
	wantPage(t, b.get(path), http.StatusOK, "不超过 20 MB")
	fields := [][2]string{{"csrf_token", b.csrf(path)}, {"invoicecode", "022001900111"}, {"invoiceno", "12345678"}}
	pdf := append([]byte("%PDF-1.4 "), bytes.Repeat([]byte("x"), 20<<20)...)

	body, ctype := uploadForm(fields, "pdf", pdf)
	wantPage(t, b.raw(path+"/invoice", ctype, body, int64(body.Len())), http.StatusRequestEntityTooLarge, "上传的文件过大：不得超过 20 MB")
	body, ctype = uploadForm(fields, "pdf", pdf)
	wantPage(t, b.raw(path+"/invoice", ctype, body, -1), http.StatusRequestEntityTooLarge, "上传的文件过大：不得超过 20 MB", `value="12345678"`)
	// The token must come first, before the file is read.
	body, ctype = uploadForm([][2]string{fields[1], fields[2], fields[0]}, "pdf", pdf[:1024])
	wantPage(t, b.raw(path+"/invoice", ctype, body, int64(body.Len())), http.StatusForbidden, "CSRF")
	body, ctype = uploadForm([][2]string{{"csrf_token", "wrong"}, fields[1], fields[2]}, "pdf", pdf[:1024])
	wantPage(t, b.raw(path+"/invoice", ctype, body, int64(body.Len())), http.StatusForbidden, "CSRF")
	wantPage(t, b.raw(path+"/invoice", "application/x-www-form-urlencoded", strings.NewReader("csrf_token="+fields[0][1]), -1),
		http.StatusUnsupportedMediaType, "multipart/form-data")
	if p := b.get(path); strings.Contains(p.body, "发票-12345678.pdf") {
		t.Fatal("a refused upload registered the invoice")
	}
	body, ctype = uploadForm(fields, "pdf", pdf[:4096])
	if p := b.raw(path+"/invoice", ctype, body, int64(body.Len())); p.status != http.StatusSeeOther {
		t.Fatalf("an invoice within the limit: HTTP %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(path), http.StatusOK, "发票-12345678.pdf")
}

func TestVerifyDocumentUpload(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	logger := slog.New(slog.NewTextHandler(e.log, nil))
	(&handler.Public{Service: e.svc.Public, Issuer: "吉林测试银行股份有限公司", Log: logger}).Register(e.engine)
	ctx := context.Background()
	a := e.apply("TBaoHanVFY00001")
	a, err := e.svc.Guarantees.Approve(ctx, service.Actor{Kind: service.ActorOfficer, Name: "lisi", Role: service.RoleChecker}, a.ID,
		service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := e.svc.Store.ListDocuments(ctx, a.ID)
	if err != nil || len(docs) == 0 {
		t.Fatal(docs, err)
	}
	letter, err := e.svc.Store.GetDocument(ctx, docs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.origin = ""
	body, ctype := uploadForm([][2]string{{"note", "x"}}, "file", letter.Data)
	wantPage(t, b.raw("/verify/document", ctype, body, -1), http.StatusOK, a.BaohanNo, letter.SM3)
	body, ctype = uploadForm(nil, "file", []byte("%PDF-1.7 forged"))
	wantPage(t, b.raw("/verify/document", ctype, body, int64(body.Len())), http.StatusNotFound, "不一致")
	body, ctype = uploadForm(nil, "file", nil)
	wantPage(t, b.raw("/verify/document", ctype, body, int64(body.Len())), http.StatusBadRequest, "请选择要核验的保函 PDF 文件")
	body, ctype = uploadForm(nil, "file", bytes.Repeat([]byte("x"), 20<<20+1))
	wantPage(t, b.raw("/verify/document", ctype, body, -1), http.StatusRequestEntityTooLarge, "上传的文件过大：不得超过 20 MB")
	wantPage(t, b.raw("/verify/document", "application/pdf", bytes.NewReader(letter.Data), int64(len(letter.Data))),
		http.StatusUnsupportedMediaType, "multipart/form-data")
}

// TestEveryRouteBoundsItsBody sends an endless body to every route of the
// gateway's edges and counts what was read: each stops at its bound, and
// nothing lands in TMPDIR.
func TestEveryRouteBoundsItsBody(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newConsoleEnv(t, "http://gateway.test")
	logger := slog.New(slog.NewTextHandler(e.log, nil))
	(&handler.Public{Service: e.svc.Public, Issuer: "吉林测试银行股份有限公司", Log: logger}).Register(e.engine)
	(&handler.PlatformAPI{Receiver: &platform.Receiver{Direction: platform.Inbound}, Service: e.svc.Guarantees, Log: logger, Now: e.clock.Now}).Register(e.engine)
	(&handler.AdminAPI{Cases: e.svc.Views, Decisions: e.svc.Guarantees, Letters: e.svc.Letters, Log: logger, Tokens: []handler.APIToken{{Name: "core", Token: "admin-token-123"}}}).Register(e.engine)
	e.officer("zhangsan", service.RoleMaker)
	b := e.browser()
	b.login("zhangsan", consolePassword)
	u, _ := url.Parse(e.srv.URL)
	cookies := b.client.Jar.Cookies(u)

	var n int
	for _, r := range e.engine.Routes() {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			continue
		}
		path := regexp.MustCompile(`:[a-z]+`).ReplaceAllString(r.Path, "1")
		path = strings.ReplaceAll(path, "*filepath", "x")
		bound := int64(64<<10 + 8<<10)
		switch {
		case strings.HasPrefix(path, "/api/"):
			bound = handler.DefaultMaxBody + 8<<10
		case path == "/verify/document" || strings.HasSuffix(path, "/invoice") || strings.HasPrefix(path, "/admin/api/"):
			bound = handler.DefaultMaxUpload + 128<<10
		}
		for _, ctype := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=zzz", "application/json"} {
			for _, admin := range []bool{false, true} {
				body := &zeros{}
				req := httptest.NewRequest(r.Method, path, io.NopCloser(body))
				req.ContentLength = -1
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("Origin", "http://example.com") // as httptest.NewRequest's host
				for _, c := range cookies {
					req.AddCookie(c)
				}
				if admin {
					req.Header.Set("Authorization", "Bearer admin-token-123")
				}
				w := httptest.NewRecorder()
				e.engine.ServeHTTP(w, req)
				n++
				if body.n > bound {
					t.Errorf("%s %s (%s): read %d bytes, bound %d (HTTP %d)", r.Method, path, ctype, body.n, bound, w.Code)
				}
				if w.Code < 300 && !strings.HasPrefix(path, "/api/") { // the platform API answers 200 with code 0
					t.Errorf("%s %s (%s): HTTP %d for an endless body", r.Method, path, ctype, w.Code)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d requests sent", n)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("%d files left in TMPDIR", len(entries))
	}
}
