package outbound_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/outbound"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

const (
	appKey    = "outbound_test"
	appSecret = "outbound-secret-3f9a"
	applyNo   = "TBaoHanOUT2026120600001"
)

// platformStub answers every message with what answer writes, and records
// the paths it was sent to.
func platformStub(t *testing.T, answer func(w http.ResponseWriter)) (*httptest.Server, *[]string) {
	t.Helper()
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		answer(w)
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

func accounts(srv *httptest.Server) []platform.Account {
	return []platform.Account{{Name: "测试平台", AppKey: appKey, AppSecret: appSecret, NotifyURL: srv.URL + "/gbsapi"}}
}

func reply(status int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if status >= 300 && status < 400 {
			w.Header().Set("Location", "https://elsewhere.example.com/gbsapi")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func TestNoticesSend(t *testing.T) {
	fields := map[string]string{"applyno": applyNo}
	tests := []struct {
		name    string
		status  int
		body    string
		want    service.SendOutcome
		wantErr bool
		wantMsg string
	}{
		{"accepted", http.StatusOK, `{"code":1,"message":"成功"}`, service.SendAccepted, false, "成功"},
		{"refused", http.StatusOK, `{"code":0,"message":"业务流水号不存在"}`, service.SendRefused, false, "业务流水号不存在"},
		{"http error with a reason", http.StatusServiceUnavailable, `{"code":0,"message":"维护中"}`, service.SendHTTPError, true, "维护中"},
		{"redirect not followed", http.StatusFound, ``, service.SendHTTPError, true, ""},
		{"malformed", http.StatusOK, `<html>not an answer</html>`, service.SendMalformed, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, paths := platformStub(t, reply(tt.status, tt.body))
			s := &outbound.Notices{Client: &platform.Client{}, Accounts: accounts(srv), Now: time.Now}
			res, err := s.Send(context.Background(), appKey, platform.GiveUp, fields)
			if res.Outcome != tt.want || (err != nil) != tt.wantErr || res.Message != tt.wantMsg {
				t.Fatalf("got %+v, %v; want outcome %s, error %v, message %q", res, err, tt.want, tt.wantErr, tt.wantMsg)
			}
			if len(*paths) != 1 || (*paths)[0] != "/gbsapi/"+platform.GiveUp {
				t.Fatalf("sent to %v, want once to /gbsapi/%s", *paths, platform.GiveUp)
			}
			if tt.status == http.StatusFound && !strings.Contains(err.Error(), "未跟随") {
				t.Fatalf("redirect error %q does not say it was not followed", err)
			}
		})
	}
}

func TestNoticesNotSent(t *testing.T) {
	srv, paths := platformStub(t, reply(http.StatusOK, `{"code":1,"message":"成功"}`))
	s := &outbound.Notices{Client: &platform.Client{}, Accounts: accounts(srv), Now: time.Now}
	for _, tt := range []struct{ name, appkey, iface string }{
		{"unknown platform", "nobody", platform.GiveUp},
		{"unknown message", appKey, "nosuchnotice"},
		{"an inbound message", appKey, platform.BaohanRestore},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Send(context.Background(), tt.appkey, tt.iface, map[string]string{"applyno": applyNo})
			if res.Outcome != service.SendInvalid || err == nil {
				t.Fatalf("got %+v, %v; want %s with an error", res, err, service.SendInvalid)
			}
		})
	}
	if len(*paths) != 0 {
		t.Fatalf("sent %v, want nothing", *paths)
	}
}

func TestNoticesUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	acct := accounts(srv)
	srv.Close()
	s := &outbound.Notices{Client: &platform.Client{}, Accounts: acct, Now: time.Now}
	res, err := s.Send(context.Background(), appKey, platform.GiveUp, map[string]string{"applyno": applyNo})
	if res.Outcome != service.SendUnreachable || err == nil {
		t.Fatalf("got %+v, %v; want %s with an error", res, err, service.SendUnreachable)
	}
}

func TestCaller(t *testing.T) {
	for _, tt := range []struct {
		name    string
		body    string
		wantOK  bool
		wantMsg string
	}{
		{"accepted", `{"code":1,"message":"成功"}`, true, "成功"},
		{"refused", `{"code":0,"message":"已开标，不可放弃"}`, false, "已开标，不可放弃"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := platformStub(t, reply(http.StatusOK, tt.body))
			c := &outbound.Caller{Client: &platform.Client{}, Accounts: accounts(srv), Now: time.Now}
			ok, msg, err := c.Call(context.Background(), appKey, platform.GiveUp, map[string]string{"applyno": applyNo})
			if err != nil || ok != tt.wantOK || msg != tt.wantMsg {
				t.Fatalf("got %v, %q, %v; want %v, %q", ok, msg, err, tt.wantOK, tt.wantMsg)
			}
		})
	}
	t.Run("unknown platform", func(t *testing.T) {
		c := &outbound.Caller{Client: &platform.Client{}, Now: time.Now}
		if _, _, err := c.Call(context.Background(), appKey, platform.GiveUp, map[string]string{"applyno": applyNo}); err == nil {
			t.Fatal("a call to an unconfigured platform succeeded")
		}
	})
}
