package gmcrypto

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// paramsFromJSONText is an independent reading of a message into the texts
// that are signed, on jsontext (github.com/go-json-experiment/json, the
// package that became encoding/json/jsontext, which Go 1.26 still keeps
// behind GOEXPERIMENT=jsonv2): its tokenizer, not encoding/json's nor the
// fast path's, decides what is JSON, and its own unquoting and compacting
// make the texts. ok is false for anything ParamsFromJSON must refuse.
//
// What ParamsFromJSON has to agree with, precisely:
//
//   - accepted: exactly one JSON object (RFC 8259), with only JSON white
//     space (space, tab, CR, LF) around it, whose top-level names are all
//     different once decoded. Anything else is refused: other values, a
//     second value, a byte-order mark, a top-level name given twice.
//   - names and string values: the decoded text, escapes resolved; an
//     invalid UTF-8 byte or an unpaired surrogate escape (\ud800) each
//     becomes U+FFFD, which is what encoding/json makes of them. Names are
//     compared for duplicates after decoding ("a" and "\u0061" are one name).
//   - numbers, true and false: the literal token as sent (600.50 stays
//     "600.50", 1E+5 stays "1E+5", a 30-digit integer stays itself).
//   - null: present, with an empty text (which the signing string leaves
//     out).
//   - a nested array or object: its JSON text with the white space between
//     tokens removed and every other byte as sent: strings keep their
//     escapes and their raw bytes, numbers their literal, members their
//     order, and a nested object may repeat a name.
//
// To accept what encoding/json accepts, the decoder allows invalid UTF-8 and
// duplicate names (the top-level check is made here, on decoded names).
func paramsFromJSONText(body []byte) (params map[string]string, ok bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(body),
		jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	tok, err := dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return nil, false
	}
	params = make(map[string]string)
	for dec.PeekKind() == '"' {
		rawName, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		name := unquoteValid(rawName)
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		if _, dup := params[name]; dup {
			return nil, false
		}
		switch raw.Kind() {
		case 'n':
			params[name] = ""
		case '"':
			params[name] = unquoteValid(raw)
		case '{', '[':
			v := raw.Clone()
			if err := v.Compact(); err != nil {
				return nil, false
			}
			params[name] = string(v)
		default: // numbers, true, false
			params[name] = string(raw)
		}
	}
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '}' {
		return nil, false
	}
	// The object must be the whole stream: jsontext reads a sequence of
	// values, so a second one would otherwise pass.
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return params, true
}

// unquoteValid decodes a JSON string the decoder has accepted. AppendUnquote
// still reports the invalid UTF-8 and unpaired surrogates the decoder was
// told to allow, after writing each as U+FFFD; those reports are what the
// error can hold here, and the text is what is compared.
func unquoteValid(raw jsontext.Value) string {
	text, _ := jsontext.AppendUnquote(nil, raw)
	return string(text)
}

// checkParamsJSONText fails unless ParamsFromJSON, and plainParams on its
// own, read body as jsontext does (see paramsFromJSONText): the same
// decision to accept or refuse, and the same field texts when accepted. The
// fast path may decline what jsontext accepts (it leaves that to the slow
// path), never accept what it refuses.
func checkParamsJSONText(t *testing.T, body []byte) {
	t.Helper()
	want, ok := paramsFromJSONText(body)
	got, err := ParamsFromJSON(body)
	switch {
	case ok && err != nil:
		t.Fatalf("ParamsFromJSON(%q) refused it (%v); jsontext reads %q", clipped(body), err, want)
	case !ok && err == nil:
		t.Fatalf("ParamsFromJSON(%q) = %q; jsontext refuses it", clipped(body), got)
	case ok && !maps.Equal(got, want):
		t.Fatalf("ParamsFromJSON(%q):\n     got %q\njsontext %q", clipped(body), got, want)
	}
	if fast, fastOK := plainParams(body); fastOK && (!ok || !maps.Equal(fast, want)) {
		t.Fatalf("plainParams(%q) = %q; jsontext reads %q, accepted %v", clipped(body), fast, want, ok)
	}
}

func TestParamsFromJSONMatchesJSONText(t *testing.T) {
	for _, body := range paramsSeeds(t) {
		checkParamsJSONText(t, []byte(body))
	}
	for _, body := range fullSizeMessages(t) {
		checkParamsJSONText(t, body)
	}
}

// TestParamsFromJSONTextReference pins the reference itself on the rules
// above, so that a reference that refused or mangled everything could not
// pass the differential checks by agreeing with a broken ParamsFromJSON.
func TestParamsFromJSONTextReference(t *testing.T) {
	accepted := []struct {
		body string
		want map[string]string
	}{
		{` {} `, map[string]string{}},
		{`{"amount": 600.50, "n":1E+5, "big":123456789012345678901234567890, "t":true, "f":false, "z":null}`,
			map[string]string{"amount": "600.50", "n": "1E+5", "big": "123456789012345678901234567890", "t": "true", "f": "false", "z": ""}},
		{`{"a\u0062":"x\/y\n\u4e2d\"","s":"\ud800!","u":"` + "\xff" + `"}`,
			map[string]string{"ab": "x/y\n中\"", "s": "\ufffd!", "u": "\ufffd"}},
		{"{\"l\" : [ 1 , \"a\\u0062\" , {\"k\":1, \"k\":2.50} ] ,\n\"o\":{ \"x\" : \"\xff\" }}",
			map[string]string{"l": `[1,"a\u0062",{"k":1,"k":2.50}]`, "o": "{\"x\":\"\xff\"}"}},
	}
	for _, c := range accepted {
		got, ok := paramsFromJSONText([]byte(c.body))
		if !ok || !maps.Equal(got, c.want) {
			t.Errorf("paramsFromJSONText(%q) = %q, %v; want %q", c.body, got, ok, c.want)
		}
	}
	for _, body := range []string{``, `[]`, `"s"`, `null`, `{"a":1}x`, `{"a":1} {}`, "\ufeff{}", `{"a":1,"a":2}`,
		`{"a":1,"\u0061":2}`, `{"a":01}`, `{"a":"b",}`, `{a:1}`, "{\"a\":\"\x01\"}", `{"a":"\x"}`} {
		if got, ok := paramsFromJSONText([]byte(body)); ok {
			t.Errorf("paramsFromJSONText(%q) = %q, want it refused", body, got)
		}
	}
}
