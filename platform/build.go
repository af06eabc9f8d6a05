package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
)

// Credentials are what we share with one platform: the appkey it gave us and
// the appsecret both sides sign with.
type Credentials struct {
	AppKey    string
	AppSecret string
}

// Build makes a signed message of the spec from fields: it adds appkey and a
// fresh timestamp (Beijing time), leaves out empty values, validates against
// the table, signs, and renders JSON with every value a string, in the spec's
// field order. It returns the body and the signed params.
func (s *Spec) Build(fields map[string]string, cred Credentials, now time.Time) ([]byte, map[string]string, error) {
	params := make(map[string]string, len(fields)+3)
	for k, v := range fields {
		if strings.TrimSpace(v) != "" && k != gmcrypto.SignField {
			params[k] = v
		}
	}
	params["appkey"] = cred.AppKey
	params["timestamp"] = FormatTime(now)
	params[gmcrypto.SignField] = "-" // placeholder so the required check passes
	if err := s.Validate(params); err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", s.Section, s.Name, err)
	}
	for k := range params {
		if _, ok := s.Field(k); !ok {
			return nil, nil, fmt.Errorf("%s %s: 字段 %s 不在规范中", s.Section, s.Name, k)
		}
	}
	params[gmcrypto.SignField] = gmcrypto.Sign(params, cred.AppSecret)
	return s.render(params), params, nil
}

// render writes params as a JSON object of strings: the spec's fields in the
// spec's order, then any others sorted, without HTML escaping.
func (s *Spec) render(params map[string]string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	seen := make(map[string]bool, len(params))
	names := make([]string, 0, len(params))
	for _, f := range s.Fields {
		if _, ok := params[f.Name]; ok {
			names = append(names, f.Name)
			seen[f.Name] = true
		}
	}
	var rest []string
	for k := range params {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	names = append(names, rest...)

	var out bytes.Buffer
	out.Grow(len(params) * 32)
	out.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			out.WriteByte(',')
		}
		writeJSONString(&out, enc, &buf, k)
		out.WriteByte(':')
		writeJSONString(&out, enc, &buf, params[k])
	}
	out.WriteByte('}')
	return out.Bytes()
}

func writeJSONString(out *bytes.Buffer, enc *json.Encoder, buf *bytes.Buffer, s string) {
	buf.Reset()
	_ = enc.Encode(s) // encoding a string cannot fail
	out.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}
