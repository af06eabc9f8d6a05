package platform

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"reflect"
	"strings"

	"github.com/baohangateway/baohan/gmcrypto"
)

// FormField is the form field that some deployments post the JSON message in
// (application/x-www-form-urlencoded).
const FormField = "requestData"

// ErrEmptyBody is returned for a request without a message.
var ErrEmptyBody = errors.New("请求报文为空")

// ParseBody reads a request body into the texts of its top-level fields, the
// texts the signature covers (see gmcrypto.ParamsFromJSON). A form-encoded body
// carries the JSON in the requestData field.
func ParseBody(contentType string, body []byte) (map[string]string, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, ErrEmptyBody
	}
	// A form body carries the JSON in requestData; a body that is JSON itself
	// is read as JSON whatever its label says (some deployments mislabel it).
	if trimmed[0] != '{' && (mt == "application/x-www-form-urlencoded" || bytes.HasPrefix(trimmed, []byte(FormField+"="))) {
		form, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return nil, fmt.Errorf("表单格式错误：%v", err)
		}
		data := form.Get(FormField)
		if strings.TrimSpace(data) == "" {
			return nil, fmt.Errorf("表单缺少字段 %s：报文应放在 %s 中", FormField, FormField)
		}
		// Trimmed as a JSON body is: the same message reads the same either
		// way (FuzzReceive).
		trimmed = bytes.TrimSpace([]byte(data))
	}
	return gmcrypto.ParamsFromJSON(trimmed)
}

// Decode copies params into the string fields of the struct dst points to,
// by their `wire:"name"` tags, those of embedded structs included. Untagged
// fields are left alone.
func Decode(params map[string]string, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("platform.Decode: want a pointer to a struct, got %T", dst)
	}
	v = v.Elem()
	t := v.Type()
	for _, f := range reflect.VisibleFields(t) {
		name, ok := f.Tag.Lookup("wire")
		if !ok {
			continue
		}
		if f.Type.Kind() != reflect.String {
			return fmt.Errorf("platform.Decode: field %s of %s is not a string", f.Name, t)
		}
		v.FieldByIndex(f.Index).SetString(params[name])
	}
	return nil
}

// Encode is the reverse of Decode: the `wire` tagged string fields of the
// struct v (or pointer to it), those of embedded structs included, as
// params. Empty values are left out.
func Encode(v any) map[string]string {
	rv := reflect.Indirect(reflect.ValueOf(v))
	t := rv.Type()
	out := make(map[string]string, t.NumField())
	for _, f := range reflect.VisibleFields(t) {
		name, ok := f.Tag.Lookup("wire")
		if !ok || f.Type.Kind() != reflect.String {
			continue
		}
		if s := rv.FieldByIndex(f.Index).String(); s != "" {
			out[name] = s
		}
	}
	return out
}
