package platform_test

import (
	"errors"
	"maps"
	"net/url"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/platform"
)

func TestParseBody(t *testing.T) {
	const msg = `{"appkey":"finance_test","applyno":"A+1/2=","biddername":"江苏国泰","bzjamount":20000.00,"filelist":[{"fileurl":"x"}],"jbrname":null}`
	want := map[string]string{
		"appkey": "finance_test", "applyno": "A+1/2=", "biddername": "江苏国泰",
		"bzjamount": "20000.00", "filelist": `[{"fileurl":"x"}]`, "jbrname": "",
	}
	form := url.Values{platform.FormField: {msg}}.Encode()
	tests := []struct {
		desc        string
		contentType string
		body        string
		want        map[string]string
		wantErr     string // "" means success
	}{
		{"json", "application/json;charset=UTF-8", msg, want, ""},
		{"json, no content type", "", msg, want, ""},
		{"json, padded", "application/json", "\r\n  " + msg + "\n", want, ""},
		{"form", "application/x-www-form-urlencoded", form, want, ""},
		{"form with charset", "application/x-www-form-urlencoded; charset=UTF-8", form, want, ""},
		{"form labelled as JSON", "application/json", form, want, ""},
		{"form with other fields", "application/x-www-form-urlencoded", "a=1&" + form + "&b=2", want, ""},
		{"form without requestData", "application/x-www-form-urlencoded", "data=" + url.QueryEscape(msg), nil, "requestData"},
		{"form with empty requestData", "application/x-www-form-urlencoded", "requestData=", nil, "requestData"},
		{"form with bad escape", "application/x-www-form-urlencoded", "requestData=%zz", nil, "表单格式错误"},
		{"form carrying bad JSON", "application/x-www-form-urlencoded", "requestData=" + url.QueryEscape(`{"a":`), nil, "JSON 格式错误"},
		{"empty", "application/json", "", nil, platform.ErrEmptyBody.Error()},
		{"white space", "application/json", " \n\t ", nil, platform.ErrEmptyBody.Error()},
		{"empty form", "application/x-www-form-urlencoded", "", nil, platform.ErrEmptyBody.Error()},
		{"malformed JSON", "application/json", `{"appkey":"a",}`, nil, "JSON 格式错误"},
		{"array", "application/json", `[1]`, nil, "不是 JSON 对象"},
		{"two objects", "application/json", `{"a":"1"}{"b":"2"}`, nil, "多余内容"},
		{"duplicate field", "application/json", `{"a":"1","a":"2"}`, nil, "重复"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := platform.ParseBody(tt.contentType, []byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
	if _, err := platform.ParseBody("application/json", nil); !errors.Is(err, platform.ErrEmptyBody) {
		t.Errorf("nil body: got %v, want ErrEmptyBody", err)
	}
}

// wireRequest is a request type as service declares them.
type wireRequest struct {
	Platform  string `wire:"appkey"`
	ApplyNo   string `wire:"applyno"`
	Reason    string `wire:"Reason"`
	FileList  string `wire:"filelist"`
	Untouched string
	Count     int // untagged, and not a string: ignored
}

func TestDecode(t *testing.T) {
	params := map[string]string{"appkey": "finance_test", "applyno": "A1", "Reason": "未签合同", "reason": "lower", "filelist": `[{"fileurl":"x"}]`, "extra": "ignored"}
	got := wireRequest{Untouched: "keep", ApplyNo: "old", Count: 3}
	if err := platform.Decode(params, &got); err != nil {
		t.Fatal(err)
	}
	want := wireRequest{Platform: "finance_test", ApplyNo: "A1", Reason: "未签合同", FileList: `[{"fileurl":"x"}]`, Untouched: "keep", Count: 3}
	if got != want {
		t.Errorf("Decode got %+v, want %+v", got, want)
	}

	// A field absent from params is cleared.
	if err := platform.Decode(map[string]string{"appkey": "k"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.ApplyNo != "" || got.Platform != "k" {
		t.Errorf("Decode of a partial message got %+v", got)
	}

	type badField struct {
		N int `wire:"n"`
	}
	tests := []struct {
		desc string
		dst  any
		want string
	}{
		{"not a pointer", wireRequest{}, "pointer to a struct"},
		{"pointer to non-struct", new(string), "pointer to a struct"},
		{"nil", nil, "pointer to a struct"},
		{"tagged int", &badField{}, "not a string"},
	}
	for _, tt := range tests {
		err := platform.Decode(params, tt.dst)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode into %s: got %v, want an error containing %q", tt.desc, err, tt.want)
		}
	}
}

func TestEncode(t *testing.T) {
	type withInt struct {
		Name string `wire:"name"`
		N    int    `wire:"n"`
	}
	tests := []struct {
		desc string
		v    any
		want map[string]string
	}{
		{"value", wireRequest{Platform: "k", ApplyNo: "A1", Reason: "原因", Untouched: "x"}, map[string]string{"appkey": "k", "applyno": "A1", "Reason": "原因"}},
		{"pointer", &wireRequest{ApplyNo: "A1"}, map[string]string{"applyno": "A1"}},
		{"empty", wireRequest{}, map[string]string{}},
		{"non-string tagged field skipped", withInt{Name: "x", N: 3}, map[string]string{"name": "x"}},
	}
	for _, tt := range tests {
		if got := platform.Encode(tt.v); !maps.Equal(got, tt.want) {
			t.Errorf("Encode(%s) got %v, want %v", tt.desc, got, tt.want)
		}
	}

	// Encode then Decode is the identity on tagged fields.
	in := wireRequest{Platform: "k", ApplyNo: "A1", Reason: "原因", FileList: "[]"}
	var out wireRequest
	if err := platform.Decode(platform.Encode(in), &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("Decode(Encode(%+v)) got %+v", in, out)
	}
}
