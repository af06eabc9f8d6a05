package platform_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

// claim is a claimsnotice as a platform signs it (issue 11, finding 5).
func claim() map[string]string {
	return map[string]string{
		"appkey": "finance_gongbaowang", "timestamp": "2026-11-27 10:00:00", "platformcode": "A3205650121",
		"applyno": "TBaoHanGBWBH2026112710000012345", "baohanno": "BH2026112700000001",
		"payeraccount": "6222021234567890123", "payeramount": "1000.00",
		"applyusername": "张三", "applyuserphone": "18118833439", "Reason": "未按约定签订合同",
	}
}

// TestReceiveRefusesResplitClaim folds payeramount into payeraccount, and
// both into a field name: the signature stays valid (the attack is real)
// and the message is refused naming the field.
func TestReceiveRefusesResplitClaim(t *testing.T) {
	rcv := &platform.Receiver{Accounts: []platform.Account{v1Account}, Direction: platform.Inbound, Window: -1}
	captured := claim()
	captured["sign"] = gmcrypto.Sign(captured, v1Secret)
	if _, _, err := rcv.Receive(platform.ClaimsNotice, "application/json", mustJSON(t, captured), testNow); err != nil {
		t.Fatalf("the captured claim itself: %v", err)
	}

	folded := maps.Clone(captured)
	folded["payeraccount"] = captured["payeraccount"] + "&payeramount=" + captured["payeramount"]
	delete(folded, "payeramount")
	if !gmcrypto.Verify(folded, v1Secret, folded["sign"]) {
		t.Fatal("the folded claim does not carry the captured sign: the test shows nothing")
	}
	_, _, err := rcv.Receive(platform.ClaimsNotice, "application/json", mustJSON(t, folded), testNow)
	wantRefusal(t, err, "resplit", "payeraccount", "字段 payeraccount（收款账号）", "&payeramount=")

	byName := maps.Clone(captured)
	byName["payeraccount="+captured["payeraccount"]+"&payeramount"] = captured["payeramount"]
	delete(byName, "payeraccount")
	delete(byName, "payeramount")
	if !gmcrypto.Verify(byName, v1Secret, byName["sign"]) {
		t.Fatal("the claim folded into a name does not carry the captured sign")
	}
	_, _, err = rcv.Receive(platform.ClaimsNotice, "application/json", mustJSON(t, byName), testNow)
	wantRefusal(t, err, "resplit", "payeraccount=6222021234567890123&payeramount", "字段名", "& 或 =")

	// The same, posted as the form field requestData.
	form := "requestData=" + strings.NewReplacer("&", "%26", "=", "%3D", "+", "%2B").Replace(string(mustJSON(t, folded)))
	_, _, err = rcv.Receive(platform.ClaimsNotice, "application/x-www-form-urlencoded", []byte(form), testNow)
	wantRefusal(t, err, "resplit", "payeraccount")
}

func mustJSON(t *testing.T, params map[string]string) []byte {
	t.Helper()
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidateAmpersands(t *testing.T) {
	apply, _ := platform.Lookup(platform.BaohanApply, platform.Inbound)
	claims, _ := platform.Lookup(platform.ClaimsNotice, platform.Inbound)
	signed := claim()
	signed["sign"] = gmcrypto.Sign(signed, v1Secret)
	v1, err := gmcrypto.ParamsFromJSON([]byte(v1Body))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		desc         string
		spec         *platform.Spec
		base         map[string]string
		field, value string
		rule         string // "": accepted
		parts        []string
	}{
		{"& in a company name", apply, v1, "biddername", "A&B 建筑工程有限公司", "", nil},
		{"& and = but no field name", apply, v1, "jbrname", "张三&李四=经办", "", nil},
		{"& and a field name without =", apply, v1, "jbrname", "张三&jbrphone", "", nil},
		{"a field name of another message", apply, v1, "biddername", "A&payeramount=1", "", nil},
		{"a field that follows", apply, v1, "biddername", "A&bzjamount=20000.00", "resplit", []string{"biddername（投标企业名称）", "“&bzjamount=”"}},
		{"a field that precedes", apply, v1, "zbrorgnum", "x&appkey=finance_x", "resplit", []string{"zbrorgnum", "“&appkey=”"}},
		{"& in a ciphertext", apply, v1, "zbrorgnum", "6ParPCtarP8r5rCLbv3&wZ1g", "format", []string{"zbrorgnum", "不能有 &"}},
		{"the secret", claims, signed, "Reason", "原因&appsecret=", "resplit", []string{"Reason（理赔原因）", "&appsecret="}},
		{"a second & finds the name", claims, signed, "Reason", "a&b&c=1&applyno=T", "resplit", []string{"&applyno="}},
		{"case matters: Reason is not reason", claims, signed, "applyusername", "张三&reason=x", "", nil},
		{"& in a code", claims, signed, "applyno", "TBaoHan&1", "format", []string{"applyno（业务流水号）", "不能有 &"}},
		{"& in an account", claims, signed, "payeraccount", "6222&", "format", []string{"payeraccount（收款账号）"}},
		{"& in an amount", claims, signed, "payeramount", "1000.00&", "format", []string{"payeramount（赔付金额）"}},
		{"& in a time", claims, signed, "timestamp", "2026-11-27 10:00:00&", "format", []string{"timestamp（请求时间）"}},
		{"a field the spec does not name", claims, signed, "extra", "x&payeramount=1000.00", "resplit", []string{"字段 extra", "&payeramount="}},
		{"a name with =", claims, signed, "a=b", "1", "resplit", []string{"字段名 \"a=b\""}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			p := maps.Clone(tt.base)
			p[tt.field] = tt.value
			err := tt.spec.Validate(p)
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("got %v, want it accepted", err)
				}
				return
			}
			fe, ok := err.(*platform.FieldError)
			if !ok {
				t.Fatalf("got %v (%T), want a *FieldError", err, err)
			}
			if fe.Rule != tt.rule || fe.Field != tt.field {
				t.Errorf("got rule %q field %q, want %q %q: %s", fe.Rule, fe.Field, tt.rule, tt.field, fe.Message)
			}
			for _, part := range tt.parts {
				if !strings.Contains(fe.Message, part) {
					t.Errorf("message %q does not say %q", fe.Message, part)
				}
			}
		})
	}
}

// Our own notices are held to the same rule: a value that would re-split
// the signing string is not built, and the error names the field.
func TestBuildRefusesResplit(t *testing.T) {
	spec, _ := platform.Lookup(platform.BaohanNotice, platform.Outbound)
	fields := map[string]string{"applyno": "TBaoHan1", "baohanno": "BH1", "baohanurl": "https://b.example.com/files/x",
		"baohanfile": "JVBERi0=", "payername": "吉林&cost=0.01建筑", "payeraccount": "22050161000800000123",
		"generatetime": "2026-11-27 10:00:00", "rate": "0.005", "cost": "100.00", "applystatus": "1"}
	_, _, err := spec.Build(fields, platform.Credentials{AppKey: "k", AppSecret: "s"}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "payername") || !strings.Contains(err.Error(), "&cost=") {
		t.Fatalf("got %v, want the payername refused", err)
	}
	fields["payername"] = "吉林&建筑"
	if _, _, err := spec.Build(fields, platform.Credentials{AppKey: "k", AppSecret: "s"}, time.Now()); err != nil {
		t.Fatalf("a plain & in a name: %v", err)
	}
}
