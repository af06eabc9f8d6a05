package platform

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// renderWithEncoder is render as it was before plain strings were copied
// directly: every string through json.Encoder. It is the reference render
// must stay byte for byte identical to.
func (s *Spec) renderWithEncoder(params map[string]string) []byte {
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

	str := func(out *bytes.Buffer, s string) {
		buf.Reset()
		_ = enc.Encode(s)
		out.Write(bytes.TrimRight(buf.Bytes(), "\n"))
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			out.WriteByte(',')
		}
		str(&out, k)
		out.WriteByte(':')
		str(&out, params[k])
	}
	out.WriteByte('}')
	return out.Bytes()
}

// renderValues are strings render must write exactly as json.Encoder does:
// plain ones, and every kind the encoder escapes or replaces.
var renderValues = []string{
	"", "A3205650121", "2024-05-20 10:00:00", "JVBERi0xLjcKJcfsj6IK+/=",
	"江苏国泰测试用单位新疆4建", "https://bank.example.com/f.pdf?x=1&y=<2>", "<script>&amp;</script>",
	"say \"hi\"", `C:\path\file`, "a\u2028b", "\u2029", "line\nbreak", "tab\t", "\r\b\f", "nul\x00", "\x1f", "\x7f",
	"\xff", "ok\xe4\xb8", "\xed\xa0\x80", "\xc0\xaf", "\ufffd", "\U0001F600 emoji", "'single' `back`",
	"0123456\"", "01234567\"", "012345678\\", "0123456789abcde\u2028",
}

func TestRenderMatchesEncoder(t *testing.T) {
	spec, ok := Lookup(BaohanNotice, Outbound)
	if !ok {
		t.Fatal("no baohannotice")
	}
	check := func(params map[string]string) {
		t.Helper()
		got, want := spec.render(params), spec.renderWithEncoder(params)
		if !bytes.Equal(got, want) {
			t.Fatalf("render(%q):\n got %s\nwant %s", params, got, want)
		}
	}
	check(map[string]string{})
	// Each value in a field of the spec, and as the name and value of a
	// field the spec does not name.
	for _, v := range renderValues {
		check(map[string]string{"applyno": "A1", "baohanfile": v, "applystatus": "1"})
		check(map[string]string{"applyno": v, "zz" + v: v, v: "x"})
	}
	// Random strings, mostly plain with now and then a byte or rune the
	// encoder escapes, at every offset within eight-byte words.
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "Z", "9", "+", "/", "=", " ", "中", "é", "\U0001F600", "<", ">", "&",
		"\"", "\\", "\n", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\xff", "\xe4\xb8", "\ufffd"}
	for range 3000 {
		var b strings.Builder
		n := r.IntN(40)
		for range n {
			if r.IntN(8) == 0 {
				b.WriteString(pieces[r.IntN(len(pieces))])
			} else {
				b.WriteString(pieces[r.IntN(6)])
			}
		}
		check(map[string]string{"applyno": "A1", "baohanfile": b.String(), "extra": b.String()})
	}
}

func TestPlainJSON(t *testing.T) {
	for _, v := range renderValues {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		unchanged := buf.String() == `"`+v+`"`+"\n"
		if got := plainJSON(v); got != unchanged {
			t.Errorf("plainJSON(%q) = %v, but the encoder writes %s", v, got, buf.Bytes())
		}
		if plainJSON(v) && !utf8.ValidString(v) {
			t.Errorf("plainJSON(%q) accepted invalid UTF-8", v)
		}
	}
}

// TestRenderSizesExactly checks that a body of plain strings fills its
// buffer without growing it.
func TestRenderSizesExactly(t *testing.T) {
	spec, _ := Lookup(RestoreNotice, Outbound)
	body := spec.render(map[string]string{"applyno": "A1", "baohanno": "BH1", "baohanfile": strings.Repeat("QUJD", 1000), "x": "中文"})
	if len(body) != cap(body) {
		t.Errorf("body is %d bytes in a buffer of %d", len(body), cap(body))
	}
}
