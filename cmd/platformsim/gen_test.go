package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

func TestCreditCheckChar(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"91350100M000100Y43", true}, // the example of GB 32100-2015
		{"91110000600037341L", true},
		{"91350100M000100Y44", false},
		{"91350100M000100Y4", false},
		{"9135010OM000100Y43", false}, // O is not in the alphabet
	}
	for _, tt := range tests {
		if got := validCreditCode(tt.code); got != tt.want {
			t.Errorf("validCreditCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestOrgCodeCheck(t *testing.T) {
	// 组织机构代码 D2143569-8? The standard's example: 12345678 → 8.
	tests := []struct {
		digits string
		want   byte
	}{{"12345678", '8'}, {"00000000", '0'}}
	for _, tt := range tests {
		if got := orgCodeCheck(tt.digits); got != tt.want {
			t.Errorf("orgCodeCheck(%s) = %c, want %c", tt.digits, got, tt.want)
		}
	}
}

func TestGeneratorData(t *testing.T) {
	g := NewGenerator(42, time.Date(2026, 11, 27, 10, 0, 0, 0, platform.Beijing))
	spec, _ := platform.Lookup(platform.BaohanApply, platform.Inbound)
	names := map[string]bool{}
	nos := map[string]bool{}
	for _, sec := range g.Sections(3) {
		for i := 0; i < 30; i++ {
			a, err := g.NewApplication(sec)
			if err != nil {
				t.Fatal(err)
			}
			if !validCreditCode(a.Bidder.Code) || !validCreditCode(sec.Tenderer.Code) {
				t.Errorf("invalid credit code: bidder %s, tenderer %s", a.Bidder.Code, sec.Tenderer.Code)
			}
			if names[a.Bidder.Name] {
				t.Errorf("bidder name %s given twice", a.Bidder.Name)
			}
			names[a.Bidder.Name] = true
			if nos[a.ApplyNo] || len(a.ApplyNo) > 50 || !strings.HasPrefix(a.ApplyNo, "TBaoHan") {
				t.Errorf("applyno %s: repeated, too long or not in the platform's style", a.ApplyNo)
			}
			nos[a.ApplyNo] = true
			f := a.ApplyFields("A2200000001")
			f["appkey"], f["timestamp"], f["sign"] = "finance_demo", platform.FormatTime(time.Now()), "x"
			if err := spec.Validate(f); err != nil {
				t.Errorf("generated baohanapply is invalid: %v", err)
			}
			if !utf8.ValidString(a.Bidder.Name) {
				t.Errorf("name %q is not UTF-8", a.Bidder.Name)
			}
		}
		// The sealed fields open with the section's key, as base64 (real
		// platforms) and as hex.
		ct, err := sec.Sealed()
		if err != nil {
			t.Fatal(err)
		}
		key, err := gmcrypto.ParseKey(sec.KeyB64)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := gmcrypto.DecryptFields(ct, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"biaoduanno": sec.No, "biaoduanname": sec.Name, "zbr": sec.Tenderer.Name, "zbrorgnum": sec.Tenderer.Code}
		for k, v := range want {
			if plain[k] != v {
				t.Errorf("%s decrypts to %q, want %q", k, plain[k], v)
			}
		}
	}
}

func TestCheckCost(t *testing.T) {
	tests := []struct {
		amount, rate, cost string
		ok                 bool
	}{
		{"20000.00", "0.005", "100.00", true},
		{"83000.00", "0.005", "415.00", true},
		{"5000.00", "0.005", "100.00", true}, // a minimum premium above amount × rate
		{"20000.00", "0.005", "99.00", false},
		{"20000.00", "x", "100.00", false},
	}
	for _, tt := range tests {
		if err := checkCost(tt.amount, tt.rate, tt.cost); (err == nil) != tt.ok {
			t.Errorf("checkCost(%s, %s, %s) = %v, want ok %v", tt.amount, tt.rate, tt.cost, err, tt.ok)
		}
	}
}

func TestModeFlag(t *testing.T) {
	tests := []struct {
		args []string
		mode string
		rest string
		ok   bool
	}{
		{[]string{"-mode", "demo", "-n", "3"}, "demo", "-n 3", true},
		{[]string{"-gateway", "http://x", "--mode=load"}, "load", "-gateway http://x", true},
		{[]string{"-gateway", "http://x"}, "", "", false},
		{[]string{"-mode"}, "", "", false},
	}
	for _, tt := range tests {
		mode, rest, ok := modeFlag(tt.args)
		if mode != tt.mode || strings.Join(rest, " ") != tt.rest || ok != tt.ok {
			t.Errorf("modeFlag(%q) = %q %q %v, want %q %q %v", tt.args, mode, rest, ok, tt.mode, tt.rest, tt.ok)
		}
	}
}

func TestLatency(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := latency(ds)
	if got.N != 100 || got.P50 != 51 || got.P95 != 96 || got.Max != 100 {
		t.Errorf("latency = %+v, want n 100, p50 51, p95 96, max 100", got)
	}
	if (latency(nil) != Latency{}) {
		t.Error("latency of nothing should be zero")
	}
}

// notice builds a signed notice body of the outbound spec name.
func notice(t *testing.T, name string, fields map[string]string, secret string) []byte {
	t.Helper()
	spec, ok := platform.Lookup(name, platform.Outbound)
	if !ok {
		t.Fatalf("no outbound %s", name)
	}
	body, _, err := spec.Build(fields, platform.Credentials{AppKey: "finance_demo", AppSecret: secret}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestInboxChecks(t *testing.T) {
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.7\n…\n%%EOF\n"))
	restore := map[string]string{"applyno": "TBaoHanSIM1", "baohanno": "BH1", "baohanfile": pdf}
	signed := notice(t, platform.RestoreNotice, restore, "change-me")
	resigned := func(edit func(p map[string]any)) []byte {
		var p map[string]any
		if err := json.Unmarshal(signed, &p); err != nil {
			t.Fatal(err)
		}
		edit(p)
		params := map[string]string{}
		for k, v := range p {
			if s, ok := v.(string); ok {
				params[k] = s
			} else {
				b, _ := json.Marshal(v)
				params[k] = string(b)
			}
		}
		p["sign"] = gmcrypto.Sign(params, "change-me")
		b, _ := json.Marshal(p)
		return b
	}
	tests := []struct {
		name     string
		iface    string
		body     []byte
		accepted bool
		problem  string // in the problem list; "" for none
	}{
		{"valid", platform.RestoreNotice, signed, true, ""},
		{"wrong secret", platform.RestoreNotice, notice(t, platform.RestoreNotice, restore, "other"), false, "签名校验失败（字段 sign）"},
		{"not a pdf", platform.RestoreNotice, notice(t, platform.RestoreNotice, map[string]string{"applyno": "A", "baohanno": "B", "baohanfile": base64.StdEncoding.EncodeToString([]byte("PK\x03\x04zip"))}, "change-me"), true, "不是 PDF"},
		{"number value", platform.RestoreNotice, resigned(func(p map[string]any) { p["baohanno"] = 12345 }), true, "应为 JSON 字符串"},
		{"empty field", platform.RestoreNotice, resigned(func(p map[string]any) { p["baohanurl"] = "" }), true, "空字段 baohanurl"},
		{"unknown field", platform.RestoreNotice, resigned(func(p map[string]any) { p["extra"] = "x" }), true, "规范（§4.4）之外的字段 extra"},
		{"missing field", platform.QuitNotice, resigned(func(p map[string]any) { delete(p, "baohanfile") }), false, "applystatus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			in := NewInbox(platform.Account{AppKey: "finance_demo", AppSecret: "change-me"}, NewReport(&out), true)
			srv := httptest.NewServer(in)
			defer srv.Close()
			resp, err := http.Post(srv.URL+"/gbsapi/"+tt.iface, platform.ContentType, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			var r platform.Reply
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if r.OK() != tt.accepted {
				t.Errorf("answer %+v, want accepted %v", r, tt.accepted)
			}
			probs := strings.Join(in.Report.Problems(), "\n")
			if tt.problem == "" && probs != "" || !strings.Contains(probs, tt.problem) {
				t.Errorf("problems:\n%s\nwant %q", probs, tt.problem)
			}
			all := in.All()
			if len(all) != 1 || all[0].Accepted != tt.accepted {
				t.Fatalf("recorded %d notices", len(all))
			}
			if tt.accepted && tt.problem == "" {
				n, err := in.Wait(context.Background(), time.Second, "TBaoHanSIM1", platform.RestoreNotice, 1)
				if err != nil || !bytes.HasPrefix(n.PDF, []byte("%PDF-")) {
					t.Errorf("Wait: %v", err)
				}
			}
		})
	}
}

func TestJSONBody(t *testing.T) {
	p := map[string]string{"b": "引号\"与\\反斜杠\n", "a": "1"}
	var got map[string]string
	if err := json.Unmarshal(jsonBody(p), &got); err != nil {
		t.Fatal(err)
	}
	if got["a"] != "1" || got["b"] != p["b"] {
		t.Errorf("round trip: got %q", got)
	}
}
