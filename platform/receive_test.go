package platform_test

import (
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

// v1Body is WIRE.md's vector V1, a baohanapply signed by a real platform.
const (
	v1Body   = `{"appkey":"finance_gongbaowang","applyno":"TBaoHanGBWBH2022022314223517227","biaoduanname":"22yLFrP+hxQKOJe71oMF4Q==","biaoduanno":"ZQTlFtJoYGGph9ER3ft7rOynfKUgdTF2gGqvpgvv9fk=","biddercode":"123456789987654332","biddername":"江苏国泰测试用单位新疆4建","bzjamount":"20000.00","jbrname":"张三","jbrphone":"18118833439","platformcode":"A3205650121","sign":"0aad4d9c91de0ea47ba9aac295397e96f8b8113577049b0587222fd3c168504c","timestamp":"2022-02-23 14:22:13","zbr":"XhKYCAmA6IqQvH/eDuTabVrzVPeTmWLluA0X4fkU00k=","zbrorgnum":"6ParPCtarP8r5rCLbv3wZ1gIEjlmUW27AOfUxd+85ww="}`
	v1Secret = "9c821377-9c04-4adb-96ae-c987f06e1b21"
)

var v1Account = platform.Account{Name: "工保网", AppKey: "finance_gongbaowang", AppSecret: v1Secret}

// signedJSON signs params with secret and renders them as a JSON object.
func signedJSON(tb testing.TB, params map[string]string, secret string) []byte {
	tb.Helper()
	p := maps.Clone(params)
	delete(p, "sign")
	p["sign"] = gmcrypto.Sign(p, secret)
	b, err := json.Marshal(p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// wantRefusal checks err is a *Refusal with rule and field whose message
// contains parts.
func wantRefusal(tb testing.TB, err error, rule, field string, parts ...string) *platform.Refusal {
	tb.Helper()
	var r *platform.Refusal
	if !errors.As(err, &r) {
		tb.Fatalf("got %v (%T), want a *Refusal %s", err, err, rule)
	}
	if r.Rule != rule || r.Field != field {
		tb.Errorf("got Refusal{Rule %q, Field %q}, want {%q, %q}: %s", r.Rule, r.Field, rule, field, r.Message)
	}
	for _, p := range parts {
		if !strings.Contains(r.Message, p) {
			tb.Errorf("message %q does not contain %q", r.Message, p)
		}
	}
	return r
}

func TestReceiveV1(t *testing.T) {
	rcv := &platform.Receiver{Accounts: []platform.Account{v1Account}, Direction: platform.Inbound, Window: -1}
	msg, params, err := rcv.Receive(platform.BaohanApply, "application/json", []byte(v1Body), testNow)
	if err != nil {
		t.Fatalf("Receive(V1): %v", err)
	}
	if got, want := msg.ApplyNo(), "TBaoHanGBWBH2022022314223517227"; got != want {
		t.Errorf("ApplyNo() got %q, want %q", got, want)
	}
	if msg.Account.Name != "工保网" || msg.Spec.Section != "4.1" {
		t.Errorf("got account %q spec %s", msg.Account.Name, msg.Spec.Section)
	}
	if !maps.Equal(params, msg.Params) {
		t.Errorf("params differ from msg.Params")
	}
	// The same message is stale by today's clock under the default window.
	rcv.Window = 0
	_, _, err = rcv.Receive(platform.BaohanApply, "application/json", []byte(v1Body), testNow)
	wantRefusal(t, err, "window", "timestamp", "2022-02-23 14:22:13", "服务器时间 2024-05-20 10:00:00")
}

func TestReceiveRefusals(t *testing.T) {
	other := platform.Account{Name: "另一平台", AppKey: "finance_other", AppSecret: "other-secret-000"}
	acct := platform.Account{Name: "测试平台", AppKey: testAppKey, AppSecret: testAppSecret}
	rcv := &platform.Receiver{Accounts: []platform.Account{other, acct}, Direction: platform.Inbound}

	valid := map[string]string{"appkey": testAppKey, "timestamp": platform.FormatTime(testNow), "platformcode": "A3205650121", "applyno": "A1"}
	good := signedJSON(t, valid, testAppSecret)
	msg, _, err := rcv.Receive(platform.GiveUp, platform.ContentType, good, testNow)
	if err != nil {
		t.Fatalf("valid giveupapply: %v", err)
	}
	if msg.Account.AppKey != testAppKey || msg.Account.Name != "测试平台" {
		t.Errorf("account got %+v, want %s", msg.Account, testAppKey)
	}

	upper := strings.Replace(string(good), gmcrypto.Sign(valid, testAppSecret), strings.ToUpper(gmcrypto.Sign(valid, testAppSecret)), 1)
	if _, _, err := rcv.Receive(platform.GiveUp, platform.ContentType, []byte(upper), testNow); err != nil {
		t.Errorf("upper-case sign: got %v, want nil", err)
	}

	tests := []struct {
		desc       string
		name       string
		body       []byte
		rule       string
		field      string
		parts      []string
		wantParams bool
	}{
		{"unknown interface", "nosuch", good, "interface", "", []string{`"nosuch"`, "baohanapply", "giveupapply"}, false},
		{"outbound name", platform.BaohanNotice, good, "interface", "", []string{`"baohannotice"`}, false},
		{"empty body", platform.GiveUp, []byte("  "), "parse", "", []string{"报文无法解析", "请求报文为空"}, false},
		{"malformed JSON", platform.GiveUp, []byte(`{"appkey":`), "parse", "", []string{"报文无法解析", "JSON"}, false},
		{"not an object", platform.GiveUp, []byte(`["appkey"]`), "parse", "", []string{"报文无法解析"}, false},
		{"no appkey", platform.GiveUp, signedJSON(t, with(valid, map[string]string{"appkey": ""}), testAppSecret), "required", "appkey", []string{"appkey", "缺失"}, true},
		{"unknown appkey", platform.GiveUp, signedJSON(t, with(valid, map[string]string{"appkey": "finance_nobody"}), testAppSecret), "appkey", "appkey", []string{"finance_nobody", "未知"}, true},
		{"no sign", platform.GiveUp, []byte(`{"appkey":"finance_test","applyno":"A1"}`), "required", "sign", []string{"sign", "缺失"}, true},
		{"other secret", platform.GiveUp, signedJSON(t, valid, "other-secret-000"), "sign", "sign", []string{"sign", "校验失败"}, true},
		{"changed after signing", platform.GiveUp, []byte(strings.Replace(string(good), `"A1"`, `"A2"`, 1)), "sign", "sign", []string{"校验失败"}, true},
		{"stale", platform.GiveUp, signedJSON(t, with(valid, map[string]string{"timestamp": "2024-05-20 09:29:00"}), testAppSecret), "window", "timestamp", []string{"服务器时间 2024-05-20 10:00:00"}, true},
		{"future", platform.GiveUp, signedJSON(t, with(valid, map[string]string{"timestamp": "2024-05-20 10:31:00"}), testAppSecret), "window", "timestamp", []string{"服务器时间 2024-05-20 10:00:00"}, true},
		{"no timestamp", platform.GiveUp, signedJSON(t, with(valid, map[string]string{"timestamp": ""}), testAppSecret), "required", "timestamp", []string{"缺失"}, true},
		{"no platformcode", platform.GiveUp, signedJSON(t, with(valid, map[string]string{"platformcode": ""}), testAppSecret), "required", "platformcode", []string{"platformcode", "缺失"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			msg, params, err := rcv.Receive(tt.name, platform.ContentType, tt.body, testNow)
			if msg != nil {
				t.Errorf("got a message with a refusal")
			}
			r := wantRefusal(t, err, tt.rule, tt.field, tt.parts...)
			if r.Error() != r.Message {
				t.Errorf("Error() got %q, want %q", r.Error(), r.Message)
			}
			if (params != nil) != tt.wantParams {
				t.Errorf("params returned: got %v, want %v", params != nil, tt.wantParams)
			}
			if r.Rule == "sign" {
				if !strings.HasSuffix(r.SigningString, "&appsecret=******") || strings.Contains(r.SigningString, testAppSecret) {
					t.Errorf("SigningString got %q, want it redacted", r.SigningString)
				}
			}
		})
	}
}

func TestReceiveWindow(t *testing.T) {
	acct := platform.Account{AppKey: testAppKey, AppSecret: testAppSecret}
	tests := []struct {
		window time.Duration
		age    time.Duration
		ok     bool
	}{
		{0, 29 * time.Minute, true},
		{0, 31 * time.Minute, false},
		{0, -31 * time.Minute, false},
		{5 * time.Minute, 4 * time.Minute, true},
		{5 * time.Minute, 6 * time.Minute, false},
		{-1, 365 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		rcv := &platform.Receiver{Accounts: []platform.Account{acct}, Direction: platform.Inbound, Window: tt.window}
		body := signedJSON(t, map[string]string{"appkey": testAppKey, "timestamp": platform.FormatTime(testNow.Add(-tt.age)), "platformcode": "P", "applyno": "A1"}, testAppSecret)
		_, _, err := rcv.Receive(platform.GiveUp, platform.ContentType, body, testNow)
		if (err == nil) != tt.ok {
			t.Errorf("window %v, age %v: got %v, want ok=%v", tt.window, tt.age, err, tt.ok)
		}
	}
}
