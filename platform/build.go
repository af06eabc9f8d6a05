package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

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
//
// The bytes are those json.Encoder (SetEscapeHTML(false)) writes for each
// string, but a string the encoder would copy unchanged is copied here
// directly, into a buffer sized for the whole body; through the encoder, a
// baohanfile of hundreds of kilobytes would be scanned byte by byte, grow
// a buffer several times, and be copied twice more. Only strings that need
// escaping (see plainJSON) go through the encoder, and they may grow the
// buffer: their escaped length is not known in advance.
func (s *Spec) render(params map[string]string) []byte {
	names := make([]string, 0, len(params))
	for _, f := range s.Fields {
		if _, ok := params[f.Name]; ok {
			names = append(names, f.Name)
		}
	}
	var rest []string
	for k := range params {
		if _, ok := s.Field(k); !ok {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	names = append(names, rest...)

	size := len("{}")
	for i, k := range names {
		if i > 0 {
			size += len(",")
		}
		size += len(`"":""`) + len(k) + len(params[k])
	}
	out := make([]byte, 0, size)
	var enc jsonEncoder
	out = append(out, '{')
	for i, k := range names {
		if i > 0 {
			out = append(out, ',')
		}
		out = enc.appendString(out, k)
		out = append(out, ':')
		out = enc.appendString(out, params[k])
	}
	return append(out, '}')
}

// jsonEncoder writes JSON strings as json.Encoder does without HTML escaping.
// The encoder and its buffer are made on the first string that needs them, so
// that a body of plain strings costs no allocation for them.
type jsonEncoder struct {
	enc *json.Encoder
	buf *bytes.Buffer
}

func (e *jsonEncoder) appendString(out []byte, s string) []byte {
	if plainJSON(s) {
		out = append(out, '"')
		out = append(out, s...)
		return append(out, '"')
	}
	if e.enc == nil {
		e.buf = new(bytes.Buffer)
		e.enc = json.NewEncoder(e.buf)
		e.enc.SetEscapeHTML(false)
	}
	e.buf.Reset()
	_ = e.enc.Encode(s) // encoding a string cannot fail
	return append(out, bytes.TrimRight(e.buf.Bytes(), "\n")...)
}

// plainJSON reports whether json.Encoder without HTML escaping writes s as it
// is between quotes: s is valid UTF-8 and holds no '"', no '\\', no control
// character (below U+0020) and neither U+2028 nor U+2029, which the encoder
// escapes whatever its settings. Invalid UTF-8 it would replace with \ufffd.
func plainJSON(s string) bool {
	for i := 0; i < len(s); {
		i = gmcrypto.SkipPlainJSON(s, i)
		if i == len(s) {
			break
		}
		switch c := s[i]; {
		case c == '"' || c == '\\' || c < 0x20:
			return false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				return false
			}
			i += size
		}
	}
	return true
}
