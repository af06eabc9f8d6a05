package gmcrypto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// SignField is the name of the signature field; it never takes part in the
// signing string.
const SignField = "sign"

// redacted replaces the appsecret in signing strings meant for logs.
const redacted = "******"

// SigningString builds the string that is signed (WIRE.md "Signature"): every
// field but sign, leaving out empty and white-space-only values, sorted
// byte-wise by name, joined as name=value with '&', followed by
// "&appsecret=<secret>".
func SigningString(params map[string]string, secret string) string {
	return signingString(params, secret)
}

// RedactedSigningString is SigningString with the secret replaced by
// asterisks: what may be logged and shown during joint debugging.
func RedactedSigningString(params map[string]string) string {
	return signingString(params, redacted)
}

func signingString(params map[string]string, secret string) string {
	names := make([]string, 0, len(params))
	size := len("&appsecret=") + len(secret)
	for name, value := range params {
		if name == SignField || strings.TrimSpace(value) == "" {
			continue
		}
		names = append(names, name)
		size += len(name) + len(value) + 2
	}
	sort.Strings(names)
	var b strings.Builder
	b.Grow(size)
	for i, name := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(params[name])
	}
	if len(names) > 0 {
		b.WriteByte('&')
	}
	b.WriteString("appsecret=")
	b.WriteString(secret)
	return b.String()
}

// Sign returns the SM3 signature of params under secret: 64 lower-case hex
// characters.
func Sign(params map[string]string, secret string) string {
	return SM3Hex([]byte(SigningString(params, secret)))
}

// Verify reports whether sign is the signature of params under secret. The
// comparison ignores case and takes constant time.
func Verify(params map[string]string, secret, sign string) bool {
	return EqualHex(Sign(params, secret), strings.TrimSpace(sign))
}

// ErrNotObject is returned by ParamsFromJSON when the message is not a JSON
// object.
var ErrNotObject = errors.New("报文不是 JSON 对象")

// ParamsFromJSON reads the top-level fields of a JSON object as the texts that
// are signed: a string as its decoded text, a number, true or false as its
// literal token, a nested array or object as its compact JSON text; null is
// left out. A field named twice is an error, since the two sides could sign
// different values.
func ParamsFromJSON(body []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("JSON 格式错误：%w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, ErrNotObject
	}
	params := make(map[string]string)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("JSON 格式错误：%w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("JSON 格式错误：字段名应为字符串")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("JSON 格式错误：字段 %s 的值无法解析：%w", name, err)
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("字段 %s 重复出现", name)
		}
		value, present, err := ValueText(raw)
		if err != nil {
			return nil, fmt.Errorf("JSON 格式错误：字段 %s：%w", name, err)
		}
		if present {
			params[name] = value
		} else {
			params[name] = ""
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("JSON 格式错误：%w", err)
	}
	if dec.More() {
		return nil, errors.New("JSON 格式错误：对象之后还有多余内容")
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("JSON 格式错误：对象之后还有多余内容")
	}
	return params, nil
}

// ValueText returns the signed text of one JSON value (see ParamsFromJSON);
// present is false for null.
func ValueText(raw json.RawMessage) (text string, present bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false, errors.New("值为空")
	}
	switch raw[0] {
	case 'n':
		return "", false, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", false, err
		}
		return buf.String(), true, nil
	default:
		// numbers, true and false: the literal token as sent.
		return string(raw), true, nil
	}
}
