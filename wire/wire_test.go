package wire_test

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/wire"
)

// specMessage is one message of §4 as the spec text prints it: its section,
// interface name and the names of its request parameters.
type specMessage struct {
	section, name string
	fields        []string
}

var (
	sectionLine = regexp.MustCompile(`^(4\.\d+) \S`)
	nameLine    = regexp.MustCompile(`^4\.\d+\.1 ?接口名称 (\w+)`)
	fieldRow    = regexp.MustCompile(`^([A-Za-z]+)\t`)
)

// readSpec reads the messages of §4 from the spec text in testdata (a copy
// of /work/shared/spec's): the request parameter rows, between "请求参数" and
// "返回值", of each section that names an interface.
func readSpec(t *testing.T) []specMessage {
	t.Helper()
	f, err := os.Open("testdata/jilin-ebaohan-spec-v2.0.3.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out      []specMessage
		section  string
		inParams bool
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case sectionLine.MatchString(line) && !strings.Contains(line, "接口名称"):
			section, inParams = sectionLine.FindStringSubmatch(line)[1], false
		case nameLine.MatchString(line):
			out = append(out, specMessage{section: section, name: nameLine.FindStringSubmatch(line)[1]})
		case strings.HasPrefix(line, "请求参数"):
			inParams = true
		case strings.HasPrefix(line, "返回值"):
			inParams = false
		case inParams && len(out) > 0 && fieldRow.MatchString(line):
			m := &out[len(out)-1]
			m.fields = append(m.fields, fieldRow.FindStringSubmatch(line)[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryMessageAndFieldOfTheSpecHasALabel reads the spec text itself and
// checks that the table knows every interface and every field it prints,
// each with a label, and that every message has a title and a console name.
func TestEveryMessageAndFieldOfTheSpecHasALabel(t *testing.T) {
	msgs := readSpec(t)
	if len(msgs) != 12 {
		t.Fatalf("read %d messages from the spec text, want 12: %+v", len(msgs), msgs)
	}
	for _, m := range msgs {
		var spec *wire.Spec
		for i, s := range wire.Specs() {
			if s.Section == m.section {
				spec = &wire.Specs()[i]
			}
		}
		if spec == nil {
			t.Errorf("§%s %s: not in the table", m.section, m.name)
			continue
		}
		if spec.Name != m.name {
			t.Errorf("§%s: table names it %q, the spec %q", m.section, spec.Name, m.name)
		}
		if spec.Title == "" || spec.Short == "" {
			t.Errorf("§%s %s: Title %q, Short %q: both wanted", m.section, m.name, spec.Title, spec.Short)
		}
		if len(m.fields) == 0 {
			t.Errorf("§%s %s: no fields read from the spec text", m.section, m.name)
		}
		for _, name := range m.fields {
			f, ok := spec.Field(name)
			if !ok {
				t.Errorf("§%s %s: field %s not in the table", m.section, m.name, name)
				continue
			}
			if f.Label == "" {
				t.Errorf("§%s %s: field %s has no label", m.section, m.name, name)
			}
			if got := wire.Label(m.name, name); got != f.Label && spec.Name != wire.GiveUp {
				t.Errorf("Label(%s, %s) = %q, want %q", m.name, name, got, f.Label)
			}
		}
	}
}

// TestTableHasNoFieldTheSpecLacks keeps the table to the spec: every field
// of the table is printed in its section, but iv of baohanrestore, which
// some deployments add (WIRE.md).
func TestTableHasNoFieldTheSpecLacks(t *testing.T) {
	printed := map[string]map[string]bool{}
	for _, m := range readSpec(t) {
		printed[m.section] = map[string]bool{}
		for _, f := range m.fields {
			printed[m.section][f] = true
		}
	}
	for _, s := range wire.Specs() {
		for _, f := range s.Fields {
			if !printed[s.Section][f.Name] && !(s.Name == wire.BaohanRestore && f.Name == wire.FieldIV) {
				t.Errorf("§%s %s: field %s is not in the spec text", s.Section, s.Name, f.Name)
			}
		}
	}
}

func TestRefAndCaption(t *testing.T) {
	tests := []struct{ got, want string }{
		{wire.Ref(wire.BaohanApply, wire.FieldBzjAmount), "bzjamount（保证金金额）"},
		{wire.Ref(wire.InvoiceApply, wire.FieldBidderCode), "biddercode（统一社会信用代码）"},
		{wire.Ref(wire.ClaimsNotice, wire.FieldPayerAccount), "payeraccount（收款账号）"},
		{wire.Ref(wire.BaohanNotice, wire.FieldPayerAccount), "payeraccount（支付保费银行账户号码）"},
		{wire.Ref(wire.BaohanApply, wire.FieldAppKey), "appkey"}, // the label is the name
		{wire.Ref(wire.BaohanApply, "nosuch"), "nosuch"},
		{wire.Label(wire.BaohanRestore, wire.FieldKey), "加密的 key"},
		{wire.Caption(wire.BaohanNotice), "出函通知（4.2）"},
		{wire.Caption(wire.RestoreNotice), "明文保函通知（4.4）"},
		{wire.Caption(wire.GiveUp), "放弃申请（4.11/4.12）"},
		{wire.Caption("nosuch"), "nosuch"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestFieldNamesUniqueWithinAMessage: a message names each field once.
func TestFieldNamesUniqueWithinAMessage(t *testing.T) {
	for _, s := range wire.Specs() {
		seen := map[string]bool{}
		for _, f := range s.Fields {
			if seen[f.Name] {
				t.Errorf("§%s %s: field %s twice", s.Section, s.Name, f.Name)
			}
			seen[f.Name] = true
		}
	}
}
