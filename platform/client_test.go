package platform_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

func TestReplyUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    platform.Reply
		wantErr string // "" means success
	}{
		{`{"code":1,"message":"成功"}`, platform.Reply{Code: 1, Message: "成功"}, ""},
		{`{"code":0,"message":"保函编号不存在"}`, platform.Reply{Code: 0, Message: "保函编号不存在"}, ""},
		{`{"code":"1","message":"ok"}`, platform.Reply{Code: 1, Message: "ok"}, ""},
		{`{"code":1,"msg":"成功"}`, platform.Reply{Code: 1, Message: "成功"}, ""},
		{`{"code":1,"message":"m","msg":"other"}`, platform.Reply{Code: 1, Message: "m"}, ""},
		{`{"code":1,"message":"ok","data":{"redirecturl":"https://x/y","n":3,"b":true,"z":null}}`,
			platform.Reply{Code: 1, Message: "ok", Data: map[string]string{"redirecturl": "https://x/y", "n": "3", "b": "true"}}, ""},
		{`{"code":1,"message":"ok","data":{}}`, platform.Reply{Code: 1, Message: "ok"}, ""},
		{`{"code":1,"message":"ok","data":"string data"}`, platform.Reply{Code: 1, Message: "ok"}, ""},
		{`{"code":1,"message":"ok","data":null}`, platform.Reply{Code: 1, Message: "ok"}, ""},
		{`{"message":"no code"}`, platform.Reply{}, "no code"},
		{`{"code":"","message":"x"}`, platform.Reply{}, "no code"},
		{`{"code":"ok","message":"x"}`, platform.Reply{}, "not a number"},
		{`{"code":1.0,"message":"x"}`, platform.Reply{}, "not a number"},
		{`{"code":true}`, platform.Reply{}, "not a number"},
		{`{"code":1,"message":5}`, platform.Reply{}, "cannot unmarshal"},
		{`<html>502 Bad Gateway</html>`, platform.Reply{}, "invalid character"},
	}
	for _, tt := range tests {
		var got platform.Reply
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Unmarshal(%s): got %+v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Unmarshal(%s): %v", tt.in, err)
			continue
		}
		if got.Code != tt.want.Code || got.Message != tt.want.Message || !maps.Equal(got.Data, tt.want.Data) {
			t.Errorf("Unmarshal(%s) got %+v, want %+v", tt.in, got, tt.want)
		}
		if got.OK() != (tt.want.Code == 1) {
			t.Errorf("Unmarshal(%s).OK() got %v", tt.in, got.OK())
		}
	}
}

// platformServer is a fake platform that records what it receives.
type platformServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
}

type received struct {
	path, method, contentType string
	params                    map[string]string
	signOK                    bool
}

// newPlatformServer answers with status and body after checking the
// signature with gmcrypto.
func newPlatformServer(t *testing.T, status int, answer string) *platformServer {
	t.Helper()
	ps := &platformServer{}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		params, err := gmcrypto.ParamsFromJSON(body)
		rec := received{path: r.URL.Path, method: r.Method, contentType: r.Header.Get("Content-Type"), params: params}
		rec.signOK = err == nil && gmcrypto.Verify(params, testAppSecret, params["sign"])
		ps.mu.Lock()
		ps.requests = append(ps.requests, rec)
		ps.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *platformServer) only(t *testing.T) received {
	t.Helper()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if len(ps.requests) != 1 {
		t.Fatalf("platform got %d requests, want 1", len(ps.requests))
	}
	return ps.requests[0]
}

func TestClientSend(t *testing.T) {
	spec := mustSpec(t, platform.BaohanNotice, platform.Outbound)
	for _, suffix := range []string{"/gbsapi", "/gbsapi/", "/gbsapi//"} {
		t.Run(suffix, func(t *testing.T) {
			ps := newPlatformServer(t, http.StatusOK, `{"code":1,"message":"成功"}`)
			c := &platform.Client{}
			ex, err := c.Send(context.Background(), ps.URL+suffix, spec, approvedNotice(), testCred, testNow)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := ps.only(t)
			if got.path != "/gbsapi/baohannotice" {
				t.Errorf("path got %q, want /gbsapi/baohannotice", got.path)
			}
			if got.method != http.MethodPost {
				t.Errorf("method got %s, want POST", got.method)
			}
			if got.contentType != "application/json;charset=UTF-8" {
				t.Errorf("Content-Type got %q, want application/json;charset=UTF-8", got.contentType)
			}
			if !got.signOK {
				t.Errorf("the platform could not verify the signature of %v", got.params)
			}
			if got.params["applyno"] != "TBaoHanGBWBH2022022314223517227" || got.params["timestamp"] != "2024-05-20 10:00:00" {
				t.Errorf("params got %v", got.params)
			}
			if ex.URL != ps.URL+"/gbsapi/baohannotice" || ex.StatusCode != 200 || ex.Reply == nil || !ex.Reply.OK() || ex.Reply.Message != "成功" {
				t.Errorf("exchange got %+v", ex)
			}
			if !maps.Equal(ex.Params, got.params) {
				t.Errorf("exchange params %v, platform got %v", ex.Params, got.params)
			}
			if string(ex.Response) != `{"code":1,"message":"成功"}` || len(ex.Request) == 0 {
				t.Errorf("exchange request/response got %q / %q", ex.Request, ex.Response)
			}
		})
	}
}

func TestNoticeURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"https://p.example.com/gbsapi", "https://p.example.com/gbsapi/quitnotice"},
		{"https://p.example.com/gbsapi/", "https://p.example.com/gbsapi/quitnotice"},
		{"https://p.example.com", "https://p.example.com/quitnotice"},
	}
	for _, tt := range tests {
		if got := platform.NoticeURL(tt.base, platform.QuitNotice); got != tt.want {
			t.Errorf("NoticeURL(%q) got %q, want %q", tt.base, got, tt.want)
		}
	}
}

func TestClientRefusalIsNotAnError(t *testing.T) {
	ps := newPlatformServer(t, http.StatusOK, `{"code":"0","msg":"保函编号不存在"}`)
	spec := mustSpec(t, platform.QuitNotice, platform.Outbound)
	ex, err := (&platform.Client{}).Send(context.Background(), ps.URL, spec,
		map[string]string{"applyno": "A1", "baohanno": "B1", "applystatus": "0"}, testCred, testNow)
	if err != nil {
		t.Fatalf("Send: got %v, want no error for a code 0 answer", err)
	}
	if ex.Reply == nil || ex.Reply.Code != 0 || ex.Reply.OK() || ex.Reply.Message != "保函编号不存在" {
		t.Errorf("Reply got %+v, want code 0 保函编号不存在", ex.Reply)
	}
	if got := ps.only(t).path; got != "/quitnotice" {
		t.Errorf("path got %q", got)
	}
}

func TestClientBuildErrorSendsNothing(t *testing.T) {
	ps := newPlatformServer(t, http.StatusOK, `{"code":1}`)
	spec := mustSpec(t, platform.QuitNotice, platform.Outbound)
	ex, err := (&platform.Client{}).Send(context.Background(), ps.URL, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
	var fe *platform.FieldError
	if !errors.As(err, &fe) || fe.Field != "baohanno" {
		t.Errorf("got %v, want a FieldError for baohanno", err)
	}
	if ex != nil {
		t.Errorf("got an exchange %+v for a message that was never sent", ex)
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if len(ps.requests) != 0 {
		t.Errorf("platform got %d requests, want none", len(ps.requests))
	}
}

func TestClientHTTPStatus(t *testing.T) {
	ps := newPlatformServer(t, http.StatusInternalServerError, "internal error")
	spec := mustSpec(t, platform.GiveUp, platform.Outbound)
	ex, err := (&platform.Client{}).Send(context.Background(), ps.URL, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
	var te *platform.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("got %v (%T), want a *TransportError", err, err)
	}
	if te.StatusCode != 500 || te.Timeout() {
		t.Errorf("TransportError got StatusCode %d Timeout %v, want 500 false", te.StatusCode, te.Timeout())
	}
	if !strings.Contains(te.Error(), "HTTP 500") || !strings.Contains(te.Error(), "/giveupapply") {
		t.Errorf("Error() got %q", te.Error())
	}
	if ex == nil || ex.StatusCode != 500 || string(ex.Response) != "internal error" || ex.Reply != nil {
		t.Errorf("exchange got %+v", ex)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	target := newPlatformServer(t, http.StatusOK, `{"code":1,"message":"成功"}`)
	spec := mustSpec(t, platform.GiveUp, platform.Outbound)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", status)
		}))
		// Even a caller's client that would follow redirects does not.
		client := &platform.Client{HTTP: &http.Client{Timeout: 5 * time.Second}}
		ex, err := client.Send(context.Background(), redirector.URL, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
		redirector.Close()
		var te *platform.TransportError
		if !errors.As(err, &te) {
			t.Fatalf("HTTP %d: got %v (%T), want a *TransportError", status, err, err)
		}
		if te.StatusCode != status || te.Location != target.URL+"/elsewhere" || !strings.Contains(te.Error(), "not followed") {
			t.Errorf("HTTP %d: TransportError %+v (%q)", status, te, te.Error())
		}
		if ex == nil || ex.StatusCode != status || ex.Reply != nil {
			t.Errorf("HTTP %d: exchange %+v", status, ex)
		}
		if client.HTTP.CheckRedirect != nil {
			t.Error("Send changed the caller's http.Client")
		}
	}
	target.mu.Lock()
	defer target.mu.Unlock()
	if len(target.requests) != 0 {
		t.Fatalf("the redirect target got %d requests: %+v", len(target.requests), target.requests)
	}
}

func TestClientConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	spec := mustSpec(t, platform.GiveUp, platform.Outbound)
	ex, err := (&platform.Client{}).Send(context.Background(), url, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
	var te *platform.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("got %v (%T), want a *TransportError", err, err)
	}
	if te.StatusCode != 0 || te.Err == nil || te.Timeout() {
		t.Errorf("TransportError got %+v (timeout %v), want no status, a cause, no timeout", te, te.Timeout())
	}
	if ex == nil || len(ex.Request) == 0 || ex.Params["sign"] == "" {
		t.Errorf("exchange got %+v, want the request recorded", ex)
	}
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // sleep until the client gives up
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	c := &platform.Client{HTTP: &http.Client{Timeout: 50 * time.Millisecond}}
	spec := mustSpec(t, platform.GiveUp, platform.Outbound)
	_, err := c.Send(context.Background(), srv.URL, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
	var te *platform.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("got %v (%T), want a *TransportError", err, err)
	}
	if !te.Timeout() {
		t.Errorf("Timeout() got false for %v", te)
	}

	// A context deadline is a timeout too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = (&platform.Client{}).Send(ctx, srv.URL, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
	if !errors.As(err, &te) || !te.Timeout() {
		t.Errorf("with a context deadline: got %v, want a TransportError with Timeout()", err)
	}
}

func TestClientMalformedReply(t *testing.T) {
	tests := []string{
		"<html><body>502 Bad Gateway</body></html>",
		"",
		`{"message":"no code"}`,
		`{"code":"yes"}`,
	}
	for _, answer := range tests {
		ps := newPlatformServer(t, http.StatusOK, answer)
		spec := mustSpec(t, platform.GiveUp, platform.Outbound)
		ex, err := (&platform.Client{}).Send(context.Background(), ps.URL, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
		var me *platform.MalformedReplyError
		if !errors.As(err, &me) {
			t.Errorf("answer %q: got %v (%T), want a *MalformedReplyError", answer, err, err)
			continue
		}
		if string(me.Body) != answer || me.Err == nil || !strings.Contains(me.Error(), "unreadable answer") {
			t.Errorf("answer %q: MalformedReplyError got %+v", answer, me)
		}
		if ex == nil || ex.StatusCode != 200 || ex.Reply != nil {
			t.Errorf("answer %q: exchange got %+v", answer, ex)
		}
	}
}

func TestClientPostBadURL(t *testing.T) {
	_, err := (&platform.Client{}).Post(context.Background(), "://no-scheme", []byte("{}"), nil)
	var te *platform.TransportError
	if !errors.As(err, &te) {
		t.Errorf("got %v, want a *TransportError", err)
	}
}

func TestClientLimitsTheAnswer(t *testing.T) {
	big := `{"code":1,"message":"` + strings.Repeat("长", 40<<10) + `"}` // 120 KiB
	ps := newPlatformServer(t, http.StatusOK, big)
	spec := mustSpec(t, platform.GiveUp, platform.Outbound)
	ex, err := (&platform.Client{}).Send(context.Background(), ps.URL, spec, map[string]string{"applyno": "A1"}, testCred, testNow)
	var me *platform.MalformedReplyError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a *MalformedReplyError for a truncated answer", err)
	}
	if len(ex.Response) != 64<<10 {
		t.Errorf("kept %d bytes of the answer, want %d", len(ex.Response), 64<<10)
	}
}
