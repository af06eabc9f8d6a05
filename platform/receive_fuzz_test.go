package platform_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

// The account and clock of FuzzReceive.
var (
	fuzzAccount = platform.Account{Name: "测试平台", AppKey: "finance_fuzz", AppSecret: "fuzz-secret-0001",
		AllowedSources: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	fuzzNow    = time.Date(2026, 11, 27, 10, 0, 0, 0, platform.Beijing)
	fuzzSource = netip.MustParseAddr("10.1.2.3")
)

// fuzzSeeds are one signed message of each inbound interface, and the
// re-split claim.
func fuzzSeeds() map[string]map[string]string {
	common := map[string]string{"appkey": fuzzAccount.AppKey, "timestamp": platform.FormatTime(fuzzNow), "platformcode": "A3205650121",
		"applyno": "TBaoHanFUZ2026112710000012345"}
	with := func(fields map[string]string) map[string]string {
		p := maps.Clone(common)
		maps.Copy(p, fields)
		return p
	}
	return map[string]map[string]string{
		platform.BaohanApply: with(map[string]string{"biddername": "吉林省昇喆建筑工程有限公司", "biddercode": "91220101MA17XYZ12K",
			"jbrname": "张三", "jbrphone": "18118833439", "bzjamount": "20000.00",
			"biaoduanno": "3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=", "biaoduanname": "zdxk51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo=",
			"zbr": "/kdDw4lH0u4TMTRNEV8iHhDgpdGZbpy2OLrBtexp0d4=", "zbrorgnum": "uL6aFw3t4xThWQUpFUJxRyUZomxIiWY9XTbFnYKZ1Vw="}),
		platform.BaohanRestore: with(map[string]string{"baohanno": "BH2026112700000001", "kaibiaotime": "2026-11-28 09:30:00",
			"key": "eyF5xYB3evZe2Ge+svjKAQ=="}),
		platform.InvoiceApply: with(map[string]string{"baohanno": "BH2026112700000001", "biddername": "A&B 建筑", "biddercode": "91220101MA17XYZ12K",
			"amount": "100.00", "type": "1", "address": "长春市", "phone": "0431-1", "bank": "银行", "account": "2205",
			"mobile": "181", "contactname": "李四", "contactaddress": "长春市", "email": "a@example.com"}),
		platform.QuitApply:    with(map[string]string{"baohanno": "BH2026112700000001", "reason": "撤回投标"}),
		platform.CancelNotice: with(map[string]string{"baohanno": "BH2026112700000001"}),
		platform.ClaimsNotice: with(map[string]string{"baohanno": "BH2026112700000001", "payeraccount": "6222021234567890123",
			"payeramount": "1000.00", "filelist": `[{"fileurl":"https://p.example.com/a.pdf"}]`, "applyusername": "张三",
			"applyuserphone": "18118833439", "Reason": "未签合同"}),
		platform.GiveUp: with(nil),
		"resplit": with(map[string]string{"baohanno": "BH2026112700000001", "payeraccount": "6222021234567890123&payeramount=1000.00",
			"applyusername": "张三", "applyuserphone": "18118833439"}),
	}
}

// signParams signs params with the fuzz account's secret and renders them.
func signParams(params map[string]string) []byte {
	p := maps.Clone(params)
	delete(p, "sign")
	p["sign"] = gmcrypto.Sign(p, fuzzAccount.AppSecret)
	b, _ := json.Marshal(p)
	return b
}

// FuzzReceive runs the whole inbound path, ReceiveFrom, on any body, posted
// as JSON or as the form field requestData. With resign the body's fields
// are signed afresh, so that the fuzzer gets past the signature to the
// timestamp and every rule of the field table. It checks that every
// refusal is a *Refusal with a message; that what is accepted is signed,
// valid, and cannot be re-split (no field name holding '&' or '=', no value
// holding '&' + a field name + '='); and that the form and the JSON of the
// same message get the same outcome.
func FuzzReceive(f *testing.F) {
	for name, params := range fuzzSeeds() {
		iface := name
		if name == "resplit" {
			iface = platform.ClaimsNotice
		}
		body := signParams(params)
		f.Add(iface, false, false, body)
		f.Add(iface, true, false, body)
		f.Add(iface, false, true, body)
	}
	f.Add(platform.BaohanApply, false, false, []byte(v1Body))
	f.Add(platform.QuitApply, false, false, []byte("{\"appkey\":\"finance_fuzz\"}\u00a0")) // white space beyond JSON's
	f.Add("nosuch", false, false, []byte("{}"))
	f.Add(platform.ClaimsNotice, true, false, []byte("requestData=%7B%7D&x=%zz"))
	f.Fuzz(func(t *testing.T, iface string, form, resign bool, body []byte) {
		if resign {
			params, err := gmcrypto.ParamsFromJSON(body)
			if err != nil {
				return
			}
			// Render, read back (json.Marshal replaces invalid UTF-8),
			// then sign what will be read.
			b, _ := json.Marshal(params)
			if params, err = gmcrypto.ParamsFromJSON(b); err != nil {
				t.Fatalf("our own JSON does not read back: %v\n%s", err, b)
			}
			body = signParams(params)
		}
		rcv := &platform.Receiver{Accounts: []platform.Account{fuzzAccount}, Direction: platform.Inbound}
		contentType := "application/json"
		if form {
			contentType = "application/x-www-form-urlencoded"
		}
		msg, params, err := rcv.ReceiveFrom(iface, contentType, body, fuzzNow, fuzzSource)
		checkReceived(t, iface, msg, err)

		// The same message as the form field requestData.
		if params == nil || form || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return
		}
		formBody := []byte(platform.FormField + "=" + url.QueryEscape(string(body)))
		fmsg, _, ferr := rcv.ReceiveFrom(iface, "application/x-www-form-urlencoded", formBody, fuzzNow, fuzzSource)
		checkReceived(t, iface, fmsg, ferr)
		switch {
		case (err == nil) != (ferr == nil):
			t.Fatalf("JSON: %v; the same as a form: %v", err, ferr)
		case err != nil && err.Error() != ferr.Error():
			t.Fatalf("JSON refused %q; the same as a form %q", err, ferr)
		case err == nil && !maps.Equal(msg.Params, fmsg.Params):
			t.Fatalf("JSON gave %q; the same as a form %q", msg.Params, fmsg.Params)
		}
	})
}

// checkReceived holds one outcome of ReceiveFrom to its contract.
func checkReceived(t *testing.T, iface string, msg *platform.Message, err error) {
	t.Helper()
	if err != nil {
		var r *platform.Refusal
		if !errors.As(err, &r) || strings.TrimSpace(r.Message) == "" || msg != nil {
			t.Fatalf("refusal %v (%T) with message %v: want a *Refusal with a message and no message", err, err, msg)
		}
		return
	}
	if msg == nil || msg.Spec.Name != iface || msg.Account.AppKey != fuzzAccount.AppKey {
		t.Fatalf("accepted %+v for %s", msg, iface)
	}
	p := msg.Params
	if !gmcrypto.Verify(p, fuzzAccount.AppSecret, p["sign"]) {
		t.Fatalf("accepted with a wrong sign: %q", p)
	}
	if err := msg.Spec.Validate(p); err != nil {
		t.Fatalf("accepted, but Validate says %v", err)
	}
	if err := platform.CheckTimestamp(p["timestamp"], fuzzNow, platform.DefaultWindow); err != nil {
		t.Fatalf("accepted, but the timestamp: %v", err)
	}
	names := []string{"appsecret"}
	for _, f := range msg.Spec.Fields {
		names = append(names, f.Name)
		if f.Required && strings.TrimSpace(p[f.Name]) == "" {
			t.Fatalf("accepted without %s", f.Name)
		}
	}
	for k, v := range p {
		if strings.ContainsAny(k, "&=") {
			t.Fatalf("accepted the field name %q", k)
		}
		for _, n := range names {
			if strings.Contains(v, "&"+n+"=") {
				t.Fatalf("accepted %s = %q, which re-splits at %s", k, v, n)
			}
		}
		if f, ok := msg.Spec.Field(k); ok && f.NoAmpersand && strings.Contains(v, "&") {
			t.Fatalf("accepted %s = %q: a '&' in a code", k, v)
		}
	}
}
