package handler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
)

// wantStatus is the HTTP status every edge but the platform API answers for
// each service error code (README, "Admin API"). Written out here, not read
// from the handler's table, so that a change to the table shows.
var wantStatus = map[string]int{
	service.EINVALID:     http.StatusBadRequest,
	service.ENOTFOUND:    http.StatusNotFound,
	service.ECONFLICT:    http.StatusConflict,
	service.ESTATE:       http.StatusConflict,
	service.EFORBIDDEN:   http.StatusForbidden,
	service.EUNAVAILABLE: http.StatusBadGateway,
	service.EINTERNAL:    http.StatusInternalServerError,
}

// failing fails every call of the portal's and the public pages' services
// with err; adminFailing and consoleFailing do the same for the admin API's
// and the console's, which share method names.
type failing struct{ err error }

type adminFailing struct {
	handler.AdminCases     // nil: any other call panics
	handler.AdminDecisions // nil
	handler.AdminLetters   // nil
	err                    error
}

func (f *adminFailing) FindApplication(context.Context, string, string) (*service.Application, error) {
	return nil, f.err
}

type consoleFailing struct {
	handler.ConsoleAccounts  // nil: any other call panics
	handler.ConsoleCases     // nil
	handler.ConsoleDecisions // nil
	handler.ConsoleProposals // nil
	handler.ConsoleSetup     // nil
	err                      error
}

// Authenticate lets the session "good" in, as a maker.
func (f *consoleFailing) Authenticate(_ context.Context, token string) (*service.Officer, *service.Session, error) {
	if token != "good" {
		return nil, nil, service.Errorf(service.ENOTFOUND, "会话不存在")
	}
	return &service.Officer{ID: 1, Username: "zhangsan", DisplayName: "张三", Role: service.RoleMaker}, &service.Session{ID: 1, OfficerID: 1}, nil
}

func (f *consoleFailing) Login(context.Context, service.LoginInput) (*service.Login, error) {
	return nil, f.err
}
func (f *consoleFailing) CaseFile(context.Context, int64) (*service.CaseFile, error) {
	return nil, f.err
}

func (f *failing) PortalApplication(context.Context, string) (*service.Application, error) {
	return nil, f.err
}
func (f *failing) SubmitPortal(context.Context, string, service.PortalInput) (*service.Application, error) {
	return nil, f.err
}
func (f *failing) Detail(context.Context, *service.Application) (*service.Detail, error) {
	return nil, f.err
}
func (f *failing) PlatformName(string) string           { return "" }
func (f *failing) DocumentURL(*service.Document) string { return "" }
func (f *failing) Verify(context.Context, string, string) (*service.Verification, error) {
	return nil, f.err
}
func (f *failing) VerifyDocument(context.Context, io.Reader) (*service.Verification, error) {
	return nil, f.err
}
func (f *failing) Download(context.Context, string) (*service.Document, error) { return nil, f.err }

// edgeAnswer is what one edge answered: its status, its Content-Type, and
// the message it shows (for a page: the whole body, which must hold it).
type edgeAnswer struct {
	status      int
	contentType string
	message     string // the message field (JSON, text); for a page the body
	page        bool
}

// edges serves the admin API, the console, the portal and the public pages
// on one server with one log, every service call failing with err.
type edges struct {
	t    *testing.T
	srv  *httptest.Server
	log  *servicetest.Log
	http *http.Client
}

func newEdges(t *testing.T, err error) *edges {
	t.Helper()
	logs := &servicetest.Log{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	svc := &failing{err: err}
	admin, console := &adminFailing{err: err}, &consoleFailing{err: err}
	secret := []byte(strings.Repeat("k", 32))
	engine := handler.NewEngine(logger)
	(&handler.AdminAPI{Cases: admin, Decisions: admin, Letters: admin, Tokens: []handler.APIToken{{Name: "core-banking", Token: "tok-12345678"}}, Log: logger}).Register(engine)
	(&handler.Console{Accounts: console, Cases: console, Decisions: console, Proposals: console, Setup: console, Log: logger, Secret: secret, Institution: "吉林测试银行股份有限公司"}).Register(engine)
	(&handler.Portal{Bidders: svc, Cases: svc, Log: logger, Secret: secret, Institution: "吉林测试银行股份有限公司"}).Register(engine)
	(&handler.Public{Service: svc, Issuer: "吉林测试银行股份有限公司", Log: logger}).Register(engine)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &edges{t: t, srv: srv, log: logs, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (e *edges) do(req *http.Request) edgeAnswer {
	e.t.Helper()
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		e.t.Fatal(err)
	}
	ct := resp.Header.Get("Content-Type")
	a := edgeAnswer{status: resp.StatusCode, contentType: ct, message: b.String()}
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var body struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(a.message), &body); err != nil {
			e.t.Fatalf("%s %s: answer %q: %v", req.Method, req.URL.Path, a.message, err)
		}
		a.message = body.Error + "\x00" + body.Message
	case strings.HasPrefix(ct, "text/html"):
		a.page = true
	}
	return a
}

func (e *edges) get(path string) edgeAnswer {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(path, "/admin/api/"):
		req.Header.Set("Authorization", "Bearer tok-12345678")
	case strings.HasPrefix(path, "/console/applications/"):
		req.AddCookie(&http.Cookie{Name: "baohan_session", Value: "good"}) // a signed-in officer
	}
	return e.do(req)
}

// loginForm submits the console's login form with the token of its page.
func (e *edges) loginForm() edgeAnswer {
	e.t.Helper()
	p := e.get("/console/login")
	m := tokenField.FindStringSubmatch(p.message)
	if m == nil {
		e.t.Fatalf("GET /console/login: no CSRF field (HTTP %d)\n%s", p.status, p.message)
	}
	form := url.Values{"username": {"zhangsan"}, "password": {"x"}, "csrf_token": {html.UnescapeString(m[1])}}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/console/login", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	return e.do(req)
}

// TestErrorTable walks every service error code through every edge: the
// admin API answers the table's status with {"error":code,"message":…}; the
// console's error page and its form page, the portal's page, the public
// verification page and the download answer the same status with the
// message on the page; the platform API answers HTTP 200 {"code":0} with the
// message. An internal error (a plain error, an *Error coded EINTERNAL, a
// code the table does not know) is shown only as "系统内部错误", with its
// details in exactly one log line per request; no other error is logged as
// an error. A message-less *Error gets the table's default message.
func TestErrorTable(t *testing.T) {
	for _, code := range service.ErrorCodes() {
		if _, ok := wantStatus[code]; !ok {
			t.Errorf("no expected status for service code %q: add it to the handler's table and to wantStatus", code)
		}
	}
	type errCase struct {
		desc     string
		err      error
		code     string // the code the admin API answers
		message  string // the message shown; "" any non-empty message other than the internal one
		internal string // for an internal error: a detail that only the log may show
	}
	var cases []errCase
	for _, code := range service.ErrorCodes() {
		if code == service.EINTERNAL {
			continue
		}
		msg := "测试：代码 " + code + " 的说明"
		cases = append(cases, errCase{desc: code, err: fmt.Errorf("wrapped: %w", service.Errorf(code, "%s", msg)), code: code, message: msg})
	}
	cases = append(cases,
		errCase{"plain error", errors.New("database is on fire"), service.EINTERNAL, service.InternalMessage, "database is on fire"},
		errCase{"internal *Error", service.Errorf(service.EINTERNAL, "DSN root:hunter2@tcp"), service.EINTERNAL, service.InternalMessage, "hunter2"},
		errCase{"unknown code", service.Errorf("teapot", "私有细节 teapot"), service.EINTERNAL, service.InternalMessage, "私有细节 teapot"},
		errCase{"no message", &service.Error{Code: service.ENOTFOUND}, service.ENOTFOUND, "", ""},
	)

	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			e := newEdges(t, tc.err)
			status := wantStatus[tc.code]

			check := func(edge string, a edgeAnswer, want int) {
				t.Helper()
				if a.status != want {
					t.Errorf("%s: HTTP %d, want %d\n%s", edge, a.status, want, a.message)
				}
				logs := e.log.String()
				e.log.Reset()
				if tc.internal != "" {
					if n := strings.Count(logs, tc.internal); n != 1 || !strings.Contains(logs, "level=ERROR") {
						t.Errorf("%s: the detail is logged %d times, want once at ERROR:\n%s", edge, n, logs)
					}
					if strings.Contains(a.message, tc.internal) {
						t.Errorf("%s: the answer shows the internal detail %q:\n%s", edge, tc.internal, a.message)
					}
				} else if strings.Contains(logs, "level=ERROR") {
					t.Errorf("%s: a %s error is logged as an error:\n%s", edge, tc.code, logs)
				}
				shown := a.message
				if a.page {
					shown = html.UnescapeString(a.message)
				}
				switch {
				case tc.message != "" && !strings.Contains(shown, tc.message):
					t.Errorf("%s: the answer does not show %q:\n%s", edge, tc.message, a.message)
				case tc.message == "" && tc.code != service.EINTERNAL && strings.Contains(shown, service.InternalMessage):
					t.Errorf("%s: a %s error shown as internal:\n%s", edge, tc.code, a.message)
				}
			}

			// Admin API: the status and {"error":code,"message":…}.
			a := e.get("/admin/api/applications/TBaoHanX1")
			check("admin API", a, status)
			code, msg, _ := strings.Cut(a.message, "\x00")
			if !strings.HasPrefix(a.contentType, "application/json") || code != tc.code || msg == "" || (tc.message != "" && msg != tc.message) {
				t.Errorf("admin API: %s error %q message %q, want JSON error %q message %q", a.contentType, code, msg, tc.code, tc.message)
			}

			// Pages: the status and the message on an HTML page.
			for _, p := range []struct {
				edge string
				do   func() edgeAnswer
			}{
				{"console page", func() edgeAnswer { return e.get("/console/applications/7") }},
				{"console form", e.loginForm},
				{"portal page", func() edgeAnswer { return e.get("/portal/" + strings.Repeat("A", 43)) }},
				{"verification page", func() edgeAnswer { return e.get("/verify?no=JLBH2024052000001&code=ABCD1234") }},
			} {
				a := p.do()
				check(p.edge, a, status)
				if !a.page {
					t.Errorf("%s: Content-Type %q, want an HTML page", p.edge, a.contentType)
				}
				if p.edge == "console form" && !strings.Contains(a.message, `name="username"`) {
					t.Errorf("console form: the login form is not shown again with the message")
				}
			}

			// Download: the status and the message as text.
			a = e.get("/files/" + strings.Repeat("t", 32))
			check("download", a, status)
			if !strings.HasPrefix(a.contentType, "text/plain") || a.message == "" || (tc.message != "" && a.message != tc.message) {
				t.Errorf("download: %s %q, want text %q", a.contentType, a.message, tc.message)
			}

			// Platform API: HTTP 200, code 0 and the message (the spec's shape).
			ta := newTestAPI(t, 0)
			ta.svc.set(tc.err, nil)
			ans := ta.post(t, platform.BaohanApply, signed(t, samples()[platform.BaohanApply]))
			wantRefused(t, ans)
			if tc.message != "" && ans.Message != tc.message {
				t.Errorf("platform API: message %q, want %q", ans.Message, tc.message)
			}
			logs := ta.log.String()
			if tc.internal != "" {
				if n := strings.Count(logs, tc.internal); n != 1 || strings.Contains(ans.Message, tc.internal) {
					t.Errorf("platform API: the detail is logged %d times (want once) or shown in %q:\n%s", n, ans.Message, logs)
				}
			} else if strings.Contains(logs, "level=ERROR") {
				t.Errorf("platform API: a %s error is logged as an error:\n%s", tc.code, logs)
			}
		})
	}
}
