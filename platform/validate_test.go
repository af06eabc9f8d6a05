package platform_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/platform"
)

// mustSpec returns the spec of name travelling in d or fails the test.
func mustSpec(tb testing.TB, name string, d platform.Direction) *platform.Spec {
	tb.Helper()
	s, ok := platform.Lookup(name, d)
	if !ok {
		tb.Fatalf("no spec %s %s", name, d)
	}
	return s
}

// with returns a copy of base with the changes applied; a change to "" deletes
// the field.
func with(base map[string]string, changes map[string]string) map[string]string {
	out := maps.Clone(base)
	for k, v := range changes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// wantFieldError checks err is a *FieldError of field and rule whose message
// contains every one of parts.
func wantFieldError(tb testing.TB, err error, field, rule string, parts ...string) {
	tb.Helper()
	var fe *platform.FieldError
	if !errors.As(err, &fe) {
		tb.Fatalf("got error %v (%T), want a *FieldError for %s", err, err, field)
	}
	if fe.Field != field || fe.Rule != rule {
		tb.Errorf("got FieldError{%s, %s}, want {%s, %s} (%s)", fe.Field, fe.Rule, field, rule, fe.Message)
	}
	if fe.Error() != fe.Message {
		tb.Errorf("Error() got %q, want the Message %q", fe.Error(), fe.Message)
	}
	for _, p := range append([]string{"字段 " + field}, parts...) {
		if !strings.Contains(fe.Message, p) {
			tb.Errorf("message %q does not contain %q", fe.Message, p)
		}
	}
}

func validApply() map[string]string {
	return map[string]string{
		"appkey":       "finance_gongbaowang",
		"timestamp":    "2022-02-23 14:22:13",
		"platformcode": "A3205650121",
		"applyno":      "TBaoHanGBWBH2022022314223517227",
		"biddername":   "江苏国泰测试用单位新疆4建",
		"biddercode":   "123456789987654332",
		"biaoduanno":   "ZQTlFtJoYGGph9ER3ft7rOynfKUgdTF2gGqvpgvv9fk=",
		"biaoduanname": "22yLFrP+hxQKOJe71oMF4Q==",
		"bzjamount":    "20000.00",
		"zbr":          "XhKYCAmA6IqQvH/eDuTabVrzVPeTmWLluA0X4fkU00k=",
		"sign":         "0aad4d9c91de0ea47ba9aac295397e96f8b8113577049b0587222fd3c168504c",
	}
}

func validInvoice(typ string) map[string]string {
	m := map[string]string{
		"appkey":       "finance_test",
		"timestamp":    "2024-05-20 10:00:00",
		"platformcode": "A3205650121",
		"applyno":      "TBaoHanGBWBH2022022314223517227",
		"baohanno":     "BH202405200001",
		"biddername":   "江苏国泰测试用单位新疆4建",
		"biddercode":   "91320000123456789X",
		"amount":       "140.00",
		"type":         typ,
		"sign":         "x",
	}
	if typ == "1" {
		maps.Copy(m, map[string]string{
			"address": "长春市南关区人民大街 1 号", "phone": "0431-88888888", "bank": "中国银行长春分行",
			"account": "6222020200112233445", "mobile": "13800138000", "contactname": "李四",
			"contactaddress": "长春市朝阳区西安大路 2 号",
		})
	}
	return m
}

func TestValidateRequired(t *testing.T) {
	apply := mustSpec(t, platform.BaohanApply, platform.Inbound)
	if err := apply.Validate(validApply()); err != nil {
		t.Fatalf("valid baohanapply: %v", err)
	}
	for _, f := range apply.Fields {
		if !f.Required {
			continue
		}
		for _, empty := range []string{"", " ", "\t\n"} {
			params := validApply()
			if empty == "" {
				delete(params, f.Name)
			} else {
				params[f.Name] = empty
			}
			wantFieldError(t, apply.Validate(params), f.Name, "required", "缺失", "必填", f.Label)
		}
	}
	// Optional fields may be absent or empty.
	for _, name := range []string{"jbrname", "jbrphone", "zbrorgnum"} {
		if err := apply.Validate(with(validApply(), map[string]string{name: ""})); err != nil {
			t.Errorf("without optional %s: got %v, want nil", name, err)
		}
	}
	// Fields the spec does not name are allowed.
	if err := apply.Validate(with(validApply(), map[string]string{"newfield": "x"})); err != nil {
		t.Errorf("with an unknown field: got %v, want nil", err)
	}
}

func TestValidateRequiredIf(t *testing.T) {
	invoice := mustSpec(t, platform.InvoiceApply, platform.Inbound)
	for _, typ := range []string{"0", "1"} {
		if err := invoice.Validate(validInvoice(typ)); err != nil {
			t.Errorf("valid invoiceapply type %s: %v", typ, err)
		}
	}
	special := []string{"address", "phone", "bank", "account", "mobile", "contactname", "contactaddress"}
	for _, name := range special {
		params := validInvoice("1")
		delete(params, name)
		wantFieldError(t, invoice.Validate(params), name, "required", "缺失", "type 为 1 时必填")
	}
	// email is optional even for 专票.
	if err := invoice.Validate(with(validInvoice("1"), map[string]string{"email": ""})); err != nil {
		t.Errorf("type 1 without email: %v", err)
	}

	notice := mustSpec(t, platform.BaohanNotice, platform.Outbound)
	refused := map[string]string{"appkey": "k", "timestamp": "2024-05-20 10:00:00", "applyno": "A1", "applystatus": "0", "sign": "x"}
	if err := notice.Validate(refused); err != nil {
		t.Errorf("baohannotice applystatus 0 without documents: %v", err)
	}
	wantFieldError(t, notice.Validate(with(refused, map[string]string{"applystatus": "1"})), "baohanno", "required", "applystatus 为 1 时必填")

	quit := mustSpec(t, platform.QuitNotice, platform.Outbound)
	q := map[string]string{"appkey": "k", "timestamp": "2024-05-20 10:00:00", "applyno": "A1", "baohanno": "B1", "applystatus": "0", "sign": "x"}
	if err := quit.Validate(q); err != nil {
		t.Errorf("quitnotice applystatus 0 without tuibaotime: %v", err)
	}
	wantFieldError(t, quit.Validate(with(q, map[string]string{"applystatus": "1"})), "tuibaotime", "required", "applystatus 为 1 时必填")
	if err := quit.Validate(with(q, map[string]string{"applystatus": "1", "tuibaotime": "2024-05-20 11:00:00"})); err != nil {
		t.Errorf("quitnotice applystatus 1 with tuibaotime: %v", err)
	}
}

func TestValidateLengthInRunes(t *testing.T) {
	apply := mustSpec(t, platform.BaohanApply, platform.Inbound)
	tests := []struct {
		field string
		value string
		ok    bool
	}{
		{"applyno", strings.Repeat("中", 50), true},
		{"applyno", strings.Repeat("中", 51), false},
		{"applyno", strings.Repeat("a", 50), true},
		{"applyno", strings.Repeat("a", 51), false},
		{"biddername", strings.Repeat("国", 200), true},
		{"biddername", strings.Repeat("国", 201), false},
		{"biaoduanname", strings.Repeat("=", 1000), true},
		{"biaoduanname", strings.Repeat("=", 1001), false},
		{"jbrname", strings.Repeat("张", 51), false},
	}
	for _, tt := range tests {
		err := apply.Validate(with(validApply(), map[string]string{tt.field: tt.value}))
		if tt.ok {
			if err != nil {
				t.Errorf("%s of %d runes: got %v, want nil", tt.field, len([]rune(tt.value)), err)
			}
			continue
		}
		wantFieldError(t, err, tt.field, "length", "超长", "实际 ")
	}
	// baohanfile has no length limit.
	restore := mustSpec(t, platform.RestoreNotice, platform.Outbound)
	big := map[string]string{"appkey": "k", "timestamp": "2024-05-20 10:00:00", "applyno": "A1", "baohanno": "B1",
		"baohanfile": strings.Repeat("QUJD", 1<<18), "sign": "x"}
	if err := restore.Validate(big); err != nil {
		t.Errorf("1 MiB baohanfile: %v", err)
	}
}

func TestCheckFormats(t *testing.T) {
	amount := platform.Field{Name: "bzjamount", Label: "保证金金额", MaxLen: 50, Format: platform.Amount}
	decimal := platform.Field{Name: "rate", Label: "费率", MaxLen: 50, Format: platform.Decimal}
	datetime := platform.Field{Name: "kaibiaotime", Label: "开标时间", MaxLen: 30, Format: platform.DateTime}
	enum := platform.Field{Name: "type", Label: "发票类型", MaxLen: 10, Format: platform.Enum, Enum: []string{"0", "1"}}
	array := platform.Field{Name: "filelist", Label: "理赔文件列表", Format: platform.JSONArray}
	text := platform.Field{Name: "reason", Label: "退保原因", MaxLen: 500}

	tests := []struct {
		f     platform.Field
		value string
		rule  string // "" means accepted
	}{
		{amount, "20000", ""},
		{amount, "20000.5", ""},
		{amount, "20000.00", ""},
		{amount, "0.01", ""},
		{amount, "0", ""},
		{amount, "999999999999999.99", ""},
		{amount, "-1", "format"},
		{amount, "+1", "format"},
		{amount, "1e3", "format"},
		{amount, "20,000.00", "format"},
		{amount, "20000.000", "format"},
		{amount, ".5", "format"},
		{amount, "5.", "format"},
		{amount, "2万", "format"},
		{amount, "20000 ", "format"},
		{amount, "1234567890123456", "format"},
		{amount, "NaN", "format"},
		{amount, "０.５", "format"}, // full-width digits

		{decimal, "0.005", ""},
		{decimal, "0.007", ""},
		{decimal, "1", ""},
		{decimal, "0.0000001", ""},
		{decimal, "-0.005", "format"},
		{decimal, ".005", "format"},
		{decimal, "0.", "format"},
		{decimal, "5e-3", "format"},
		{decimal, "0.5%", "format"},
		{decimal, "千分之五", "format"},

		{datetime, "2022-02-23 14:22:13", ""},
		{datetime, "2024-02-29 00:00:00", ""},
		{datetime, "2022-02-30 10:00:00", "format"},
		{datetime, "2023-02-29 10:00:00", "format"},
		{datetime, "2022-13-01 10:00:00", "format"},
		{datetime, "2022-02-23 24:00:00", "format"},
		{datetime, "2022-02-23", "format"},
		{datetime, "2022/02/23 14:22:13", "format"},
		{datetime, "2022-02-23T14:22:13", "format"},
		{datetime, "2022-02-23 14:22:13+08:00", "format"},
		{datetime, "2022-2-3 4:05:06", "format"},
		{datetime, "1645597333", "format"},

		{enum, "0", ""},
		{enum, "1", ""},
		{enum, "2", "enum"},
		{enum, "01", "enum"},
		{enum, "专票", "enum"},

		{array, `[]`, ""},
		{array, `[{"fileurl":"https://example.com/a.pdf"},{"fileurl":"https://example.com/b.pdf"}]`, ""},
		{array, `{"fileurl":"x"}`, "format"},
		{array, `[{"fileurl":`, "format"},
		{array, `https://example.com/a.pdf`, "format"},

		{text, "采购人取消招标", ""},
		{text, "bad \xff utf-8", "format"},
	}
	for _, tt := range tests {
		err := tt.f.Check(tt.value)
		if tt.rule == "" {
			if err != nil {
				t.Errorf("%s %q: got %v, want nil", tt.f.Name, tt.value, err)
			}
			continue
		}
		want := "格式错误"
		if tt.rule == "enum" {
			want = "取值错误"
		}
		wantFieldError(t, err, tt.f.Name, tt.rule, want, tt.f.Label)
	}
}

func TestCheckQuotesAndClipsTheValue(t *testing.T) {
	amount := platform.Field{Name: "bzjamount", Label: "保证金金额", MaxLen: 50, Format: platform.Amount}
	err := amount.Check("二万元整")
	wantFieldError(t, err, "bzjamount", "format", `"二万元整"`, "20000.00")

	long := platform.Field{Name: "filelist", Label: "理赔文件列表", Format: platform.JSONArray}
	err = long.Check(strings.Repeat("无", 100))
	wantFieldError(t, err, "filelist", "format", strings.Repeat("无", 40)+"…")
	if strings.Contains(err.Error(), strings.Repeat("无", 41)) {
		t.Errorf("message %q quotes more than 40 characters of the value", err)
	}
}

func TestValidateReturnsFirstProblemInSpecOrder(t *testing.T) {
	apply := mustSpec(t, platform.BaohanApply, platform.Inbound)
	params := with(validApply(), map[string]string{"applyno": "", "bzjamount": "abc"})
	wantFieldError(t, apply.Validate(params), "applyno", "required")
}

func TestCheckTimestamp(t *testing.T) {
	// now is given in a zone far from Beijing: the message must still show
	// Beijing time. 2024-05-20 02:00:00 UTC is 10:00:00 in Beijing.
	newYork := time.FixedZone("EST", -5*60*60)
	now := time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC).In(newYork)
	const beijingNow = "2024-05-20 10:00:00"
	window := 30 * time.Minute

	tests := []struct {
		ts   string
		rule string // "" means accepted
	}{
		{beijingNow, ""},
		{"2024-05-20 09:30:00", ""}, // exactly the window
		{"2024-05-20 10:30:00", ""},
		{"2024-05-20 09:31:00", ""},
		{"2024-05-20 10:29:59", ""},
		{"2024-05-20 09:29:59", "window"},
		{"2024-05-20 10:30:01", "window"},
		{"2024-05-20 09:29:00", "window"}, // 31 minutes old
		{"2024-05-20 10:31:00", "window"}, // 31 minutes in the future
		{"2024-05-20 02:00:00", "window"}, // the sender used UTC
		{"2024-05-19 21:00:00", "window"}, // the sender used New York time
		{"2024/05/20 10:00:00", "format"},
		{"2024-02-30 10:00:00", "format"},
		{"", "required"},
		{"   ", "required"},
	}
	for _, tt := range tests {
		err := platform.CheckTimestamp(tt.ts, now, window)
		switch tt.rule {
		case "":
			if err != nil {
				t.Errorf("CheckTimestamp(%q): got %v, want nil", tt.ts, err)
			}
		case "window":
			wantFieldError(t, err, "timestamp", "window", "超出允许范围", "30 分钟", "服务器时间 "+beijingNow+"（北京时间）", "请求时间 "+tt.ts)
		case "format":
			wantFieldError(t, err, "timestamp", "format", "格式错误", "yyyy-MM-dd HH:mm:ss")
		case "required":
			wantFieldError(t, err, "timestamp", "required", "缺失")
		}
	}
}

func TestCheckTimestampWindowWording(t *testing.T) {
	now := time.Date(2024, 5, 20, 10, 0, 0, 0, platform.Beijing)
	old := "2024-05-19 10:00:00"
	tests := []struct {
		window time.Duration
		want   string
	}{
		{2 * time.Hour, "2 小时"},
		{5 * time.Minute, "5 分钟"},
		{90 * time.Second, "90 秒"},
	}
	for _, tt := range tests {
		wantFieldError(t, platform.CheckTimestamp(old, now, tt.window), "timestamp", "window", "不得超过 "+tt.want)
	}
}

func TestTimeInBeijing(t *testing.T) {
	utc := time.Date(2024, 12, 31, 20, 30, 0, 0, time.UTC)
	if got, want := platform.FormatTime(utc), "2025-01-01 04:30:00"; got != want {
		t.Errorf("FormatTime(%v) got %q, want %q", utc, got, want)
	}
	got, err := platform.ParseTime("2025-01-01 04:30:00")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(utc) {
		t.Errorf("ParseTime got %v, want %v", got, utc)
	}
	if _, off := got.Zone(); off != 8*60*60 {
		t.Errorf("ParseTime zone offset got %d, want %d", off, 8*60*60)
	}
}
