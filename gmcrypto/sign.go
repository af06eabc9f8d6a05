package gmcrypto

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
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
	names, size := signedNames(params, secret)
	var b strings.Builder
	b.Grow(size)
	writeSigningString(&b, params, names, secret)
	return b.String()
}

// signedNames returns the names of the fields that take part in the signing
// string, sorted byte-wise, and the length of that string.
func signedNames(params map[string]string, secret string) (names []string, size int) {
	names = make([]string, 0, len(params))
	size = len("&appsecret=") + len(secret)
	for name, value := range params {
		if name == SignField || strings.TrimSpace(value) == "" {
			continue
		}
		names = append(names, name)
		size += len(name) + len(value) + 2
	}
	sort.Strings(names)
	return names, size
}

// signingWriter is where the signing string goes: a strings.Builder for
// SigningString, a buffer in front of the SM3 hasher for Sign. Both write the
// string through writeSigningString, so the text shown and the text signed
// cannot drift apart.
type signingWriter interface {
	io.ByteWriter
	io.StringWriter
}

func writeSigningString(w signingWriter, params map[string]string, names []string, secret string) {
	for i, name := range names {
		if i > 0 {
			w.WriteByte('&')
		}
		w.WriteString(name)
		w.WriteByte('=')
		w.WriteString(params[name])
	}
	if len(names) > 0 {
		w.WriteByte('&')
	}
	w.WriteString("appsecret=")
	w.WriteString(secret)
}

// signBufferSize bounds the buffer between the signing string and the SM3
// hasher.
const signBufferSize = 4096

// Sign returns the SM3 signature of params under secret: 64 lower-case hex
// characters.
//
// The signing string is streamed into the hasher rather than built first: with
// a baohanfile it is hundreds of kilobytes, and building it copied the file
// once more for every message. The hasher takes bytes, not strings, so the
// pieces pass through a small buffer; the digest is that of SigningString.
func Sign(params map[string]string, secret string) string {
	names, size := signedNames(params, secret)
	h := sm3.New()
	w := bufio.NewWriterSize(h, min(size, signBufferSize))
	writeSigningString(w, params, names, secret)
	w.Flush() // writing to a hash never fails
	var sum [sm3.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
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
// kept as an empty text, which the signing string leaves out. A field named
// twice is an error, since the two sides could sign different values.
func ParamsFromJSON(body []byte) (map[string]string, error) {
	if params, ok := plainParams(body); ok {
		return params, nil
	}
	return paramsFromDecoder(body)
}

// paramsFromDecoder is ParamsFromJSON on encoding/json: the reference for
// every message, and the only reader of those plainParams declines.
func paramsFromDecoder(body []byte) (map[string]string, error) {
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
	// Only white space may follow the object: a stray "}" or "]" would
	// make the decoder's next Token fail like the end of the input does.
	if len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, errors.New("JSON 格式错误：对象之后还有多余内容")
	}
	return params, nil
}

// plainParams is the fast path of ParamsFromJSON, for the messages platforms
// actually send: one flat object whose names and string values hold no
// escape, no control character and no invalid UTF-8 (so that their decoded
// text is their bytes), and whose other values are numbers, true, false or
// null. At bid opening thousands of messages arrive each with a baohanfile of
// a hundred kilobytes or more, which encoding/json reads three or four times
// over (tokenizing, RawMessage, unquoting); this reads it once and copies it
// once.
//
// ok is false for anything else (an escape, a nested value, invalid UTF-8, a
// name given twice, any syntax error, anything after the object but white
// space), and the caller reads the body with encoding/json instead: what is
// accepted, with which texts, and every error text stay encoding/json's.
// FuzzParamsFromJSON holds the two to the same results, and both to an
// independent reading on jsontext (params_jsontext_test.go).
func plainParams(body []byte) (params map[string]string, ok bool) {
	i := skipSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return nil, false
	}
	// Messages have a dozen fields or so; the hint saves growing the map.
	params = make(map[string]string, 16)
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return params, skipSpace(body, i+1) == len(body)
	}
	for {
		if i == len(body) || body[i] != '"' {
			return nil, false
		}
		end, ok := plainStringEnd(body, i+1)
		if !ok {
			return nil, false
		}
		name := string(body[i+1 : end])
		i = skipSpace(body, end+1)
		if i == len(body) || body[i] != ':' {
			return nil, false
		}
		i = skipSpace(body, i+1)
		if i == len(body) {
			return nil, false
		}
		var value string
		switch c := body[i]; {
		case c == '"':
			end, ok := plainStringEnd(body, i+1)
			if !ok {
				return nil, false
			}
			value = string(body[i+1 : end])
			i = end + 1
		case c == 'n' && bytes.HasPrefix(body[i:], []byte("null")):
			i += len("null") // null is kept as an empty text, as ValueText has it
		case c == 't' && bytes.HasPrefix(body[i:], []byte("true")):
			value = "true"
			i += len("true")
		case c == 'f' && bytes.HasPrefix(body[i:], []byte("false")):
			value = "false"
			i += len("false")
		case c == '-' || '0' <= c && c <= '9':
			end := numberEnd(body, i)
			if end < 0 {
				return nil, false
			}
			value = string(body[i:end])
			i = end
		default:
			return nil, false
		}
		if _, dup := params[name]; dup {
			return nil, false
		}
		params[name] = value
		// A literal or number must be followed by a separator; "truex" or
		// "1.5.3" end up here and are declined.
		i = skipSpace(body, i)
		if i == len(body) {
			return nil, false
		}
		switch body[i] {
		case ',':
			i = skipSpace(body, i+1)
		case '}':
			return params, skipSpace(body, i+1) == len(body)
		default:
			return nil, false
		}
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(body []byte, i int) int {
	for i < len(body) {
		switch body[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// plainStringEnd returns the index of the quote that closes the JSON string
// whose text starts at body[i]. ok is false when there is no closing quote or
// the text holds a backslash, a control character or invalid UTF-8: then the
// decoded text is not the bytes, or the JSON is invalid.
func plainStringEnd(body []byte, i int) (end int, ok bool) {
	for {
		i = SkipPlainJSON(body, i)
		if i == len(body) {
			return 0, false
		}
		switch c := body[i]; {
		case c == '"':
			return i, true
		case c == '\\' || c < 0x20:
			return 0, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 {
				return 0, false
			}
			i += size
		}
	}
}

// numberEnd returns the index just past the JSON number (RFC 8259 §6) that
// starts at body[i], or -1 if there is none: -?(0|[1-9][0-9]*)(.[0-9]+)?
// ([eE][+-]?[0-9]+)?. What follows the number is the caller's to check.
func numberEnd(body []byte, i int) int {
	digits := func(i int) int {
		for i < len(body) && '0' <= body[i] && body[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(body) && body[i] == '-' {
		i++
	}
	switch {
	case i == len(body):
		return -1
	case body[i] == '0':
		i++
	case '1' <= body[i] && body[i] <= '9':
		i = digits(i + 1)
	default:
		return -1
	}
	if i < len(body) && body[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
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
