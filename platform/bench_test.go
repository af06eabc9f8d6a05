package platform_test

import (
	"encoding/base64"
	"math/rand/v2"
	"testing"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

// sealed returns the SM4 ciphertext of plaintext as baohanapply carries it.
func sealed(tb testing.TB, plaintext string) string {
	tb.Helper()
	key, err := gmcrypto.ParseKey("eyF5xYB3evZe2Ge+svjKAQ==")
	if err != nil {
		tb.Fatal(err)
	}
	ct, err := gmcrypto.EncryptString(plaintext, key, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return ct
}

// benchApply is a baohanapply whose JSON is about 1 KiB, with sealed fields
// of realistic size.
func benchApply(tb testing.TB) map[string]string {
	return map[string]string{
		"platformcode": "A3205650121",
		"applyno":      "TBaoHanGBWBH2022022314223517227",
		"biddername":   "江苏国泰测试用单位新疆第四建筑工程有限公司",
		"biddercode":   "91650100MA7XXXXX8K",
		"jbrname":      "张三",
		"jbrphone":     "18118833439",
		"biaoduanno":   sealed(tb, "D1506011506000527001003"),
		"biaoduanname": sealed(tb, "长春市南关区人民大街道路改造工程（二期）施工总承包第一标段及配套附属设施建设项目（含给排水、电力管线迁改、绿化及交通安全设施工程）"),
		"bzjamount":    "20000.00",
		"zbr":          sealed(tb, "长春市南关区城市建设和管理局城市道路改造工程建设指挥部办公室（受长春市南关区人民政府委托）"),
		"zbrorgnum":    sealed(tb, "12220102MB1234567X"),
	}
}

// benchRestoreNotice is a restorenotice carrying a ~400 KiB base64 file.
func benchRestoreNotice() map[string]string {
	pdf := make([]byte, 300<<10)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(pdf)
	copy(pdf, "%PDF-1.7\n")
	return map[string]string{
		"applyno":    "TBaoHanGBWBH2022022314223517227",
		"baohanno":   "BH202405200001",
		"baohanurl":  "https://bank.example.com/files/BH202405200001.pdf",
		"baohanfile": base64.StdEncoding.EncodeToString(pdf),
	}
}

func benchSign(b *testing.B, spec *platform.Spec, fields map[string]string) {
	body, _, err := spec.Build(fields, testCred, testNow)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := spec.Build(fields, testCred, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func benchVerify(b *testing.B, spec *platform.Spec, fields map[string]string) {
	body, _, err := spec.Build(fields, testCred, testNow)
	if err != nil {
		b.Fatal(err)
	}
	rcv := &platform.Receiver{Accounts: []platform.Account{{AppKey: testAppKey, AppSecret: testAppSecret}}, Direction: spec.Direction}
	if _, _, err := rcv.Receive(spec.Name, platform.ContentType, body, testNow); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := rcv.Receive(spec.Name, platform.ContentType, body, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign1KiB builds (validates, signs, renders) a ~1 KiB baohanapply.
func BenchmarkSign1KiB(b *testing.B) {
	benchSign(b, mustSpec(b, platform.BaohanApply, platform.Inbound), benchApply(b))
}

// BenchmarkVerify1KiB receives (parses, verifies, validates) a ~1 KiB
// baohanapply.
func BenchmarkVerify1KiB(b *testing.B) {
	benchVerify(b, mustSpec(b, platform.BaohanApply, platform.Inbound), benchApply(b))
}

// BenchmarkSign400KiB builds a restorenotice with a ~400 KiB baohanfile.
func BenchmarkSign400KiB(b *testing.B) {
	benchSign(b, mustSpec(b, platform.RestoreNotice, platform.Outbound), benchRestoreNotice())
}

// BenchmarkVerify400KiB receives a restorenotice with a ~400 KiB baohanfile.
func BenchmarkVerify400KiB(b *testing.B) {
	benchVerify(b, mustSpec(b, platform.RestoreNotice, platform.Outbound), benchRestoreNotice())
}

// TestBenchMessageSizes keeps the benchmarks honest about their names.
func TestBenchMessageSizes(t *testing.T) {
	tests := []struct {
		spec     *platform.Spec
		fields   map[string]string
		min, max int
	}{
		{mustSpec(t, platform.BaohanApply, platform.Inbound), benchApply(t), 900, 1200},
		{mustSpec(t, platform.RestoreNotice, platform.Outbound), benchRestoreNotice(), 400 << 10, 420 << 10},
	}
	for _, tt := range tests {
		body, _, err := tt.spec.Build(tt.fields, testCred, testNow)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s body: %d bytes", tt.spec.Name, len(body))
		if n := len(body); n < tt.min || n > tt.max {
			t.Errorf("%s body is %d bytes, want %d to %d", tt.spec.Name, n, tt.min, tt.max)
		}
	}
}
