package platform_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

const (
	testAppKey    = "finance_test"
	testAppSecret = "5d1c0e4a-7b0e-4f0e-9a55-0f5f2b9d7c31"
)

var testCred = platform.Credentials{AppKey: testAppKey, AppSecret: testAppSecret}

// testNow is a fixed clock, 2024-05-20 10:00:00 in Beijing.
var testNow = time.Date(2024, 5, 20, 10, 0, 0, 0, platform.Beijing)

func approvedNotice() map[string]string {
	return map[string]string{
		"applyno":      "TBaoHanGBWBH2022022314223517227",
		"baohanno":     "BH202405200001",
		"baohanurl":    "https://bank.example.com/files/BH202405200001.pdf?x=1&y=<2>",
		"baohanfile":   "JVBERi0xLjcKJcfsj6IK",
		"payername":    "江苏国泰测试用单位新疆4建",
		"payeraccount": "6222020200112233445",
		"instname":     "测试银行股份有限公司",
		"generatetime": "2024-05-20 09:58:00",
		"rate":         "0.007",
		"cost":         "140.00",
		"applystatus":  "1",
	}
}

// jsonKeys returns the top-level keys of a JSON object in their order, and
// fails unless every value is a JSON string.
func jsonKeys(tb testing.TB, body []byte) []string {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		tb.Fatalf("body %s is not a JSON object", body)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			tb.Fatal(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			tb.Fatal(err)
		}
		if len(raw) == 0 || raw[0] != '"' {
			tb.Errorf("value of %v is %s, want a JSON string", tok, raw)
		}
		keys = append(keys, tok.(string))
	}
	return keys
}

func TestBuildRoundTrip(t *testing.T) {
	acct := platform.Account{Name: "测试平台", AppKey: testAppKey, AppSecret: testAppSecret}
	rcv := &platform.Receiver{Accounts: []platform.Account{acct}, Direction: platform.Outbound}
	tests := []struct {
		name   string
		fields map[string]string
	}{
		{platform.BaohanNotice, approvedNotice()},
		{platform.BaohanNotice, map[string]string{"applyno": "A1", "applystatus": "0"}},
		{platform.RestoreNotice, map[string]string{"applyno": "A1", "baohanno": "B1", "baohanfile": "JVBERi0xLjcK"}},
		{platform.InvoiceNotice, map[string]string{"baohanno": "B1", "invoiceurl": "https://x/i.pdf", "invoicecode": "044001", "invoiceno": "12345678", "applystatus": "1"}},
		{platform.QuitNotice, map[string]string{"applyno": "A1", "baohanno": "B1", "applystatus": "1", "tuibaotime": "2024-05-20 09:00:00"}},
		{platform.GiveUp, map[string]string{"applyno": "A1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := mustSpec(t, tt.name, platform.Outbound)
			body, params, err := spec.Build(tt.fields, testCred, testNow)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			msg, got, err := rcv.Receive(tt.name, platform.ContentType, body, testNow)
			if err != nil {
				t.Fatalf("Receive: %v\nbody %s", err, body)
			}
			if !maps.Equal(got, params) {
				t.Errorf("received params\n got %v\nwant %v", got, params)
			}
			if msg.Spec != spec || msg.Account.AppKey != testAppKey {
				t.Errorf("received as %s from %s, want %s from %s", msg.Spec.Name, msg.Account.AppKey, spec.Name, testAppKey)
			}
			if want := gmcrypto.Sign(params, testAppSecret); params["sign"] != want {
				t.Errorf("sign got %s, want %s", params["sign"], want)
			}
			// Every value a string, in the spec's order.
			keys := jsonKeys(t, body)
			var want []string
			for _, f := range spec.Fields {
				if _, ok := params[f.Name]; ok {
					want = append(want, f.Name)
				}
			}
			if strings.Join(keys, ",") != strings.Join(want, ",") {
				t.Errorf("keys\n got %v\nwant %v", keys, want)
			}
		})
	}
}

func TestBuildContents(t *testing.T) {
	spec := mustSpec(t, platform.BaohanNotice, platform.Outbound)
	fields := approvedNotice()
	fields["instname"] = ""     // empty optional: left out
	fields["baohanurl"] = " \t" // white space only: left out although RequiredIf…
	fields["sign"] = "forged"   // replaced by the real signature
	before := maps.Clone(fields)

	_, _, err := spec.Build(fields, testCred, testNow)
	// …so baohanurl is missing while applystatus is 1.
	var fe *platform.FieldError
	if !errors.As(err, &fe) || fe.Field != "baohanurl" || fe.Rule != "required" {
		t.Fatalf("Build with blank baohanurl: got %v, want a required FieldError for baohanurl", err)
	}
	if !strings.Contains(err.Error(), "4.2 baohannotice") {
		t.Errorf("error %q does not name the message", err)
	}
	if !maps.Equal(fields, before) {
		t.Errorf("Build modified the caller's fields")
	}

	fields["baohanurl"] = "https://bank.example.com/f?a=1&b=<2>"
	body, params, err := spec.Build(fields, testCred, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := params["instname"]; ok {
		t.Errorf("empty instname was sent")
	}
	if bytes.Contains(body, []byte("instname")) {
		t.Errorf("body %s contains the empty instname", body)
	}
	if params["sign"] == "forged" {
		t.Errorf("the caller's sign was kept")
	}
	if params["appkey"] != testAppKey {
		t.Errorf("appkey got %q, want %q", params["appkey"], testAppKey)
	}
	// No HTML escaping, no \u escapes of Chinese.
	for _, want := range []string{`"baohanurl":"https://bank.example.com/f?a=1&b=<2>"`, `"payername":"江苏国泰测试用单位新疆4建"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("body %s does not contain %s", body, want)
		}
	}
	for _, bad := range []string{`\u0026`, `\u003c`, `\u003e`, "\n"} {
		if bytes.Contains(body, []byte(bad)) {
			t.Errorf("body contains %q", bad)
		}
	}
	// The JSON still decodes to the same strings.
	var decoded map[string]string
	if err := json.Unmarshal(body, &decoded); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(decoded, params) {
		t.Errorf("decoded body\n got %v\nwant %v", decoded, params)
	}
}

func TestBuildEscapesJSONSpecials(t *testing.T) {
	spec := mustSpec(t, platform.GiveUp, platform.Outbound)
	applyno := "A\"1\\2\u2028"
	body, params, err := spec.Build(map[string]string{"applyno": applyno}, testCred, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got, err := gmcrypto.ParamsFromJSON(body)
	if err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if got["applyno"] != applyno || !maps.Equal(got, params) {
		t.Errorf("applyno got %q, want %q", got["applyno"], applyno)
	}
}

func TestBuildTimestampInBeijing(t *testing.T) {
	spec := mustSpec(t, platform.GiveUp, platform.Outbound)
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC), "2024-05-20 10:00:00"},
		{time.Date(2024, 5, 19, 21, 0, 0, 0, time.FixedZone("EST", -5*60*60)), "2024-05-20 10:00:00"},
		{time.Date(2024, 5, 20, 3, 30, 0, 0, time.FixedZone("IST", 5*60*60+30*60)), "2024-05-20 06:00:00"},
		{time.Date(2024, 12, 31, 23, 59, 59, 999, platform.Beijing), "2024-12-31 23:59:59"},
	}
	for _, tt := range tests {
		_, params, err := spec.Build(map[string]string{"applyno": "A1", "timestamp": "1999-01-01 00:00:00"}, testCred, tt.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := params["timestamp"]; got != tt.want {
			t.Errorf("timestamp for now %v got %q, want %q", tt.now, got, tt.want)
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]string
		want   []string
	}{
		{platform.GiveUp, map[string]string{"applyno": "A1", "extra": "x"}, []string{"4.12 giveupapply", "extra", "不在规范中"}},
		{platform.GiveUp, map[string]string{}, []string{"applyno", "缺失"}},
		{platform.BaohanNotice, with(approvedNotice(), map[string]string{"cost": "140.001"}), []string{"cost", "格式错误"}},
		{platform.BaohanNotice, with(approvedNotice(), map[string]string{"rate": "0.7%"}), []string{"rate", "格式错误"}},
		{platform.BaohanNotice, with(approvedNotice(), map[string]string{"applystatus": "2"}), []string{"applystatus", "取值错误"}},
		{platform.QuitNotice, map[string]string{"applyno": "A1", "baohanno": "B1", "applystatus": "1"}, []string{"tuibaotime", "缺失"}},
		{platform.RestoreNotice, map[string]string{"applyno": "A1", "baohanno": "B1"}, []string{"baohanfile", "缺失"}},
	}
	for _, tt := range tests {
		spec := mustSpec(t, tt.name, platform.Outbound)
		body, params, err := spec.Build(tt.fields, testCred, testNow)
		if err == nil {
			t.Errorf("Build(%s, %v): got %s, want an error", tt.name, tt.fields, body)
			continue
		}
		if body != nil || params != nil {
			t.Errorf("Build(%s) returned a body with an error", tt.name)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Build(%s) error %q does not contain %q", tt.name, err, w)
			}
		}
	}
}
