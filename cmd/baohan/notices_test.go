package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/outbound"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

const (
	noticeAppKey = "finance_notices"
	noticeSecret = "notices-secret-5c1e7a"
)

// stubMode is how the stub platform answers.
type stubMode int

const (
	stubOK        stubMode = iota // code 1
	stub503                       // HTTP 503
	stubCode0                     // code 0 with a message
	stubMalformed                 // HTTP 200 with an HTML page
	stubSlow                      // answers after the client gave up
	stub404                       // HTTP 404
	stubRedirect                  // HTTP 307 to /moved/<interface>, which accepts
)

// received is one notice that reached the stub platform.
type received struct {
	Interface string
	Params    map[string]string
	Answer    stubMode
}

func (r received) key() string { return r.Interface + " " + r.Params["applyno"] }

// stubPlatform is a trading platform's notice endpoint: it checks every
// notice as the platform would (every value a non-empty JSON string, the SM3
// signature, appkey, timestamp, baohanfile standard base64 of a PDF, never
// wrapped), answers as its mode says, counts code-1 answers per notice and
// sends of one notice that overlap in time. It can go down (connection
// refused) and come back on the same address.
type stubPlatform struct {
	t        testing.TB
	addr     string
	mu       sync.Mutex
	srv      *httptest.Server
	mode     stubMode
	now      func() time.Time // the timestamp every notice must carry; nil: within a minute of time.Now
	got      []received
	accepted map[string]int
	inflight map[string]int
	overlaps int
	problems []string
	delay    time.Duration // before answering
	lean     bool          // check the signature only (benchmarks)
	onAccept func(r received)
}

func newStubPlatform(t testing.TB) *stubPlatform {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stubPlatform{t: t, addr: ln.Addr().String(), accepted: map[string]int{}, inflight: map[string]int{}}
	p.start(ln)
	t.Cleanup(p.down)
	return p
}

// NotifyURL is the platform's notify_url.
func (p *stubPlatform) NotifyURL() string { return "http://" + p.addr + "/gbsapi" }

func (p *stubPlatform) start(ln net.Listener) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
}

// down stops the platform: connections are refused.
func (p *stubPlatform) down() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// up brings the platform back on its address.
func (p *stubPlatform) up() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("platform back on %s: %v", p.addr, err)
	}
	p.start(ln)
}

func (p *stubPlatform) setMode(m stubMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
}

func (p *stubPlatform) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

func (p *stubPlatform) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if strings.HasPrefix(r.URL.Path, "/moved/") {
		// Where a redirect points: a client that follows it lands here.
		p.problem("the redirect was followed: %s %s", r.Method, r.URL.Path)
		fmt.Fprint(w, `{"code":1,"message":"成功"}`)
		return
	}
	params := p.check(r, body)
	iface := strings.TrimPrefix(r.URL.Path, "/gbsapi/")
	rec := received{Interface: iface, Params: params}
	p.mu.Lock()
	mode, delay, now := p.mode, p.delay, p.now
	rec.Answer = mode
	p.inflight[rec.key()]++
	if p.inflight[rec.key()] > 1 {
		p.overlaps++
	}
	p.got = append(p.got, rec)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inflight[rec.key()]--
		p.mu.Unlock()
	}()
	if ts, err := platform.ParseTime(params["timestamp"]); err != nil {
		p.problem("%s: timestamp %q: %v", iface, params["timestamp"], err)
	} else if now != nil && !ts.Equal(now().Truncate(time.Second)) {
		p.problem("%s: timestamp %s, want %s (fresh at each attempt)", iface, params["timestamp"], platform.FormatTime(now()))
	} else if now == nil && (time.Since(ts) > time.Minute || time.Until(ts) > time.Minute) {
		p.problem("%s: stale timestamp %s", iface, params["timestamp"])
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	switch mode {
	case stubOK:
		p.mu.Lock()
		p.accepted[rec.key()]++
		onAccept := p.onAccept
		p.mu.Unlock()
		if onAccept != nil {
			onAccept(rec)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"code":1,"message":"成功","data":{}}`)
	case stub503:
		http.Error(w, "<html>503 Service Temporarily Unavailable</html>", http.StatusServiceUnavailable)
	case stub404:
		http.Error(w, `{"code":0,"message":"接口不存在"}`, http.StatusNotFound)
	case stubCode0:
		fmt.Fprint(w, `{"code":"0","message":"项目数据尚未同步，请稍后再试"}`)
	case stubMalformed:
		fmt.Fprint(w, `<html><body>网关维护中</body></html>`)
	case stubRedirect:
		http.Redirect(w, r, "/moved/"+iface, http.StatusTemporaryRedirect)
	case stubSlow:
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// check verifies a notice as the platform would and returns its params.
func (p *stubPlatform) check(r *http.Request, body []byte) map[string]string {
	if ct := r.Header.Get("Content-Type"); ct != platform.ContentType {
		p.problem("Content-Type %q", ct)
	}
	p.mu.Lock()
	lean := p.lean
	p.mu.Unlock()
	if lean {
		params, err := gmcrypto.ParamsFromJSON(body)
		if err != nil || !gmcrypto.Verify(params, noticeSecret, params["sign"]) {
			p.problem("%s: unreadable or badly signed", r.URL.Path)
		}
		return params
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		p.problem("body is not a JSON object: %v", err)
		return map[string]string{}
	}
	for k, v := range raw {
		var s string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
			p.problem("%s: field %s is not a JSON string: %s", r.URL.Path, k, v)
		} else if strings.TrimSpace(s) == "" {
			p.problem("%s: field %s sent empty", r.URL.Path, k)
		}
	}
	params, err := gmcrypto.ParamsFromJSON(body)
	if err != nil {
		p.problem("params: %v", err)
		return map[string]string{}
	}
	if !gmcrypto.Verify(params, noticeSecret, params["sign"]) {
		p.problem("%s: bad signature", r.URL.Path)
	}
	if params["appkey"] != noticeAppKey {
		p.problem("%s: appkey %q", r.URL.Path, params["appkey"])
	}
	if f, ok := params["baohanfile"]; ok {
		doc, err := base64.StdEncoding.DecodeString(f)
		switch {
		case strings.ContainsAny(f, "\r\n "):
			p.problem("%s: baohanfile is wrapped", r.URL.Path)
		case err != nil:
			p.problem("%s: baohanfile is not standard base64: %v", r.URL.Path, err)
		case !bytes.HasPrefix(doc, []byte("%PDF-")):
			p.problem("%s: baohanfile is not a PDF: %q", r.URL.Path, doc[:min(len(doc), 8)])
		}
	}
	return params
}

// received returns the notices that arrived, in order.
func (p *stubPlatform) received() []received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]received(nil), p.got...)
}

// acceptedCount is how many notices the platform accepted (code 1), and how
// many distinct ones.
func (p *stubPlatform) acceptedCount() (total, distinct int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.accepted {
		total += n
	}
	return total, len(p.accepted)
}

// verify fails the test with the problems the platform saw.
func (p *stubPlatform) verify(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.problems {
		t.Error("platform: " + pr)
	}
	if p.overlaps > 0 {
		t.Errorf("platform: %d sends overlapped another send of the same notice", p.overlaps)
	}
}

// noticeEnv is the service on a real store with a dispatcher that sends
// through the real outbound.Notices to the stub platform.
type noticeEnv struct {
	t        testing.TB
	ctx      context.Context
	st       *store.Store
	svc      *service.Service
	platform *stubPlatform
	clock    *servicetest.Clock
	d        *service.Dispatcher
}

// newNoticeEnv makes the environment. With clock nil everything runs on
// time.Now; otherwise the service, the dispatcher and the timestamps of the
// notices run on it, and jitter is off.
func newNoticeEnv(t testing.TB, st *store.Store, clock *servicetest.Clock, cfg service.DispatcherConfig, letterSize int) *noticeEnv {
	t.Helper()
	e := &noticeEnv{t: t, ctx: context.Background(), st: st, platform: newStubPlatform(t), clock: clock}
	now := time.Now
	if clock != nil {
		now = clock.Now
		e.platform.now = clock.Now
		cfg.Rand = func() float64 { return 0.5 }
	}
	e.svc = service.New(service.Config{
		Store: st, Renderer: &servicetest.Letters{Size: letterSize}, Now: now,
		Institution:  service.Institution{Name: "吉林测试银行股份有限公司", Kind: service.KindBank, Code: "JLBH"},
		Underwriting: service.DefaultUnderwriting(),
		Platforms:    []service.PlatformInfo{{AppKey: noticeAppKey, Name: "测试平台"}},
		PublicURL:    "https://baohan.example.com",
	})
	client := &platform.Client{HTTP: &http.Client{Timeout: 30 * time.Second}}
	sender := &outbound.Notices{Client: client, Now: now,
		Accounts: []platform.Account{{Name: "测试平台", AppKey: noticeAppKey, AppSecret: noticeSecret, NotifyURL: e.platform.NotifyURL()}}}
	e.d = e.svc.NewDispatcher(sender, cfg)
	return e
}

// V2 of WIRE.md: ciphertexts and their key.
const (
	v2No, v2Name, v2Zbr, v2Org = "3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=", "zdxk51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo=",
		"/kdDw4lH0u4TMTRNEV8iHhDgpdGZbpy2OLrBtexp0d4=", "uL6aFw3t4xThWQUpFUJxRyUZomxIiWY9XTbFnYKZ1Vw="
	v2Key = "eyF5xYB3evZe2Ge+svjKAQ=="
)

const noticeBidder = "吉林省昇喆建筑工程有限公司"

// apply stores an application.
func (e *noticeEnv) apply(applyNo string) *service.Application {
	e.t.Helper()
	_, err := e.svc.Guarantees.Apply(e.ctx, service.ApplyRequest{Origin: service.Origin{Platform: noticeAppKey, PlatformCode: "A3205650121", ApplyNo: applyNo},
		BidderName: noticeBidder, BidderCode: "91220101MA17XYZ12K", BzjAmount: "20000.00",
		BiaoduanNo: v2No, BiaoduanName: v2Name, Zbr: v2Zbr, ZbrOrgNum: v2Org})
	if err != nil {
		e.t.Fatalf("apply %s: %v", applyNo, err)
	}
	a, err := e.svc.Views.FindApplication(e.ctx, noticeAppKey, applyNo)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// approve applies and approves: a baohannotice with the letter.
func (e *noticeEnv) approve(applyNo string) *service.Application {
	e.t.Helper()
	a := e.apply(applyNo)
	a, err := e.svc.Guarantees.Approve(e.ctx, service.Actor{Kind: service.ActorAPI, Name: "test", Role: service.RoleChecker}, a.ID,
		service.ApproveInput{PayerName: noticeBidder, PayerAccount: "22050161000800000123"})
	if err != nil {
		e.t.Fatalf("approve %s: %v", applyNo, err)
	}
	return a
}

// restore restores an approved application and produces its plaintext
// letter: a restorenotice after the baohannotice.
func (e *noticeEnv) restore(a *service.Application) {
	e.t.Helper()
	err := e.svc.Guarantees.Restore(e.ctx, service.RestoreRequest{Origin: service.Origin{Platform: noticeAppKey, PlatformCode: "A3205650121", ApplyNo: a.ApplyNo},
		BaohanNo: a.BaohanNo, KaibiaoTime: "2026-11-28 09:30:00", Key: v2Key})
	if err != nil {
		e.t.Fatalf("restore %s: %v", a.ApplyNo, err)
	}
	if err := e.svc.Letters.ProducePlainLetter(e.ctx, a.ID); err != nil {
		e.t.Fatal(err)
	}
}

// round runs one round of the dispatcher; it returns how many it claimed.
func (e *noticeEnv) round() int {
	e.t.Helper()
	n, err := e.d.DeliverDue(e.ctx)
	if err != nil {
		e.t.Fatalf("deliver: %v", err)
	}
	return n
}

// rounds runs rounds until one claims nothing.
func (e *noticeEnv) rounds() {
	e.t.Helper()
	for e.round() > 0 {
	}
}

func (e *noticeEnv) notices(a *service.Application) []*service.Notice {
	e.t.Helper()
	ns, err := e.st.ListNotices(e.ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func (e *noticeEnv) attempts(n *service.Notice) []*service.NoticeAttempt {
	e.t.Helper()
	as, err := e.st.ListAttempts(e.ctx, n.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

var noticeT0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

func TestNoticeDelivery(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newNoticeEnv(t, st, servicetest.NewClock(noticeT0), service.DispatcherConfig{}, 4096)
		approved := e.approve("TBaoHanDLV2026112700001")
		rejected := e.apply("TBaoHanDLV2026112700002")
		if _, err := e.svc.Guarantees.Reject(e.ctx, service.Actor{Kind: service.ActorAPI, Name: "test"}, rejected.ID, "资料不全"); err != nil {
			t.Fatal(err)
		}
		if got := e.round(); got != 2 {
			t.Fatalf("claimed %d, want 2", got)
		}
		e.platform.verify(t)
		docs, err := st.ListDocuments(e.ctx, approved.ID)
		if err != nil || len(docs) != 1 {
			t.Fatalf("documents: %v %v", docs, err)
		}
		letter, err := st.GetDocument(e.ctx, docs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		byApplyNo := map[string]map[string]string{}
		for _, r := range e.platform.received() {
			if r.Interface != "baohannotice" {
				t.Errorf("got %s, want baohannotice", r.Interface)
			}
			byApplyNo[r.Params["applyno"]] = r.Params
		}
		wantApproved := map[string]string{
			"appkey": noticeAppKey, "timestamp": "2026-11-27 10:00:00", "applyno": approved.ApplyNo, "baohanno": approved.BaohanNo,
			"baohanurl": "https://baohan.example.com/files/" + letter.Token, "baohanfile": base64.StdEncoding.EncodeToString(letter.Data),
			"payername": noticeBidder, "payeraccount": "22050161000800000123", "instname": "吉林测试银行股份有限公司",
			"generatetime": "2026-11-27 10:00:00", "rate": "0.005", "cost": "100.00", "applystatus": "1",
		}
		wantRejected := map[string]string{"appkey": noticeAppKey, "timestamp": "2026-11-27 10:00:00", "applyno": rejected.ApplyNo, "applystatus": "0"}
		for _, want := range []map[string]string{wantApproved, wantRejected} {
			got := byApplyNo[want["applyno"]]
			if got == nil {
				t.Fatalf("%s did not arrive", want["applyno"])
			}
			delete(got, "sign") // verified by the platform
			if d := diffKeys(got, want); d != "" {
				t.Errorf("baohannotice of %s: %s", want["applyno"], d)
			}
		}
		for _, a := range []*service.Application{approved, rejected} {
			ns := e.notices(a)
			as := e.attempts(ns[0])
			if ns[0].Status != service.NoticeDelivered || len(as) != 1 || as[0].HTTPStatus != 200 || as[0].Code != "1" || as[0].Message != "成功" ||
				as[0].Error != "" || as[0].Duration <= 0 || !as[0].StartedAt.Equal(noticeT0) {
				t.Errorf("%s: notice %+v, attempts %+v", a.ApplyNo, ns[0], as)
			}
		}
	})
}

// diffKeys describes how got differs from want.
func diffKeys(got, want map[string]string) string {
	var out []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			out = append(out, "missing "+k)
		} else if g != v {
			out = append(out, fmt.Sprintf("%s = %.60q, want %.60q", k, g, v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			out = append(out, "unexpected "+k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// TestNoticeFailures makes the platform fail each way; each attempt is
// recorded and the notice retried on its schedule with a fresh timestamp
// and signature, and delivered once the platform accepts it.
func TestNoticeFailures(t *testing.T) {
	tests := []struct {
		desc      string
		fail      func(p *stubPlatform)
		delays    []time.Duration
		wantHTTP  int
		wantCode  string
		wantMsg   string
		wantError string
	}{
		{"connection refused", (*stubPlatform).down, []time.Duration{time.Second, 5 * time.Second, 15 * time.Second}, 0, "", "", "connection refused"},
		{"HTTP 503", func(p *stubPlatform) { p.setMode(stub503) }, []time.Duration{time.Second, 5 * time.Second}, 503, "", "", "HTTP 503"},
		{"timeout", func(p *stubPlatform) { p.setMode(stubSlow) }, []time.Duration{time.Second, 5 * time.Second}, 0, "", "", "deadline exceeded"},
		{"malformed answer", func(p *stubPlatform) { p.setMode(stubMalformed) }, []time.Duration{time.Second, 5 * time.Second}, 200, "", "", "unreadable answer"},
		{"code 0", func(p *stubPlatform) { p.setMode(stubCode0) }, []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}, 200, "0", "项目数据尚未同步，请稍后再试", ""},
		{"HTTP 404", func(p *stubPlatform) { p.setMode(stub404) }, []time.Duration{time.Minute, 5 * time.Minute}, 404, "", "接口不存在", "HTTP 404"},
		// A redirect is a failed attempt with its status, never followed
		// (307 would re-POST the signed notice elsewhere).
		{"HTTP 307 redirect", func(p *stubPlatform) { p.setMode(stubRedirect) }, []time.Duration{time.Second, 5 * time.Second}, 307, "", "", "重定向 HTTP 307（Location: \"/moved/baohannotice\"），未跟随"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, st *store.Store) {
				clock := servicetest.NewClock(noticeT0)
				e := newNoticeEnv(t, st, clock, service.DispatcherConfig{SendTimeout: 300 * time.Millisecond}, 4096)
				a := e.approve("TBaoHanFAIL2026112700001")
				tt.fail(e.platform)
				for i, delay := range tt.delays {
					if got := e.round(); got != 1 {
						t.Fatalf("attempt %d: claimed %d", i+1, got)
					}
					n := e.notices(a)[0]
					as := e.attempts(n)
					last := as[len(as)-1]
					if n.Status != service.NoticePending || len(as) != i+1 || !n.NextAttemptAt.Equal(clock.Now().Add(delay)) {
						t.Fatalf("after attempt %d: %+v with %d attempts, want pending until +%v", i+1, n, len(as), delay)
					}
					if last.HTTPStatus != tt.wantHTTP || last.Code != tt.wantCode || last.Message != tt.wantMsg || !strings.Contains(last.Error, tt.wantError) ||
						(tt.wantError == "") != (last.Error == "") || n.LastError == "" {
						t.Fatalf("attempt %d recorded as %+v (last error %q); want HTTP %d, code %q, message %q, error containing %q",
							i+1, last, n.LastError, tt.wantHTTP, tt.wantCode, tt.wantMsg, tt.wantError)
					}
					if strings.Contains(last.Error+n.LastError, noticeSecret) {
						t.Fatal("the attempt records the appsecret")
					}
					clock.Set(n.NextAttemptAt.Add(-time.Millisecond))
					if got := e.round(); got != 0 {
						t.Fatalf("claimed %d before the retry was due", got)
					}
					clock.Set(n.NextAttemptAt)
				}
				e.platform.setMode(stubOK)
				if tt.desc == "connection refused" {
					e.platform.up()
				}
				e.round()
				n := e.notices(a)[0]
				if n.Status != service.NoticeDelivered || n.Attempts != len(tt.delays)+1 {
					t.Fatalf("after the platform recovered: %+v", n)
				}
				if total, _ := e.platform.acceptedCount(); total != 1 {
					t.Errorf("accepted %d times, want once", total)
				}
				signs := map[string]bool{}
				for _, r := range e.platform.received() {
					if signs[r.Params["sign"]] {
						t.Errorf("a retry reused the signature %s", r.Params["sign"])
					}
					signs[r.Params["sign"]] = true
				}
				e.platform.verify(t)
			})
		})
	}
}

// TestNoticesPlatformDownThenBack queues two notices for each of several
// applications while the platform refuses connections, then answers 503,
// then comes back: every notice arrives once, in order.
func TestNoticesPlatformDownThenBack(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		clock := servicetest.NewClock(noticeT0)
		e := newNoticeEnv(t, st, clock, service.DispatcherConfig{}, 8192)
		e.platform.down()
		var apps []*service.Application
		for i := 0; i < 12; i++ {
			a := e.approve(fmt.Sprintf("TBaoHanDOWN20261127%05d", i))
			e.restore(a)
			apps = append(apps, a)
		}
		step := func(phase string, until time.Duration) {
			t.Helper()
			for end := clock.Now().Add(until); clock.Now().Before(end); clock.Advance(7 * time.Second) {
				e.rounds()
			}
		}
		step("down", 2*time.Minute)
		if got := len(e.platform.received()); got != 0 {
			t.Fatalf("%d notices arrived while the platform was down", got)
		}
		e.platform.up()
		e.platform.setMode(stub503)
		step("503", time.Minute)
		e.platform.setMode(stubOK)
		step("up", 15*time.Minute)

		e.platform.verify(t)
		if total, distinct := e.platform.acceptedCount(); total != 2*len(apps) || distinct != 2*len(apps) {
			t.Fatalf("accepted %d notices (%d distinct), want each of %d once", total, distinct, 2*len(apps))
		}
		order := map[string][]string{}
		for _, r := range e.platform.received() {
			if r.Answer == stubOK {
				order[r.Params["applyno"]] = append(order[r.Params["applyno"]], r.Interface)
			}
		}
		for _, a := range apps {
			if got := strings.Join(order[a.ApplyNo], ","); got != "baohannotice,restorenotice" {
				t.Errorf("%s: arrived %s, want baohannotice,restorenotice", a.ApplyNo, got)
			}
			// The restorenotice waited for the baohannotice: it was never
			// tried while the platform was away.
			ns := e.notices(a)
			if ns[0].Status != service.NoticeDelivered || ns[0].Attempts < 3 || ns[1].Status != service.NoticeDelivered || ns[1].Attempts != 1 {
				t.Errorf("%s: baohannotice %s after %d attempts, restorenotice %s after %d; want delivered after several, and after one",
					a.ApplyNo, ns[0].Status, ns[0].Attempts, ns[1].Status, ns[1].Attempts)
			}
		}
	})
}

func TestNoticeDocumentNotPDFNeverSent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newNoticeEnv(t, st, servicetest.NewClock(noticeT0), service.DispatcherConfig{}, 4096)
		a := e.approve("TBaoHanZIP2026112700001")
		e.rounds()
		zip := []byte("PK\x03\x04\x14\x00 error.zip")
		doc := &service.Document{ApplicationID: a.ID, Kind: service.DocPlainLetter, Token: "zip-token-0123456789abcdefghijklmnopqrstuv",
			FileName: "明文保函.pdf", ContentType: "application/pdf", SM3: gmcrypto.SM3Hex(zip), Size: int64(len(zip)), Data: zip, CreatedAt: noticeT0}
		if err := st.CreateDocument(e.ctx, doc); err != nil {
			t.Fatal(err)
		}
		n := &service.Notice{ApplicationID: a.ID, Platform: noticeAppKey, Interface: "restorenotice", DocumentID: doc.ID, Status: service.NoticePending,
			Fields: map[string]string{"applyno": a.ApplyNo, "baohanno": a.BaohanNo}, CreatedAt: noticeT0}
		if err := st.CreateNotice(e.ctx, n); err != nil {
			t.Fatal(err)
		}
		e.rounds()
		for _, r := range e.platform.received() {
			if r.Interface == "restorenotice" {
				t.Fatal("the platform got a restorenotice with a ZIP")
			}
		}
		n, err := st.GetNotice(e.ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != service.NoticeFailed || !strings.Contains(n.LastError, "不是 PDF") {
			t.Errorf("notice: %+v, want failed naming the PDF check", n)
		}
		e.platform.verify(t)
	})
}

// openTwice opens two stores on one fresh database of the engine (two
// processes on one database).
func openTwice(t *testing.T, driver string) (*store.Store, *store.Store) {
	t.Helper()
	var dsn string
	switch driver {
	case store.DriverSQLite:
		dsn = filepath.Join(t.TempDir(), "baohan.db")
	case store.DriverMySQL:
		dsn = storetest.MySQLDatabase(t, os.Getenv(storetest.MySQLEnv))
	}
	open := func() *store.Store {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := store.Open(ctx, driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return st
	}
	return open(), open()
}

// testDrivers are the engines of this run.
func testDrivers() []string {
	drivers := []string{store.DriverSQLite}
	if os.Getenv(storetest.MySQLEnv) != "" {
		drivers = append(drivers, store.DriverMySQL)
	}
	return drivers
}

// TestTwoDispatchersOneDatabase runs two dispatchers, each with a store of
// its own, on one database against one platform: no notice is ever sent
// by both at once, every notice arrives exactly once, in order.
func TestTwoDispatchersOneDatabase(t *testing.T) {
	for _, driver := range testDrivers() {
		t.Run(driver, func(t *testing.T) {
			st1, st2 := openTwice(t, driver)
			e1 := newNoticeEnv(t, st1, nil, service.DispatcherConfig{Owner: "one", Workers: 6, Poll: 10 * time.Millisecond}, 16<<10)
			e2 := newNoticeEnv(t, st2, nil, service.DispatcherConfig{Owner: "two", Workers: 6, Poll: 10 * time.Millisecond}, 16<<10)
			// One platform for both; count who sends what.
			p := e1.platform
			var sends [2]*servicetest.Sender // counts the sends of each dispatcher
			for i, e := range []*noticeEnv{e1, e2} {
				notices := &outbound.Notices{Client: &platform.Client{}, Now: time.Now,
					Accounts: []platform.Account{{AppKey: noticeAppKey, AppSecret: noticeSecret, NotifyURL: p.NotifyURL()}}}
				sends[i] = &servicetest.Sender{}
				sends[i].SetAnswer(func(ctx context.Context, s servicetest.Sent) (service.SendResult, error) {
					return notices.Send(ctx, s.AppKey, s.Interface, s.Fields)
				})
				e.d = e.svc.NewDispatcher(sends[i], service.DispatcherConfig{Owner: fmt.Sprint("dispatcher-", i), Workers: 6, Poll: 10 * time.Millisecond})
			}
			p.delay = 2 * time.Millisecond
			const apps = 40
			for i := 0; i < apps; i++ {
				a := e1.approve(fmt.Sprintf("TBaoHanTWO20261127%05d", i))
				e1.restore(a)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, d := range []*service.Dispatcher{e1.d, e2.d} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					d.Run(ctx)
				}()
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, distinct := p.acceptedCount(); distinct == 2*apps || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			wg.Wait()
			p.verify(t)
			if total, distinct := p.acceptedCount(); total != 2*apps || distinct != 2*apps {
				t.Fatalf("accepted %d (%d distinct), want each of %d notices once", total, distinct, 2*apps)
			}
			seen := map[string]bool{}
			for _, r := range p.received() {
				if r.Interface == "restorenotice" && !seen["baohannotice "+r.Params["applyno"]] {
					t.Errorf("%s: restorenotice before baohannotice", r.Params["applyno"])
				}
				seen[r.key()] = true
			}
			sent0, sent1 := len(sends[0].Sends()), len(sends[1].Sends())
			t.Logf("dispatcher 0 sent %d, dispatcher 1 sent %d", sent0, sent1)
			if sent0 == 0 || sent1 == 0 {
				t.Errorf("one dispatcher sent nothing: %d and %d", sent0, sent1)
			}
		})
	}
}

// BenchmarkDeliver400KiB measures delivery to a local platform of notices
// carrying a 400 KiB letter, on SQLite: reading the document, base64,
// signing, posting, the platform checking the signature, recording.
func BenchmarkDeliver400KiB(b *testing.B) {
	st := storetest.SQLite(b)
	e := newNoticeEnv(b, st, nil, service.DispatcherConfig{Poll: 10 * time.Millisecond}, 400<<10)
	e.platform.lean = true // a platform checks the signature; the tests check the rest
	for i := 0; i < b.N; i++ {
		e.approve(fmt.Sprintf("TBaoHanBENCH20261127%06d", i))
	}
	b.SetBytes(400 << 10)
	b.ResetTimer()
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.d.Run(ctx)
	}()
	for {
		if total, _ := e.platform.acceptedCount(); total >= b.N {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	e.platform.verify(b)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notices/s")
}
