package gmcrypto

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm4"
)

const v1Secret = "9c821377-9c04-4adb-96ae-c987f06e1b21"

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestSM3Standard(t *testing.T) {
	// GB/T 32905 example 1.
	got := SM3Hex([]byte("abc"))
	want := "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
	if got != want {
		t.Fatalf("SM3(abc) = %s, want %s", got, want)
	}
}

func TestSM3Stream(t *testing.T) {
	// GB/T 32905 example 2, written a byte at a time.
	h := NewSM3()
	for _, b := range []byte(strings.Repeat("abcd", 16)) {
		h.Write([]byte{b})
	}
	want := "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Fatalf("SM3(abcd×16) streamed = %s, want %s", got, want)
	}
	// A larger input in uneven pieces, as an upload arrives.
	data := make([]byte, 1<<20+17)
	for i := range data {
		data[i] = byte(i * 7)
	}
	h = NewSM3()
	for rest, n := data, 1; len(rest) > 0; n = n*3 + 1 {
		n = min(n, len(rest))
		h.Write(rest[:n])
		rest = rest[n:]
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), SM3Hex(data); got != want {
		t.Fatalf("streamed %s, whole %s", got, want)
	}
}

func TestSM4StandardBlock(t *testing.T) {
	// GB/T 32907 example: one block, key = plaintext.
	key, _ := hex.DecodeString("0123456789abcdeffedcba9876543210")
	block, err := sm4.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 16)
	block.Encrypt(dst, key)
	if got, want := hex.EncodeToString(dst), "681edf34d206965e86b3e94f536e4246"; got != want {
		t.Fatalf("SM4 block = %s, want %s", got, want)
	}
	// The same block through our ECB path: the first 16 bytes are the block,
	// the second is the PKCS#7 padding block.
	ct, err := Encrypt(key, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(ct[:16]); got != "681edf34d206965e86b3e94f536e4246" {
		t.Fatalf("ECB first block = %s", got)
	}
	if len(ct) != 32 {
		t.Fatalf("len(ct) = %d, want 32 (a full padding block)", len(ct))
	}
}

func TestV1SigningStringAndSign(t *testing.T) {
	params, err := ParamsFromJSON(mustRead(t, "testdata/v1_baohanapply.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := string(mustRead(t, "testdata/v1_signing_string.golden"))
	if got := SigningString(params, v1Secret); got != want {
		t.Fatalf("signing string:\n got %s\nwant %s", got, want)
	}
	wantSign := "0aad4d9c91de0ea47ba9aac295397e96f8b8113577049b0587222fd3c168504c"
	if got := Sign(params, v1Secret); got != wantSign {
		t.Fatalf("Sign = %s, want %s", got, wantSign)
	}
	if !Verify(params, v1Secret, strings.ToUpper(wantSign)) {
		t.Fatal("Verify rejected the upper-case form of V1's signature")
	}
	if Verify(params, v1Secret+"x", wantSign) {
		t.Fatal("Verify accepted V1 under another secret")
	}
	params["bzjamount"] = "20000.01"
	if Verify(params, v1Secret, wantSign) {
		t.Fatal("Verify accepted a changed amount")
	}
	red := RedactedSigningString(params)
	if strings.Contains(red, v1Secret) || !strings.HasSuffix(red, "&appsecret=******") {
		t.Fatalf("redacted signing string leaks or lacks the mask: %s", red)
	}
}

func TestSigningStringRules(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"sign excluded, empty and blank left out",
			map[string]string{"b": "2", "a": "1", "sign": "xx", "c": "", "d": "  \t"},
			"a=1&b=2&appsecret=S"},
		{"byte-wise order puts upper case first",
			map[string]string{"appkey": "k", "Reason": "r", "applyno": "n"},
			"Reason=r&appkey=k&applyno=n&appsecret=S"},
		{"raw values, no escaping",
			map[string]string{"x": "a&b=c 中文+/="},
			"x=a&b=c 中文+/=&appsecret=S"},
		{"nothing but the secret", map[string]string{}, "appsecret=S"},
	}
	for _, tt := range tests {
		if got := SigningString(tt.params, "S"); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestSignHashesSigningString holds Sign, which streams the signing string
// into the hasher, to the digest of the string SigningString builds, for
// strings shorter than the stream's buffer and much longer than it.
func TestSignHashesSigningString(t *testing.T) {
	big := bigBase64(113 << 10)
	tests := []map[string]string{
		{},
		{"a": "1"},
		{"sign": "x", "b": " ", "a": "中文"},
		{"appkey": "k", "baohanfile": big, "applyno": "TBaoHan", "sign": "s"},
		{"baohanfile": big[:signBufferSize-20], "x": "y"},
		{"baohanfile": big[:signBufferSize], "Reason": "r"},
		{"baohanfile": big[:3*signBufferSize+7], "a": big[:signBufferSize+1]},
	}
	for _, secret := range []string{"", "S", v1Secret, big[:signBufferSize+3]} {
		for _, params := range tests {
			if got, want := Sign(params, secret), SM3Hex([]byte(SigningString(params, secret))); got != want {
				t.Errorf("Sign of %d fields under a %d-byte secret = %s, want %s", len(params), len(secret), got, want)
			}
		}
	}
}

func TestParamsFromJSON(t *testing.T) {
	body := `{"amount": 600.50, "n": 7, "flag": true, "nothing": null,
	 "filelist": [ {"fileurl": "http://x/1"}, {"fileurl":"http://x/2"} ],
	 "obj": {"a" : 1}, "s": "a\/b\u4e2d", "filestr": "[{\"fileurl\":\"u\"}]"}`
	p, err := ParamsFromJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"amount":   "600.50",
		"n":        "7",
		"flag":     "true",
		"nothing":  "",
		"filelist": `[{"fileurl":"http://x/1"},{"fileurl":"http://x/2"}]`,
		"obj":      `{"a":1}`,
		"s":        "a/b中",
		"filestr":  `[{"fileurl":"u"}]`,
	}
	for k, w := range want {
		if got := p[k]; got != w {
			t.Errorf("%s: got %q, want %q", k, got, w)
		}
	}
	if len(p) != len(want) {
		t.Errorf("got %d fields, want %d", len(p), len(want))
	}
	for _, bad := range []string{``, `[]`, `"x"`, `{"a":1`, `{"a":1}{}`, `{"a":1,"a":2}`, `{"a":}`, `{"a":1} x`, `{"a":"b"}}`, `{"a":"b"}]`, `{"a":{"c":1}}}`, `{"a":"b"} ,`} {
		if _, err := ParamsFromJSON([]byte(bad)); err == nil {
			t.Errorf("ParamsFromJSON(%q) accepted malformed input", bad)
		}
	}
}

var v2 = []struct{ ct, pt string }{
	{"3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=", "D1506011506000527001003"},
	{"zdxk51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo=", "测试保函1108-3"},
	{"/kdDw4lH0u4TMTRNEV8iHhDgpdGZbpy2OLrBtexp0d4=", "针织服饰有限公司"},
	{"uL6aFw3t4xThWQUpFUJxRyUZomxIiWY9XTbFnYKZ1Vw=", "12113305051412881T"},
}

var v3 = []struct{ ct, pt string }{
	{"FXHdgO+ycoenm1+7VW5pvA==", "001"},
	{"z+z7s7O6JCpKbqFSx3Zthw==", "测试标段"},
	{"mVyNYMgI+DAPQsJgH6dIvw==", "樊江锋"},
	{"Nxl2VeI1Dof6XAz8DfT5yQ==", "crxylh"},
}

func TestV2V3Decrypt(t *testing.T) {
	for _, set := range []struct {
		key     string
		vectors []struct{ ct, pt string }
	}{{"eyF5xYB3evZe2Ge+svjKAQ==", v2}, {"169b909483f5822975d316b6676b0a0a", v3}} {
		key, err := ParseKey(set.key)
		if err != nil {
			t.Fatalf("ParseKey(%s): %v", set.key, err)
		}
		for _, v := range set.vectors {
			got, err := DecryptString(v.ct, key, nil)
			if err != nil || got != v.pt {
				t.Errorf("key %s: Decrypt(%s) = %q, %v; want %q", set.key, v.ct, got, err, v.pt)
			}
			ct, err := EncryptString(v.pt, key, nil)
			if err != nil || ct != v.ct {
				t.Errorf("key %s: Encrypt(%q) = %s, %v; want %s", set.key, v.pt, ct, err, v.ct)
			}
		}
	}
}

func TestDecryptTolerantBase64(t *testing.T) {
	key, _ := ParseKey("eyF5xYB3evZe2Ge+svjKAQ==")
	wrapped := "3cVYmS+aKfNVGcEtGFSF\r\nycOJqqoPUwEQp1mga2xliUE="
	got, err := DecryptString(wrapped, key, nil)
	if err != nil || got != "D1506011506000527001003" {
		t.Fatalf("wrapped base64: %q, %v", got, err)
	}
}

func TestCBCRoundTrip(t *testing.T) {
	key, _ := ParseKey("169b909483f5822975d316b6676b0a0a")
	iv, err := ParseIV(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	ivHex, err := ParseIV(hex.EncodeToString([]byte("0123456789abcdef")))
	if err != nil || string(ivHex) != string(iv) {
		t.Fatalf("hex IV: %x, %v", ivHex, err)
	}
	ct, err := EncryptString("吉林省测试招标人有限公司", key, iv)
	if err != nil {
		t.Fatal(err)
	}
	ecb, _ := EncryptString("吉林省测试招标人有限公司", key, nil)
	if ct == ecb {
		t.Fatal("CBC produced the ECB ciphertext")
	}
	got, err := DecryptString(ct, key, iv)
	if err != nil || got != "吉林省测试招标人有限公司" {
		t.Fatalf("CBC round trip: %q, %v", got, err)
	}
	if none, err := ParseIV("  "); none != nil || err != nil {
		t.Fatalf("blank IV = %x, %v; want nil (ECB)", none, err)
	}
}

func TestParseKeyRejects(t *testing.T) {
	for _, k := range []string{"", "abc", "eyF5xYB3evZe2Ge+svjK", "169b909483f5822975d316b6676b0a0", "169b909483f5822975d316b6676b0a0g",
		base64.StdEncoding.EncodeToString(make([]byte, 32)), "169b909483f5822975d316b6676b0a0a00"} {
		if _, err := ParseKey(k); err != ErrKeyFormat {
			t.Errorf("ParseKey(%q) error = %v, want ErrKeyFormat", k, err)
		}
	}
	if _, err := ParseIV("zz"); err != ErrIVFormat {
		t.Errorf("ParseIV(zz) error = %v", err)
	}
}

func TestDecryptWrongKeyAndBadInput(t *testing.T) {
	good, _ := ParseKey("eyF5xYB3evZe2Ge+svjKAQ==")
	wrong, _ := ParseKey("169b909483f5822975d316b6676b0a0a")
	failures := 0
	for _, v := range v2 {
		if _, err := DecryptString(v.ct, wrong, nil); err != nil {
			failures++
		}
	}
	if failures == 0 {
		t.Fatal("a wrong key decrypted every V2 field without an error")
	}
	tests := []struct {
		ct   string
		want error
	}{
		{"!!!notbase64", ErrCiphertext},
		{"", ErrBlockSize},
		{base64.StdEncoding.EncodeToString([]byte("short")), ErrBlockSize},
	}
	for _, tt := range tests {
		if _, err := DecryptString(tt.ct, good, nil); err != tt.want {
			t.Errorf("DecryptString(%q) error = %v, want %v", tt.ct, err, tt.want)
		}
	}
	// A block whose last byte is not valid padding.
	block, _ := sm4.NewCipher(good)
	plain := []byte("0123456789abcde\x00")
	ct := make([]byte, 16)
	block.Encrypt(ct, plain)
	if _, err := Decrypt(ct, good, nil); err != ErrPadding {
		t.Errorf("bad padding error = %v, want ErrPadding", err)
	}
	// Valid padding but not UTF-8.
	ct2, _ := Encrypt([]byte{0xff, 0xfe}, good, nil)
	if _, err := DecryptString(base64.StdEncoding.EncodeToString(ct2), good, nil); err != ErrNotUTF8 {
		t.Errorf("non-UTF-8 plaintext error = %v, want ErrNotUTF8", err)
	}
}

func TestDecryptFieldsNamesTheField(t *testing.T) {
	key, _ := ParseKey("eyF5xYB3evZe2Ge+svjKAQ==")
	got, err := DecryptFields(map[string]string{"zbr": v2[2].ct, "zbrorgnum": ""}, key, nil)
	if err != nil || got["zbr"] != v2[2].pt || got["zbrorgnum"] != "" {
		t.Fatalf("DecryptFields = %v, %v", got, err)
	}
	_, err = DecryptFields(map[string]string{"zbr": v2[2].ct, "biaoduanno": "@@@"}, key, nil)
	if err == nil || !strings.Contains(err.Error(), "biaoduanno") {
		t.Fatalf("error %v does not name biaoduanno", err)
	}
}

func FuzzDecryptString(f *testing.F) {
	for _, v := range v2 {
		f.Add(v.ct, "eyF5xYB3evZe2Ge+svjKAQ==", "")
	}
	f.Add("FXHdgO+ycoenm1+7VW5pvA==", "169b909483f5822975d316b6676b0a0a", "30313233343536373839616263646566")
	f.Fuzz(func(t *testing.T, ct, k, ivs string) {
		key, err := ParseKey(k)
		if err != nil {
			return
		}
		iv, err := ParseIV(ivs)
		if err != nil {
			return
		}
		pt, err := DecryptString(ct, key, iv)
		if err != nil {
			return
		}
		again, err := EncryptString(pt, key, iv)
		if err != nil {
			t.Fatalf("re-encrypting %q: %v", pt, err)
		}
		if back, err := DecryptString(again, key, iv); err != nil || back != pt {
			t.Fatalf("round trip of %q: %q, %v", pt, back, err)
		}
	})
}

func FuzzSigningString(f *testing.F) {
	f.Add(string(mustRead(f, "testdata/v1_baohanapply.json")))
	f.Add(`{"a":[1,2,{"b":null}],"Reason":" x ","n":1e3}`)
	f.Fuzz(func(t *testing.T, body string) {
		params, err := ParamsFromJSON([]byte(body))
		if err != nil {
			return
		}
		s := SigningString(params, "secret")
		if !strings.HasSuffix(s, "appsecret=secret") {
			t.Fatalf("signing string %q lacks the secret", s)
		}
		if got, want := Sign(params, "secret"), SM3Hex([]byte(s)); got != want {
			t.Fatalf("Sign = %s, want the digest of the signing string, %s", got, want)
		}
		if !Verify(params, "secret", Sign(params, "secret")) {
			t.Fatal("a message does not verify with its own signature")
		}
	})
}

func BenchmarkSM4DecryptField(b *testing.B) {
	key, _ := ParseKey("eyF5xYB3evZe2Ge+svjKAQ==")
	for b.Loop() {
		if _, err := DecryptString(v2[1].ct, key, nil); err != nil {
			b.Fatal(err)
		}
	}
}
