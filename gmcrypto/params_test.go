package gmcrypto

import (
	"encoding/base64"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
)

// bigBase64 returns n bytes of base64 text of pseudo-random bytes, like the
// baohanfile of a restorenotice.
func bigBase64(n int) string {
	raw := make([]byte, n/4*3)
	rand.NewChaCha8([32]byte{7}).Read(raw)
	copy(raw, "%PDF-1.7\n")
	return base64.StdEncoding.EncodeToString(raw)
}

// restoreNoticeJSON is a restorenotice as it goes on the wire, with a
// baohanfile of n bytes of base64.
func restoreNoticeJSON(n int) []byte {
	return []byte(`{"appkey":"A3205650121","timestamp":"2024-05-20 09:30:00","applyno":"TBaoHanGBWBH2022022314223517227",` +
		`"baohanno":"BH202405200001","baohanurl":"https://bank.example.com/files/BH202405200001.pdf",` +
		`"baohanfile":"` + bigBase64(n) + `","sign":"0aad4d9c91de0ea47ba9aac295397e96f8b8113577049b0587222fd3c168504c"}`)
}

// paramsSeeds are messages for the differential tests and the fuzz corpus:
// the clean ones plainParams reads, and everything it must leave to
// encoding/json. They are short on purpose; the tests read the real-sized
// messages (fullSizeMessages) apart. The fuzzer minimizes every input that
// finds new code by trying to remove every span of its bytes, a number of
// executions quadratic in its length, each running four readers of the
// message. With the 582-byte v1 baohanapply and a restorenotice with a 1 KiB
// baohanfile among the seeds, minimizing the first inputs mutated from them
// kept both workers busy for longer than a 20 s run, which then made 280
// executions. The eight-byte loop of plainStringEnd is covered as well by
// 64 bytes of base64 and by the word-boundary seeds below.
func paramsSeeds(tb testing.TB) []string {
	big := bigBase64(64)
	seeds := []string{
		// The v1 baohanapply cut down to the kinds of field it has.
		`{"appkey":"finance_gongbaowang","biddername":"江苏国泰测试用单位新疆4建","bzjamount":"20000.00",` +
			`"zbr":"XhKYCAmA6IqQvH/eDuTabVrzVPeTmWLluA0X4fkU00k=","timestamp":"2022-02-23 14:22:13"}`,
		`{"baohanno":"BH202405200001","baohanfile":"` + big + `","sign":"0aad4d9c91de0ea4"}`,
		`{"baohanfile":"` + big + `","applystatus":"1"}`,
		` {} `, `{}`, "\t{\r\n}\n", `{"":""}`,
		`{"a":"b","c":"中文 <>&'","Reason":" x "}`,
		`{"x":"a&b=c 中文+/=","y":"` + "\u2028\u2029\ufffd\u007f" + `"}`,
		// Numbers, literals and null.
		`{"amount": 600.50, "n": 7, "flag": true, "off": false, "nothing": null}`,
		`{"a":-0,"b":0,"c":1e5,"d":1E+5,"e":1.5e-3,"f":-12.25E-07,"g":123456789012345678901234567890}`,
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":+1}`, `{"a":1e}`, `{"a":1e+}`,
		`{"a":0x10}`, `{"a":1.5.3}`, `{"a":1x}`, `{"a":NaN}`, `{"a":-Infinity}`, `{"a":- 1}`,
		`{"a":truex}`, `{"a":tru}`, `{"a":nul}`, `{"a":nullnull}`, `{"a":True}`, `{"a":false }`,
		// Escapes, control characters and invalid UTF-8.
		`{"s": "a\/b\u4e2d", "q":"say \"hi\"", "t":"tab\there"}`,
		`{"a\u0062":"c"}`, `{"a":"\ud800"}`, `{"a":"\\"}`,
		"{\"a\":\"line\nbreak\"}", "{\"a\":\"nul\x00\"}", "{\"a\":\"\x1f\"}",
		"{\"a\":\"\xff\"}", "{\"\xff\":\"a\"}", "{\"a\":\"\xe4\xb8\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		// Nested values.
		`{"filelist": [ {"fileurl": "http://x/1"}, {"fileurl":"http://x/2"} ], "obj": {"a" : 1}}`,
		`{"a":[],"b":{},"c":[1,"2",null]}`,
		// Names given twice.
		`{"a":"1","a":"2"}`, `{"a":"1","b":"x","a":"1"}`, `{"a":null,"a":null}`, `{"a":[1],"a":2}`,
		// Not an object, or not only one.
		``, ` `, `[]`, `"s"`, `null`, `1`, `{`, `}`, `{"a"`, `{"a":`, `{"a":"b"`, `{"a":"b",`,
		`{"a":"b",}`, `{,"a":"b"}`, `{"a" "b"}`, `{"a":"b" "c":"d"}`, `{"a"::"b"}`, `{a:"b"}`, `{'a':'b'}`,
		`{"a":"b"}x`, `{"a":"b"}}`, `{"a":"b"}]`, `{"a":"b"} {"c":"d"}`, `{"a":"b"},`, `{"a":"b"}` + "\x00",
		"\ufeff{\"a\":\"b\"}", "{\"a\":\"b\"}\u00a0", "\v{\"a\":\"b\"}", "{\"a\":\"b\f\"}",
		`{"a":"unterminated}`, `{"a":"b\`,
	}
	// Every awkward byte at every offset within and around an eight-byte
	// word, where plainStringEnd switches between words and single bytes.
	for _, odd := range []string{`\"`, "\x00", "\x1f", " ", "\x7f", "\x80", "\xff", "中", "\u2028", "\ufffd", "\xe4\xb8"} {
		for n := range 18 {
			seeds = append(seeds, `{"k":"`+big[:n]+odd+big[n:20]+`"}`)
		}
	}
	return seeds
}

// checkParams fails unless ParamsFromJSON and encoding/json (the decoder it
// replaced) read body alike: the same fields with the same texts, or errors
// with the same text.
func checkParams(t *testing.T, body []byte) {
	t.Helper()
	got, gotErr := ParamsFromJSON(body)
	want, wantErr := paramsFromDecoder(body)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("ParamsFromJSON(%q): got error %v, want %v", clipped(body), gotErr, wantErr)
	case gotErr != nil && gotErr.Error() != wantErr.Error():
		t.Fatalf("ParamsFromJSON(%q): got error %q, want %q", clipped(body), gotErr, wantErr)
	case (got == nil) != (want == nil) || !maps.Equal(got, want):
		t.Fatalf("ParamsFromJSON(%q):\n got %q\nwant %q", clipped(body), got, want)
	}
	// The fast path on its own: whatever it accepts, encoding/json accepts
	// with the same texts.
	if fast, ok := plainParams(body); ok {
		if wantErr != nil || !maps.Equal(fast, want) {
			t.Fatalf("plainParams(%q) = %q, but encoding/json reads %q, %v", clipped(body), fast, want, wantErr)
		}
	}
}

func clipped(body []byte) string {
	if len(body) > 200 {
		return string(body[:200]) + "…"
	}
	return string(body)
}

// fullSizeMessages are the messages as they come, too long for fuzz seeds.
func fullSizeMessages(tb testing.TB) [][]byte {
	return [][]byte{
		mustRead(tb, "testdata/v1_baohanapply.json"),
		restoreNoticeJSON(1 << 10),
		restoreNoticeJSON(113 << 10),
	}
}

func TestParamsFromJSONMatchesDecoder(t *testing.T) {
	for _, body := range paramsSeeds(t) {
		checkParams(t, []byte(body))
	}
	for _, body := range fullSizeMessages(t) {
		checkParams(t, body)
	}
}

// TestPlainParamsTakesRealMessages keeps the fast path from quietly
// declining the messages it is for (the differential test would still pass).
func TestPlainParamsTakesRealMessages(t *testing.T) {
	bodies := map[string][]byte{
		"v1 baohanapply":             mustRead(t, "testdata/v1_baohanapply.json"),
		"restorenotice":              restoreNoticeJSON(113 << 10),
		"numbers, literals and null": []byte(`{"a": -12.5e+3 , "b":true,"c":false,"d":null,"e":"中文"}`),
	}
	for name, body := range bodies {
		params, ok := plainParams(body)
		if !ok {
			t.Errorf("%s: plainParams declined it", name)
			continue
		}
		want, err := paramsFromDecoder(body)
		if err != nil || !maps.Equal(params, want) {
			t.Errorf("%s: plainParams = %q, encoding/json %q, %v", name, params, want, err)
		}
	}
	params, _ := plainParams(restoreNoticeJSON(113 << 10))
	if got := params["baohanfile"]; len(got) != 113<<10 || strings.Trim(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != "" {
		t.Errorf("baohanfile is %d bytes, want 113 KiB of base64", len(got))
	}
}

func FuzzParamsFromJSON(f *testing.F) {
	for _, body := range paramsSeeds(f) {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkParams(t, body)
		checkParamsJSONText(t, body)
	})
}

// BenchmarkParamsFromJSON113KiB reads a restorenotice whose baohanfile is
// 113 KiB of base64, the message bid opening receives thousands of.
func BenchmarkParamsFromJSON113KiB(b *testing.B) {
	body := restoreNoticeJSON(113 << 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParamsFromJSON(body); err != nil {
			b.Fatal(err)
		}
	}
}
