package handler_test

import (
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service/servicetest"
)

func TestSourceLimiter(t *testing.T) {
	l := handler.NewSourceLimiter(1, 2)
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, want := range []bool{true, true, false} {
		if got := l.Allow("10.0.0.1", t0); got != want {
			t.Errorf("request %d at once: got %v, want %v", i+1, got, want)
		}
	}
	if !l.Allow("10.0.0.2", t0) {
		t.Error("another address shares the first one's bucket")
	}
	if !l.Allow("10.0.0.1", t0.Add(1100*time.Millisecond)) {
		t.Error("the bucket did not refill after a second")
	}
	// An address idle for long is forgotten and starts with a full bucket.
	later := t0.Add(time.Hour)
	first := l.Allow("10.0.0.1", later)
	second := l.Allow("10.0.0.1", later)
	if !first || !second {
		t.Error("an idle address did not get its burst back")
	}
}

// apiWith starts the platform API with one account and the given limiter.
func apiWith(t *testing.T, acct platform.Account, lim *handler.SourceLimiter) *testAPI {
	t.Helper()
	svc := &fakeService{}
	logs := &servicetest.Log{}
	api := &handler.PlatformAPI{
		Receiver: &platform.Receiver{Direction: platform.Inbound, Accounts: []platform.Account{acct}},
		Service:  svc, Log: newTextLogger(logs), Now: func() time.Time { return now }, Limiter: lim,
	}
	engine := handler.NewEngine(newTextLogger(logs))
	api.Register(engine)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	return &testAPI{url: srv.URL, svc: svc, log: logs}
}

func TestPlatformAPIRateLimit(t *testing.T) {
	ta := apiWith(t, platform.Account{Name: "p", AppKey: appKey, AppSecret: appSecret, NotifyURL: "http://127.0.0.1:1"}, handler.NewSourceLimiter(0.001, 2))
	spec, _ := platform.Lookup(platform.GiveUp, platform.Inbound)
	body := signed(t, sample(t, *spec))
	for i := 0; i < 2; i++ {
		if a := ta.post(t, platform.GiveUp, body); *a.Code != 1 {
			t.Fatalf("request %d within the burst: %+v", i+1, a)
		}
	}
	a := ta.post(t, platform.GiveUp, body)
	if *a.Code != 0 || !strings.Contains(a.Message, "请求过于频繁") {
		t.Fatalf("request over the limit: %+v", a)
	}
	if n := len(ta.svc.Calls()); n != 2 {
		t.Fatalf("the service was called %d times, want 2", n)
	}
}

func TestPlatformAPIAllowedSources(t *testing.T) {
	spec, _ := platform.Lookup(platform.GiveUp, platform.Inbound)
	for _, tt := range []struct {
		name    string
		allowed []netip.Prefix
		want    int
	}{
		{"no list: any source", nil, 1},
		{"listed", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, 1},
		{"not listed", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ta := apiWith(t, platform.Account{Name: "p", AppKey: appKey, AppSecret: appSecret, NotifyURL: "http://127.0.0.1:1", AllowedSources: tt.allowed}, nil)
			a := ta.post(t, platform.GiveUp, signed(t, sample(t, *spec)))
			if *a.Code != tt.want {
				t.Fatalf("got %+v, want code %d", a, tt.want)
			}
			if tt.want == 0 && (!strings.Contains(a.Message, "127.0.0.1") || len(ta.svc.Calls()) != 0) {
				t.Fatalf("refusal %q (service calls %d)", a.Message, len(ta.svc.Calls()))
			}
		})
	}
}

func newTextLogger(w *servicetest.Log) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
