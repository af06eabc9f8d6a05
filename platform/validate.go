package platform

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baohangateway/baohan/internal/text"
)

// TimeLayout is the layout of every time on the wire: yyyy-MM-dd HH:mm:ss in
// Beijing time, with no zone.
const TimeLayout = "2006-01-02 15:04:05"

// Beijing is UTC+8 as a fixed zone, so that wire times never depend on the
// machine's zone or tz database.
var Beijing = time.FixedZone("CST", 8*60*60)

// FormatTime renders t as a wire time in Beijing time.
func FormatTime(t time.Time) string { return t.In(Beijing).Format(TimeLayout) }

// ParseTime reads a wire time as Beijing time.
func ParseTime(s string) (time.Time, error) {
	return time.ParseInLocation(TimeLayout, s, Beijing)
}

// FieldError is a refusal of one field: which field, which rule, in Chinese.
type FieldError struct {
	Field   string
	Rule    string // "required", "length", "format", "enum", "unknown"
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// Validate checks params against the spec: required fields (and those required
// by a condition), lengths in characters, and formats. It returns the first
// problem in the spec's field order as a *FieldError. Fields the spec does not
// name are allowed (platforms add fields over time) and are still signed.
//
// It also refuses what could re-split the signing string (WIRE.md
// "Signature"): the values are joined with '&' unescaped, so a captured
// message whose field a=X is followed by b=Y signs exactly like one whose a
// is "X&b=Y" and which has no b. A field name holding '&' or '=', any value
// holding '&' followed by a field name of the message (or appsecret) and
// '=', and any '&' in a code, account, key or base64 field (NoAmpersand)
// are refused, naming the field.
func (s *Spec) Validate(params map[string]string) error {
	if err := checkNames(params); err != nil {
		return err
	}
	for _, f := range s.Fields {
		v := params[f.Name]
		if strings.TrimSpace(v) == "" {
			if f.Required {
				return &FieldError{f.Name, "required", fmt.Sprintf("字段 %s（%s）缺失：该字段必填", f.Name, f.Label)}
			}
			if c := f.RequiredIf; c != nil && params[c.Field] == c.Value {
				return &FieldError{f.Name, "required", fmt.Sprintf("字段 %s（%s）缺失：%s 为 %s 时必填", f.Name, f.Label, c.Field, c.Value)}
			}
			continue
		}
		// A JSON array (filelist) is exempt: folding appends "&name=…"
		// after its closing bracket, and splitting leaves an unclosed
		// prefix, neither of them JSON, which Check refuses; while a file
		// URL in it may well carry "&applyno=" in its query.
		if name := s.resplitName(v); name != "" && f.Format != JSONArray {
			return resplitError(f.Name, fmt.Sprintf("字段 %s（%s）", f.Name, f.Label), name)
		}
		if err := Field(f).Check(v); err != nil {
			return err
		}
	}
	var extra []string
	for name, v := range params {
		if _, ok := s.Field(name); !ok && strings.IndexByte(v, '&') >= 0 {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		if found := s.resplitName(params[name]); found != "" {
			return resplitError(name, "字段 "+name, found)
		}
	}
	return nil
}

// resplitName returns the name of a field of the message (or appsecret)
// that v holds between a '&' and a '=', as in "X&payeramount=1000.00"; ""
// when there is none.
func (s *Spec) resplitName(v string) string {
	for i := strings.IndexByte(v, '&'); i >= 0; {
		rest := v[i+1:]
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			return ""
		}
		if name := rest[:eq]; name == "appsecret" {
			return name
		} else if _, ok := s.Field(name); ok {
			return name
		}
		next := strings.IndexByte(rest, '&')
		if next < 0 {
			return ""
		}
		i += 1 + next
	}
	return ""
}

func resplitError(field, what, name string) error {
	return &FieldError{field, "resplit", fmt.Sprintf("%s含有“&%s=”：各字段以 & 连接成签名串，这样的值能把截获报文的字段合并或拆分而签名不变，不予受理", what, name)}
}

// checkNames refuses a field name holding '&' or '=': with it the name and
// its value could stand for other fields in the signing string.
func checkNames(params map[string]string) error {
	var bad []string
	for name := range params {
		if strings.ContainsAny(name, "&=") {
			bad = append(bad, name)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return &FieldError{bad[0], "resplit", fmt.Sprintf("字段名 %q 含有 & 或 =：签名串以 name=value 用 & 连接，这样的字段名能冒充其他字段，不予受理", clip(bad[0]))}
}

// Check validates one non-empty value against the field's length and format.
func (f Field) Check(v string) error {
	// A value has no more characters than bytes, so only one longer in bytes
	// than the limit needs counting; an unbounded field such as baohanfile,
	// hundreds of kilobytes, is never counted.
	if f.MaxLen > 0 && len(v) > f.MaxLen {
		if n := utf8.RuneCountInString(v); n > f.MaxLen {
			return &FieldError{f.Name, "length", fmt.Sprintf("字段 %s（%s）超长：最多 %d 个字符，实际 %d 个", f.Name, f.Label, f.MaxLen, n)}
		}
	}
	if !utf8.ValidString(v) {
		return &FieldError{f.Name, "format", fmt.Sprintf("字段 %s（%s）格式错误：不是有效的 UTF-8 文本", f.Name, f.Label)}
	}
	bad := func(rule string) error {
		return &FieldError{f.Name, "format", fmt.Sprintf("字段 %s（%s）格式错误：%s，实际为 %q", f.Name, f.Label, rule, clip(v))}
	}
	if f.NoAmpersand && strings.IndexByte(v, '&') >= 0 {
		return bad("编码、账号、密钥和 base64 中不能有 &（各字段以 & 连接成签名串，值中的 & 能让签名串被重新拆分）")
	}
	switch f.Format {
	case Amount:
		if !isAmount(v) {
			return bad("应为金额数字（元），最多两位小数，如 20000.00")
		}
	case Decimal:
		if !isDecimal(v) {
			return bad("应为非负数字，如 0.005")
		}
	case DateTime:
		if _, err := ParseTime(v); err != nil {
			return bad("应为时间 yyyy-MM-dd HH:mm:ss")
		}
	case Enum:
		for _, e := range f.Enum {
			if v == e {
				return nil
			}
		}
		return &FieldError{f.Name, "enum", fmt.Sprintf("字段 %s（%s）取值错误：应为 %s 之一，实际为 %q", f.Name, f.Label, strings.Join(f.Enum, "、"), clip(v))}
	case JSONArray:
		var arr []json.RawMessage
		if err := json.Unmarshal([]byte(v), &arr); err != nil {
			return bad("应为 JSON 数组，如 [{\"fileurl\":\"…\"}]")
		}
	}
	return nil
}

// clip shortens a value quoted in a message to 40 runes.
func clip(v string) string { return text.Clip(v, 40) }

// isAmount accepts 1 to 15 digits with an optional point and one or two
// decimals: "20000", "20000.5", "20000.00".
func isAmount(v string) bool {
	intPart, frac, hasPoint := strings.Cut(v, ".")
	if !allDigits(intPart) || len(intPart) > 15 {
		return false
	}
	if hasPoint {
		return len(frac) >= 1 && len(frac) <= 2 && allDigits(frac)
	}
	return true
}

// isDecimal accepts digits with an optional fractional part: "0.005", "1".
func isDecimal(v string) bool {
	intPart, frac, hasPoint := strings.Cut(v, ".")
	if !allDigits(intPart) {
		return false
	}
	return !hasPoint || allDigits(frac)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckTimestamp refuses a timestamp further than window from now (either
// way). The message gives the server's own time so the other side can see its
// clock is off.
func CheckTimestamp(ts string, now time.Time, window time.Duration) error {
	if strings.TrimSpace(ts) == "" {
		return &FieldError{"timestamp", "required", "字段 timestamp（请求时间）缺失：该字段必填"}
	}
	t, err := ParseTime(ts)
	if err != nil {
		return &FieldError{"timestamp", "format", fmt.Sprintf("字段 timestamp（请求时间）格式错误：应为时间 yyyy-MM-dd HH:mm:ss，实际为 %q", clip(ts))}
	}
	if d := now.Sub(t); d > window || d < -window {
		return &FieldError{"timestamp", "window", fmt.Sprintf("字段 timestamp（请求时间）超出允许范围：与服务器时间相差不得超过 %s，请求时间 %s，服务器时间 %s（北京时间）",
			humanDuration(window), ts, FormatTime(now))}
	}
	return nil
}

func humanDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d 小时", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d 分钟", d/time.Minute)
	}
	return fmt.Sprintf("%d 秒", d/time.Second)
}
