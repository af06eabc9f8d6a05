package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
)

const (
	appKey    = "finance_jilin"
	appSecret = "0f8e2c1a-5b7d-4e3f-9a6b-2c4d6e8f0a1b"
	redirect  = "https://bank.example.com/portal/apply?no=TBaoHanJL2024052009300012345"
)

// longAppKey is a configured appkey one character longer than the spec's 50,
// so that the length rule, not the unknown-appkey rule, refuses it.
var longAppKey = strings.Repeat("k", 51)

// now is the server's fixed clock: 2024-05-20 10:00:00 in Beijing.
var now = time.Date(2024, 5, 20, 10, 0, 0, 0, platform.Beijing)

// call is one call of the fake service.
type call struct {
	method string
	req    any
}

// fakeService records its calls and answers as told: with err, or by
// panicking with panicValue.
type fakeService struct {
	mu         sync.Mutex
	calls      []call
	err        error
	panicValue any
}

func (f *fakeService) record(method string, req any) error {
	f.mu.Lock()
	f.calls = append(f.calls, call{method, req})
	err, p := f.err, f.panicValue
	f.mu.Unlock()
	if p != nil {
		panic(p)
	}
	return err
}

func (f *fakeService) set(err error, panicValue any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.panicValue = err, panicValue
}

func (f *fakeService) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fakeService) Apply(_ context.Context, req service.ApplyRequest) (service.ApplyResult, error) {
	if err := f.record("Apply", req); err != nil {
		return service.ApplyResult{}, err
	}
	return service.ApplyResult{RedirectURL: redirect}, nil
}
func (f *fakeService) Restore(_ context.Context, req service.RestoreRequest) error {
	return f.record("Restore", req)
}
func (f *fakeService) Invoice(_ context.Context, req service.InvoiceRequest) error {
	return f.record("Invoice", req)
}
func (f *fakeService) Quit(_ context.Context, req service.QuitRequest) error {
	return f.record("Quit", req)
}
func (f *fakeService) Cancel(_ context.Context, req service.CancelRequest) error {
	return f.record("Cancel", req)
}
func (f *fakeService) Claim(_ context.Context, req service.ClaimRequest) error {
	return f.record("Claim", req)
}
func (f *fakeService) GiveUp(_ context.Context, req service.GiveUpRequest) error {
	return f.record("GiveUp", req)
}

// testAPI is the platform API on a test server.
type testAPI struct {
	url string
	svc *fakeService
	log *servicetest.Log
}

// newTestAPI starts the platform API with the fake service and a fixed clock.
// maxBody 0 keeps the default. It fails the test if the log ever shows the
// appsecret.
func newTestAPI(t *testing.T, maxBody int64) *testAPI {
	t.Helper()
	logs := &servicetest.Log{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := &fakeService{}
	api := &handler.PlatformAPI{
		Receiver: &platform.Receiver{Direction: platform.Inbound, Accounts: []platform.Account{
			{Name: "吉林省公共资源交易一体化平台", AppKey: appKey, AppSecret: appSecret, NotifyURL: "http://127.0.0.1:1/gbsapi"},
			{Name: "长 appkey 平台", AppKey: longAppKey, AppSecret: appSecret, NotifyURL: "http://127.0.0.1:1/gbsapi"},
		}},
		Service: svc,
		Log:     logger,
		Now:     func() time.Time { return now },
		MaxBody: maxBody,
	}
	engine := handler.NewEngine(logger)
	api.Register(engine)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if strings.Contains(logs.String(), appSecret) {
			t.Errorf("the log contains the appsecret:\n%s", logs)
		}
	})
	return &testAPI{url: srv.URL, svc: svc, log: logs}
}

// answer is the platform API's reply.
type answer struct {
	Code    *int              `json:"code"`
	Message string            `json:"message"`
	Data    map[string]string `json:"data"`
}

// do sends a request and reads the answer, which must be HTTP 200 JSON with a
// code.
func (ta *testAPI) do(t *testing.T, method, name, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, ta.url+"/api/"+name, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s /api/%s: HTTP %d, want 200: %s", method, name, resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s /api/%s: Content-Type %q, want JSON", method, name, ct)
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s /api/%s: answer %s: %v", method, name, raw, err)
	}
	if a.Code == nil {
		t.Fatalf("%s /api/%s: answer %s has no code", method, name, raw)
	}
	return a
}

func (ta *testAPI) post(t *testing.T, name string, body []byte) answer {
	t.Helper()
	return ta.do(t, http.MethodPost, name, platform.ContentType, body)
}

// wantRefused checks a is code 0 with a message containing every part.
func wantRefused(t *testing.T, a answer, parts ...string) {
	t.Helper()
	if *a.Code != 0 {
		t.Errorf("got code %d (%q), want 0", *a.Code, a.Message)
	}
	if a.Message == "" {
		t.Errorf("code 0 without a message")
	}
	for _, p := range parts {
		if !strings.Contains(a.Message, p) {
			t.Errorf("message %q does not contain %q", a.Message, p)
		}
	}
}

func wantOK(t *testing.T, a answer) {
	t.Helper()
	if *a.Code != 1 {
		t.Errorf("got code %d (%q), want 1", *a.Code, a.Message)
	}
}

// Sample values, valid for every rule of the table.
const (
	sPlatformCode = "A3205650121"
	sApplyNo      = "TBaoHanJL2024052009300012345"
	sBaohanNo     = "JLBH2024052000001"
	sKey          = "eyF5xYB3evZe2Ge+svjKAQ=="
	sIV           = "000102030405060708090a0b0c0d0e0f"
)

// samples are complete valid messages without sign, by interface: every
// field of the spec filled, so that the typed request shows every mapping.
func samples() map[string]map[string]string {
	common := func(more map[string]string) map[string]string {
		m := map[string]string{"appkey": appKey, "timestamp": platform.FormatTime(now), "platformcode": sPlatformCode, "applyno": sApplyNo, "baohanno": sBaohanNo}
		maps.Copy(m, more)
		return m
	}
	giveUp := common(nil)
	delete(giveUp, "baohanno")
	apply := common(map[string]string{
		"biddername":   "江苏国泰测试用单位新疆4建",
		"biddercode":   "91650100MA7XXXXX8K",
		"jbrname":      "张三",
		"jbrphone":     "18118833439",
		"biaoduanno":   "3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=",
		"biaoduanname": "zdxk51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo=",
		"bzjamount":    "20000.00",
		"zbr":          "/kdDw4lH0u4TMTRNEV8iHhDgpdGZbpy2OLrBtexp0d4=",
		"zbrorgnum":    "uL6aFw3t4xThWQUpFUJxRyUZomxIiWY9XTbFnYKZ1Vw=",
	})
	delete(apply, "baohanno")
	return map[string]map[string]string{
		platform.BaohanApply:   apply,
		platform.BaohanRestore: common(map[string]string{"kaibiaotime": "2024-05-20 09:30:00", "key": sKey, "iv": sIV}),
		platform.InvoiceApply: common(map[string]string{
			"biddername":     "江苏国泰测试用单位新疆4建",
			"biddercode":     "91650100MA7XXXXX8K",
			"amount":         "140.00",
			"type":           "1",
			"address":        "长春市南关区人民大街 1 号",
			"phone":          "0431-88888888",
			"bank":           "中国银行长春南关支行",
			"account":        "6222020200112233445",
			"email":          "finance@example.com",
			"mobile":         "13800138000",
			"contactname":    "李四",
			"contactaddress": "长春市朝阳区西安大路 2 号",
		}),
		platform.QuitApply:    common(map[string]string{"reason": "项目暂停，投标人申请退保"}),
		platform.CancelNotice: common(nil),
		platform.ClaimsNotice: common(map[string]string{
			"payeraccount":   "6217000000001234567",
			"payeramount":    "20000.00",
			"filelist":       `[{"fileurl":"https://platform.example.com/claims/1.pdf"},{"fileurl":"https://platform.example.com/claims/2.pdf"}]`,
			"applyusername":  "王五",
			"applyuserphone": "0431-81234567",
			"Reason":         "中标人放弃中标 & 拒签合同",
		}),
		platform.GiveUp: giveUp,
	}
}

// wantRequests are the typed requests the service must get for samples().
func wantRequests() map[string]call {
	s := samples()
	a, r, i, q, c, cl, g := s[platform.BaohanApply], s[platform.BaohanRestore], s[platform.InvoiceApply], s[platform.QuitApply], s[platform.CancelNotice], s[platform.ClaimsNotice], s[platform.GiveUp]
	return map[string]call{
		platform.BaohanApply: {"Apply", service.ApplyRequest{
			Origin:     service.Origin{Platform: appKey, PlatformCode: sPlatformCode, ApplyNo: sApplyNo},
			BidderName: a["biddername"], BidderCode: a["biddercode"], JbrName: a["jbrname"], JbrPhone: a["jbrphone"],
			BiaoduanNo: a["biaoduanno"], BiaoduanName: a["biaoduanname"], BzjAmount: "20000.00", Zbr: a["zbr"], ZbrOrgNum: a["zbrorgnum"],
		}},
		platform.BaohanRestore: {"Restore", service.RestoreRequest{
			Origin: service.Origin{Platform: appKey, PlatformCode: sPlatformCode, ApplyNo: sApplyNo}, BaohanNo: sBaohanNo,
			KaibiaoTime: r["kaibiaotime"], Key: sKey, IV: sIV,
		}},
		platform.InvoiceApply: {"Invoice", service.InvoiceRequest{
			Origin: service.Origin{Platform: appKey, PlatformCode: sPlatformCode, ApplyNo: sApplyNo}, BaohanNo: sBaohanNo,
			BidderName: i["biddername"], BidderCode: i["biddercode"], Amount: "140.00", Type: "1",
			Address: i["address"], Phone: i["phone"], Bank: i["bank"], Account: i["account"], Email: i["email"],
			Mobile: i["mobile"], ContactName: i["contactname"], ContactAddress: i["contactaddress"],
		}},
		platform.QuitApply: {"Quit", service.QuitRequest{
			Origin: service.Origin{Platform: appKey, PlatformCode: sPlatformCode, ApplyNo: sApplyNo}, BaohanNo: sBaohanNo, Reason: q["reason"],
		}},
		platform.CancelNotice: {"Cancel", service.CancelRequest{
			Origin: service.Origin{Platform: appKey, PlatformCode: c["platformcode"], ApplyNo: sApplyNo}, BaohanNo: sBaohanNo,
		}},
		platform.ClaimsNotice: {"Claim", service.ClaimRequest{
			Origin: service.Origin{Platform: appKey, PlatformCode: sPlatformCode, ApplyNo: sApplyNo}, BaohanNo: sBaohanNo,
			PayerAccount: cl["payeraccount"], PayerAmount: "20000.00", FileList: cl["filelist"],
			ApplyUserName: cl["applyusername"], ApplyUserPhone: cl["applyuserphone"], Reason: cl["Reason"],
		}},
		platform.GiveUp: {"GiveUp", service.GiveUpRequest{
			Origin: service.Origin{Platform: appKey, PlatformCode: g["platformcode"], ApplyNo: sApplyNo},
		}},
	}
}

// inboundSpecs are the seven interfaces the platform calls on us.
func inboundSpecs(t *testing.T) []platform.Spec {
	t.Helper()
	var out []platform.Spec
	for _, s := range platform.Specs() {
		if s.Direction == platform.Inbound {
			out = append(out, s)
		}
	}
	if len(out) != 7 {
		t.Fatalf("got %d inbound interfaces, want 7", len(out))
	}
	return out
}

// sample returns a copy of the sample message of spec; it fails the test if
// the table has none or if it names a field the spec does not.
func sample(t *testing.T, spec platform.Spec) map[string]string {
	t.Helper()
	s, ok := samples()[spec.Name]
	if !ok {
		t.Fatalf("no sample message for %s", spec.Name)
	}
	for k := range s {
		if _, ok := spec.Field(k); !ok {
			t.Fatalf("sample of %s has %s, not a field of the spec", spec.Name, k)
		}
	}
	for _, f := range spec.Fields {
		if _, ok := s[f.Name]; !ok && f.Name != "sign" {
			t.Fatalf("sample of %s lacks %s", spec.Name, f.Name)
		}
	}
	return s
}

// sign returns params with their sign, computed with appSecret.
func sign(params map[string]string) map[string]string {
	p := maps.Clone(params)
	delete(p, "sign")
	p["sign"] = gmcrypto.Sign(p, appSecret)
	return p
}

// encode renders params as the platform does: a JSON object of strings.
func encode(t *testing.T, params map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(params); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// signed is the JSON of params signed with appSecret.
func signed(t *testing.T, params map[string]string) []byte {
	t.Helper()
	return encode(t, sign(params))
}

// change returns a copy of params with field set to value.
func change(params map[string]string, field, value string) map[string]string {
	p := maps.Clone(params)
	p[field] = value
	return p
}

// without returns a copy of params without field.
func without(params map[string]string, field string) map[string]string {
	p := maps.Clone(params)
	delete(p, field)
	return p
}

// badCase is a request the platform API must refuse before the service.
type badCase struct {
	desc string
	body []byte
	want []string // parts of the refusal message
}

var (
	badAmounts   = []string{"-1", "1e3", "20,000.00", "20000.000", ".5", "2万", "20000.", "￥20000", "20000元"}
	badDateTimes = []string{"2024-02-30 10:00:00", "2024/05/20 10:00:00", "2024-05-20T10:00:00", "2024-05-20", "2024-05-20 10:00", "20240520100000"}
	badEnums     = []string{"2", "-1", "专", "01", "true"}
	badArrays    = []string{`{"fileurl":"x"}`, `[{"fileurl":`, "https://platform.example.com/claims/1.pdf"}
)

// badCases derives every refusal of the table for one interface from its
// sample.
func badCases(t *testing.T, spec platform.Spec) []badCase {
	t.Helper()
	s := sample(t, spec)
	var cases []badCase
	add := func(desc string, body []byte, want ...string) {
		cases = append(cases, badCase{desc, body, want})
	}
	for _, f := range spec.Fields {
		switch {
		case f.Name == "sign":
			add("missing sign", encode(t, s), "sign", "缺失")
		case f.Required:
			add("missing "+f.Name, signed(t, without(s, f.Name)), "字段 "+f.Name, "缺失")
			add("blank "+f.Name, signed(t, change(s, f.Name, "  ")), "字段 "+f.Name, "缺失")
		case f.RequiredIf != nil && s[f.RequiredIf.Field] == f.RequiredIf.Value:
			add("missing "+f.Name+" when "+f.RequiredIf.Field+"="+f.RequiredIf.Value, signed(t, without(s, f.Name)),
				"字段 "+f.Name, "缺失", f.RequiredIf.Field+" 为 "+f.RequiredIf.Value+" 时必填")
		}
		if f.MaxLen > 0 {
			long := strings.Repeat("长", f.MaxLen+1)
			switch f.Name {
			case "appkey":
				add("appkey too long", signed(t, change(s, "appkey", longAppKey)), "字段 appkey", "超长")
			case "timestamp":
				// A 31-character timestamp cannot be a time: the timestamp
				// check refuses it first.
				add("timestamp too long", signed(t, change(s, "timestamp", long)), "字段 timestamp", "格式错误")
			case "sign":
				p := sign(s)
				p["sign"] += strings.Repeat("0", f.MaxLen+1-len(p["sign"]))
				add("sign too long", encode(t, p), "字段 sign", "校验失败")
			default:
				add(f.Name+" too long", signed(t, change(s, f.Name, long)), "字段 "+f.Name, "超长", "最多 "+strconv.Itoa(f.MaxLen)+" 个字符")
			}
		}
		var bad []string
		switch f.Format {
		case platform.Amount:
			bad = badAmounts
		case platform.DateTime:
			bad = badDateTimes
		case platform.JSONArray:
			bad = badArrays
		case platform.Enum:
			for _, v := range badEnums {
				add(f.Name+" = "+v, signed(t, change(s, f.Name, v)), "字段 "+f.Name, "取值错误")
			}
		}
		for _, v := range bad {
			add(f.Name+" = "+v, signed(t, change(s, f.Name, v)), "字段 "+f.Name, "格式错误")
		}
	}

	good := sign(s)
	flipped := maps.Clone(good)
	flipped["sign"] = strings.Map(func(r rune) rune {
		if r == '0' {
			return '1'
		}
		return '0'
	}, good["sign"][:1]) + good["sign"][1:]
	add("bad signature", encode(t, flipped), "字段 sign", "校验失败")
	add("signed with another secret", encode(t, with(s, "sign", gmcrypto.Sign(s, "another-secret"))), "字段 sign", "校验失败")
	add("changed after signing", encode(t, with(good, "applyno", sApplyNo+"X")), "字段 sign", "校验失败")
	add("unknown appkey", signed(t, change(s, "appkey", "finance_nobody")), "appkey", "finance_nobody", "未知")
	add("31 minutes old", signed(t, change(s, "timestamp", platform.FormatTime(now.Add(-31*time.Minute)))),
		"timestamp", "超出允许范围", "服务器时间 2024-05-20 10:00:00")
	add("31 minutes in the future", signed(t, change(s, "timestamp", platform.FormatTime(now.Add(31*time.Minute)))),
		"timestamp", "超出允许范围", "服务器时间 2024-05-20 10:00:00")
	add("timestamp in UTC", signed(t, change(s, "timestamp", now.UTC().Format(platform.TimeLayout))),
		"timestamp", "超出允许范围", "服务器时间 2024-05-20 10:00:00")
	add("malformed JSON", []byte(`{"appkey":"`+appKey+`","applyno":`), "报文无法解析", "JSON")
	add("trailing comma", []byte(`{"appkey":"`+appKey+`",}`), "报文无法解析", "JSON")
	add("not an object", []byte(`["`+appKey+`"]`), "报文无法解析", "JSON 对象")
	add("empty body", nil, "报文为空")
	add("duplicate field", []byte(strings.Replace(string(signed(t, s)), "{", `{"applyno":"other",`, 1)), "applyno", "重复")
	add("oversized body", signed(t, change(s, "padding", strings.Repeat("a", handler.DefaultMaxBody))), "报文过大", strconv.Itoa(handler.DefaultMaxBody))
	return cases
}

func with(params map[string]string, field, value string) map[string]string {
	return change(params, field, value)
}

func TestPlatformAPIRefusals(t *testing.T) {
	for _, spec := range inboundSpecs(t) {
		t.Run(spec.Name, func(t *testing.T) {
			ta := newTestAPI(t, 0)
			for _, tc := range badCases(t, spec) {
				t.Run(tc.desc, func(t *testing.T) {
					wantRefused(t, ta.post(t, spec.Name, tc.body), tc.want...)
				})
			}
			if calls := ta.svc.Calls(); len(calls) != 0 {
				t.Errorf("the service was called %d times for refused messages: %+v", len(calls), calls)
			}
			if spec.Name == platform.BaohanRestore {
				logs := ta.log.String()
				for _, secret := range []string{sKey, sIV} {
					if strings.Contains(logs, secret) {
						t.Errorf("the log contains the SM4 key material %q", secret)
					}
				}
			}
		})
	}
}

func TestPlatformAPIAccepts(t *testing.T) {
	wants := wantRequests()
	for _, spec := range inboundSpecs(t) {
		t.Run(spec.Name, func(t *testing.T) {
			s := sample(t, spec)
			want, ok := wants[spec.Name]
			if !ok {
				t.Fatalf("no expected request for %s", spec.Name)
			}
			tests := []struct {
				desc        string
				contentType string
				body        []byte
			}{
				{"json", platform.ContentType, signed(t, s)},
				{"json without charset", "application/json", signed(t, s)},
				{"form requestData", "application/x-www-form-urlencoded", []byte(url.Values{"requestData": {string(signed(t, s))}}.Encode())},
				{"form requestData with charset", "application/x-www-form-urlencoded;charset=UTF-8", []byte(url.Values{"requestData": {string(signed(t, s))}}.Encode())},
				{"upper-case sign", platform.ContentType, encode(t, with(sign(s), "sign", strings.ToUpper(sign(s)["sign"])))},
				{"29 minutes old", platform.ContentType, signed(t, change(s, "timestamp", platform.FormatTime(now.Add(-29*time.Minute))))},
			}
			for _, tt := range tests {
				t.Run(tt.desc, func(t *testing.T) {
					ta := newTestAPI(t, 0)
					a := ta.do(t, http.MethodPost, spec.Name, tt.contentType, tt.body)
					wantOK(t, a)
					if a.Message != "成功" {
						t.Errorf("message got %q, want 成功", a.Message)
					}
					calls := ta.svc.Calls()
					if len(calls) != 1 {
						t.Fatalf("service called %d times, want once", len(calls))
					}
					if calls[0] != want {
						t.Errorf("service got\n %s %+v\nwant\n %s %+v", calls[0].method, calls[0].req, want.method, want.req)
					}
					if spec.Name == platform.BaohanApply {
						if got := a.Data["redirecturl"]; got != redirect {
							t.Errorf("data.redirecturl got %q, want %q", got, redirect)
						}
					} else if a.Data != nil {
						t.Errorf("data got %v, want none", a.Data)
					}
				})
			}
		})
	}
}

func TestPlatformAPIAcceptsOptionalFieldsLeftOut(t *testing.T) {
	for _, spec := range inboundSpecs(t) {
		t.Run(spec.Name, func(t *testing.T) {
			s := sample(t, spec)
			if spec.Name == platform.InvoiceApply {
				s["type"] = "0" // 普票: the 专票 fields become optional
			}
			for _, f := range spec.Fields {
				if !f.Required {
					delete(s, f.Name)
				}
			}
			ta := newTestAPI(t, 0)
			wantOK(t, ta.post(t, spec.Name, signed(t, s)))
			// Fields left out arrive as empty strings, as do empty values.
			s2 := maps.Clone(s)
			for _, f := range spec.Fields {
				if !f.Required && f.Name != "sign" {
					s2[f.Name] = ""
				}
			}
			wantOK(t, ta.post(t, spec.Name, signed(t, s2)))
			calls := ta.svc.Calls()
			if len(calls) != 2 || calls[0] != calls[1] {
				t.Errorf("calls got %+v, want two equal calls", calls)
			}
		})
	}
}

func TestPlatformAPIMaxLenAccepted(t *testing.T) {
	// A text field exactly at its length in Chinese characters is accepted.
	for _, spec := range inboundSpecs(t) {
		t.Run(spec.Name, func(t *testing.T) {
			ta := newTestAPI(t, 0)
			for _, f := range spec.Fields {
				if f.MaxLen == 0 || f.Format != platform.Text || f.Name == "appkey" || f.Name == "sign" {
					continue
				}
				a := ta.post(t, spec.Name, signed(t, change(sample(t, spec), f.Name, strings.Repeat("长", f.MaxLen))))
				if *a.Code != 1 {
					t.Errorf("%s of %d characters: got code %d %q, want 1", f.Name, f.MaxLen, *a.Code, a.Message)
				}
			}
		})
	}
}

func TestPlatformAPIUnknownFieldsAreSigned(t *testing.T) {
	ta := newTestAPI(t, 0)
	s := change(samples()[platform.GiveUp], "newfield", "平台新增字段")
	wantOK(t, ta.post(t, platform.GiveUp, signed(t, s)))
	// The same message with the new field left out of the signature fails.
	p := sign(without(s, "newfield"))
	p["newfield"] = "平台新增字段"
	wantRefused(t, ta.post(t, platform.GiveUp, encode(t, p)), "sign", "校验失败")
}

func TestPlatformAPIJSONNumber(t *testing.T) {
	ta := newTestAPI(t, 0)
	s := samples()[platform.BaohanApply]
	body := string(signed(t, s))
	numeric := strings.Replace(body, `"bzjamount":"20000.00"`, `"bzjamount":20000.00`, 1)
	if numeric == body {
		t.Fatalf("body %s has no bzjamount to replace", body)
	}
	wantOK(t, ta.post(t, platform.BaohanApply, []byte(numeric)))
	calls := ta.svc.Calls()
	if len(calls) != 1 || calls[0].req.(service.ApplyRequest).BzjAmount != "20000.00" {
		t.Errorf("calls got %+v, want bzjamount 20000.00", calls)
	}
	// Signed over another rendering of the number, it is refused.
	other := strings.Replace(body, `"bzjamount":"20000.00"`, `"bzjamount":20000`, 1)
	wantRefused(t, ta.post(t, platform.BaohanApply, []byte(other)), "sign", "校验失败")
}

func TestPlatformAPIMaxBody(t *testing.T) {
	const maxBody = 2048
	ta := newTestAPI(t, maxBody)
	s := samples()[platform.GiveUp]
	// A pad field makes the signed body exactly n bytes.
	bodyOf := func(n int) []byte {
		base := len(signed(t, change(s, "pad", "a")))
		b := signed(t, change(s, "pad", strings.Repeat("a", n-base+1)))
		if len(b) != n {
			t.Fatalf("body is %d bytes, want %d", len(b), n)
		}
		return b
	}
	wantOK(t, ta.post(t, platform.GiveUp, bodyOf(maxBody)))
	wantRefused(t, ta.post(t, platform.GiveUp, bodyOf(maxBody+1)), "报文过大", "2048 字节")
	if n := len(ta.svc.Calls()); n != 1 {
		t.Errorf("service called %d times, want 1", n)
	}
}

func TestPlatformAPIRoutes(t *testing.T) {
	ta := newTestAPI(t, 0)
	body := signed(t, samples()[platform.BaohanApply])
	tests := []struct {
		desc   string
		method string
		name   string
		want   []string
	}{
		{"unknown interface", http.MethodPost, "nosuch", []string{"未知的接口", "nosuch", "baohanapply"}},
		{"our own notice", http.MethodPost, "baohannotice", []string{"未知的接口", "baohannotice"}},
		{"wrong case", http.MethodPost, "BaohanApply", []string{"未知的接口", "BaohanApply"}},
		{"GET", http.MethodGet, "baohanapply", []string{"GET", "POST"}},
		{"PUT", http.MethodPut, "baohanapply", []string{"PUT", "POST"}},
		{"DELETE", http.MethodDelete, "quitapply", []string{"DELETE"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			wantRefused(t, ta.do(t, tt.method, tt.name, platform.ContentType, body), tt.want...)
		})
	}
	if n := len(ta.svc.Calls()); n != 0 {
		t.Errorf("service called %d times, want 0", n)
	}
}

func TestPlatformAPIServiceErrors(t *testing.T) {
	tests := []struct {
		desc    string
		err     error
		panic   any
		want    string
		wantLog []string
	}{
		{"service.Error", service.Errorf(service.ESTATE, "保函已注销，不能%s", "退保"), nil, "保函已注销，不能退保", []string{"level=WARN", "platform request refused"}},
		{"wrapped service.Error", errors.Join(errors.New("context"), service.Errorf(service.ECONFLICT, "业务流水号 %s 已存在且内容不同", sApplyNo)), nil,
			"业务流水号 " + sApplyNo + " 已存在且内容不同", []string{"level=WARN"}},
		{"plain error", errors.New("database is on fire"), nil, "系统内部错误", []string{"level=ERROR", "platform request failed", "database is on fire"}},
		{"panic", nil, "boom in the service", "系统内部错误", []string{"level=ERROR", "panic", "boom in the service"}},
	}
	for _, spec := range inboundSpecs(t) {
		for _, tt := range tests {
			t.Run(spec.Name+"/"+tt.desc, func(t *testing.T) {
				ta := newTestAPI(t, 0)
				ta.svc.set(tt.err, tt.panic)
				a := ta.post(t, spec.Name, signed(t, sample(t, spec)))
				wantRefused(t, a)
				if a.Message != tt.want {
					t.Errorf("message got %q, want %q", a.Message, tt.want)
				}
				logs := ta.log.String()
				for _, w := range tt.wantLog {
					if !strings.Contains(logs, w) {
						t.Errorf("log does not contain %q:\n%s", w, logs)
					}
				}
				if len(ta.svc.Calls()) != 1 {
					t.Errorf("service called %d times, want once", len(ta.svc.Calls()))
				}
				// The server keeps serving.
				ta.svc.set(nil, nil)
				wantOK(t, ta.post(t, spec.Name, signed(t, sample(t, spec))))
			})
		}
	}
}

func TestPlatformAPILog(t *testing.T) {
	for _, spec := range inboundSpecs(t) {
		t.Run(spec.Name, func(t *testing.T) {
			ta := newTestAPI(t, 0)
			p := sign(sample(t, spec))
			wantOK(t, ta.post(t, spec.Name, encode(t, p)))
			// A refused message is logged the same way.
			bad := with(p, "sign", strings.Repeat("0", 64))
			wantRefused(t, ta.post(t, spec.Name, encode(t, bad)), "sign")

			masked := maps.Clone(p)
			for _, k := range []string{"key", "iv"} {
				if masked[k] != "" {
					masked[k] = "******"
				}
			}
			signing := gmcrypto.RedactedSigningString(masked)
			logs := ta.log.String()
			for _, w := range []string{
				"applyno=" + sApplyNo,
				"appkey=" + appKey,
				"interface=" + spec.Name,
				"signing_string=" + strconv.Quote(signing),
				"&appsecret=******",
				"level=INFO",
				"level=WARN",
			} {
				if !strings.Contains(logs, w) {
					t.Errorf("log does not contain %q:\n%s", w, logs)
				}
			}
			if strings.Count(logs, "signing_string=") != 2 {
				t.Errorf("want the signing string logged for both requests:\n%s", logs)
			}
			for _, secret := range []string{appSecret, sKey, sIV} {
				if strings.Contains(logs, secret) {
					t.Errorf("log contains the secret %q:\n%s", secret, logs)
				}
			}
		})
	}
}

func TestPlatformAPIConcurrent(t *testing.T) {
	ta := newTestAPI(t, 0)
	body := signed(t, samples()[platform.QuitApply])
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			wantOK(t, ta.post(t, platform.QuitApply, body))
		})
	}
	wg.Wait()
	if n := len(ta.svc.Calls()); n != 20 {
		t.Errorf("service called %d times, want 20", n)
	}
}
