package platform_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/baohangateway/baohan/platform"
)

// specField is one row of a §4 parameter table as the spec text prints it,
// with the documented deviations applied (see req).
type specField struct {
	name   string
	maxLen int    // 0: the spec gives no length
	req    string // "yes", "no", or "if <field>=<value>"
	format platform.Format
}

// specMessage is one message of §4.
type specMessage struct {
	section string
	name    string
	dir     platform.Direction
	fields  []specField
}

// Rows shared by most tables.
var (
	rowAppKey       = specField{"appkey", 50, "yes", platform.Text}
	rowTimestamp    = specField{"timestamp", 30, "yes", platform.DateTime}
	rowPlatformCode = specField{"platformcode", 50, "yes", platform.Text}
	rowApplyNo      = specField{"applyno", 50, "yes", platform.Text}
	rowBaohanNo     = specField{"baohanno", 50, "yes", platform.Text}
	rowSign         = specField{"sign", 200, "yes", platform.Text}
)

// wantSpecs is transcribed from jilin-ebaohan-spec-v2.0.3.txt §4, field by
// field. Documented deviations from the printed "是否必须" column:
//   - baohannotice (4.2): the documents and money fields are printed "是" but a
//     refusal (applystatus 0) has none, so they are required if applystatus=1;
//   - quitnotice (4.8): tuibaotime is "退保成功时必须返回": if applystatus=1;
//   - baohanrestore (4.3): an optional iv (WIRE.md) that v2.0.3 does not print;
//   - invoiceapply (4.5): the fields printed "否 … 专票时必填" are if type=1.
var wantSpecs = []specMessage{
	{"4.1", "baohanapply", platform.Inbound, []specField{
		rowAppKey, rowTimestamp, rowPlatformCode, rowApplyNo,
		{"biddername", 200, "yes", platform.Text},
		{"biddercode", 50, "yes", platform.Text},
		{"jbrname", 50, "no", platform.Text},
		{"jbrphone", 50, "no", platform.Text},
		{"biaoduanno", 500, "yes", platform.Text},
		{"biaoduanname", 1000, "yes", platform.Text},
		{"bzjamount", 50, "yes", platform.Amount},
		{"zbr", 500, "yes", platform.Text},
		{"zbrorgnum", 200, "no", platform.Text},
		rowSign,
	}},
	{"4.2", "baohannotice", platform.Outbound, []specField{
		rowAppKey, rowTimestamp, rowApplyNo,
		{"baohanno", 50, "if applystatus=1", platform.Text},
		{"baohanurl", 1000, "if applystatus=1", platform.Text},
		{"baohanfile", 0, "if applystatus=1", platform.Text},
		{"payername", 200, "if applystatus=1", platform.Text},
		{"payeraccount", 50, "if applystatus=1", platform.Text},
		{"instname", 200, "no", platform.Text},
		{"generatetime", 30, "if applystatus=1", platform.DateTime},
		{"rate", 50, "if applystatus=1", platform.Decimal},
		{"cost", 50, "if applystatus=1", platform.Amount},
		{"applystatus", 10, "yes", platform.Enum},
		rowSign,
	}},
	{"4.3", "baohanrestore", platform.Inbound, []specField{
		rowAppKey, rowTimestamp, rowPlatformCode, rowApplyNo, rowBaohanNo,
		{"kaibiaotime", 30, "yes", platform.DateTime},
		{"key", 200, "yes", platform.Text},
		{"iv", 200, "no", platform.Text},
		rowSign,
	}},
	{"4.4", "restorenotice", platform.Outbound, []specField{
		rowAppKey, rowTimestamp, rowApplyNo, rowBaohanNo,
		{"baohanurl", 1000, "no", platform.Text},
		{"baohanfile", 0, "yes", platform.Text},
		rowSign,
	}},
	{"4.5", "invoiceapply", platform.Inbound, []specField{
		rowAppKey, rowTimestamp, rowPlatformCode, rowApplyNo, rowBaohanNo,
		{"biddername", 200, "yes", platform.Text},
		{"biddercode", 50, "yes", platform.Text},
		{"amount", 50, "yes", platform.Amount},
		{"type", 10, "yes", platform.Enum},
		{"address", 500, "if type=1", platform.Text},
		{"phone", 50, "if type=1", platform.Text},
		{"bank", 200, "if type=1", platform.Text},
		{"account", 50, "if type=1", platform.Text},
		{"email", 100, "no", platform.Text},
		{"mobile", 50, "if type=1", platform.Text},
		{"contactname", 50, "if type=1", platform.Text},
		{"contactaddress", 500, "if type=1", platform.Text},
		rowSign,
	}},
	{"4.6", "invoicenotice", platform.Outbound, []specField{
		rowAppKey, rowTimestamp, rowBaohanNo,
		{"invoiceurl", 1000, "no", platform.Text},
		{"invoicecode", 50, "no", platform.Text},
		{"invoiceno", 50, "no", platform.Text},
		{"applystatus", 10, "yes", platform.Enum},
		rowSign,
	}},
	{"4.7", "quitapply", platform.Inbound, []specField{
		rowAppKey, rowTimestamp, rowPlatformCode, rowApplyNo, rowBaohanNo,
		{"reason", 500, "yes", platform.Text},
		rowSign,
	}},
	{"4.8", "quitnotice", platform.Outbound, []specField{
		rowAppKey, rowTimestamp, rowApplyNo, rowBaohanNo,
		{"applystatus", 10, "yes", platform.Enum},
		{"tuibaotime", 50, "if applystatus=1", platform.DateTime},
		rowSign,
	}},
	{"4.9", "canclenotice", platform.Inbound, []specField{
		rowAppKey, rowTimestamp, rowPlatformCode, rowApplyNo, rowBaohanNo, rowSign,
	}},
	{"4.10", "claimsnotice", platform.Inbound, []specField{
		rowAppKey, rowTimestamp, rowPlatformCode, rowApplyNo, rowBaohanNo,
		{"payeraccount", 50, "no", platform.Text},
		{"payeramount", 50, "no", platform.Amount},
		{"filelist", 0, "no", platform.JSONArray},
		{"applyusername", 200, "yes", platform.Text},
		{"applyuserphone", 50, "yes", platform.Text},
		{"Reason", 500, "no", platform.Text},
		rowSign,
	}},
	{"4.11", "giveupapply", platform.Inbound, []specField{
		rowAppKey, rowTimestamp, rowPlatformCode, rowApplyNo, rowSign,
	}},
	{"4.12", "giveupapply", platform.Outbound, []specField{
		rowAppKey, rowTimestamp, rowApplyNo, rowSign,
	}},
}

func required(f platform.Field) string {
	switch {
	case f.Required && f.RequiredIf != nil:
		return "both required and required-if"
	case f.Required:
		return "yes"
	case f.RequiredIf != nil:
		return fmt.Sprintf("if %s=%s", f.RequiredIf.Field, f.RequiredIf.Value)
	}
	return "no"
}

func TestSpecsMatchTheSpecText(t *testing.T) {
	specs := platform.Specs()
	if got, want := len(specs), len(wantSpecs); got != want {
		t.Fatalf("len(Specs()) = %d, want %d", got, want)
	}
	for i, want := range wantSpecs {
		got := specs[i]
		t.Run(want.section+" "+want.name, func(t *testing.T) {
			if got.Section != want.section || got.Name != want.name || got.Direction != want.dir {
				t.Fatalf("spec %d = §%s %s %s, want §%s %s %s", i, got.Section, got.Name, got.Direction, want.section, want.name, want.dir)
			}
			if got.Title == "" {
				t.Errorf("Title is empty")
			}
			var gotNames, wantNames []string
			for _, f := range got.Fields {
				gotNames = append(gotNames, f.Name)
			}
			for _, f := range want.fields {
				wantNames = append(wantNames, f.name)
			}
			if !slices.Equal(gotNames, wantNames) {
				t.Fatalf("fields\n got %v\nwant %v", gotNames, wantNames)
			}
			for j, wf := range want.fields {
				f := got.Fields[j]
				if f.MaxLen != wf.maxLen {
					t.Errorf("%s: MaxLen got %d, want %d", wf.name, f.MaxLen, wf.maxLen)
				}
				if r := required(platform.Field(f)); r != wf.req {
					t.Errorf("%s: required got %q, want %q", wf.name, r, wf.req)
				}
				if f.Format != wf.format {
					t.Errorf("%s: Format got %d, want %d", wf.name, f.Format, wf.format)
				}
				if f.Label == "" {
					t.Errorf("%s: Label is empty", wf.name)
				}
				if f.Format == platform.Enum && len(f.Enum) == 0 {
					t.Errorf("%s: Enum format without values", wf.name)
				}
				if c := f.RequiredIf; c != nil {
					if _, ok := got.Field(c.Field); !ok {
						t.Errorf("%s: RequiredIf names %q, not a field of the message", wf.name, c.Field)
					}
				}
			}
		})
	}
}

func TestEnumValues(t *testing.T) {
	tests := []struct {
		name  string
		dir   platform.Direction
		field string
		want  []string
	}{
		{"baohannotice", platform.Outbound, "applystatus", []string{"0", "1"}},
		{"invoicenotice", platform.Outbound, "applystatus", []string{"0", "1"}},
		{"quitnotice", platform.Outbound, "applystatus", []string{"0", "1"}},
		{"invoiceapply", platform.Inbound, "type", []string{"0", "1"}},
	}
	for _, tt := range tests {
		s, ok := platform.Lookup(tt.name, tt.dir)
		if !ok {
			t.Fatalf("Lookup(%q, %s) not found", tt.name, tt.dir)
		}
		f, ok := s.Field(tt.field)
		if !ok {
			t.Fatalf("%s has no field %s", tt.name, tt.field)
		}
		if !slices.Equal(f.Enum, tt.want) {
			t.Errorf("%s.%s Enum got %v, want %v", tt.name, tt.field, f.Enum, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name        string
		dir         platform.Direction
		wantSection string // "" means not found
	}{
		{"baohanapply", platform.Inbound, "4.1"},
		{"baohanapply", platform.Outbound, ""},
		{"baohannotice", platform.Outbound, "4.2"},
		{"baohannotice", platform.Inbound, ""},
		{"giveupapply", platform.Inbound, "4.11"},
		{"giveupapply", platform.Outbound, "4.12"},
		{"canclenotice", platform.Inbound, "4.9"},
		{"cancelnotice", platform.Inbound, ""},
		{"nosuch", platform.Inbound, ""},
		{"", platform.Inbound, ""},
	}
	for _, tt := range tests {
		s, ok := platform.Lookup(tt.name, tt.dir)
		got := ""
		if ok {
			got = s.Section
			if s.Name != tt.name || s.Direction != tt.dir {
				t.Errorf("Lookup(%q, %s) = %s %s", tt.name, tt.dir, s.Name, s.Direction)
			}
		}
		if got != tt.wantSection {
			t.Errorf("Lookup(%q, %s) section got %q, want %q", tt.name, tt.dir, got, tt.wantSection)
		}
	}
}

func TestInboundNames(t *testing.T) {
	got := platform.InboundNames()
	want := []string{"baohanapply", "baohanrestore", "invoiceapply", "quitapply", "canclenotice", "claimsnotice", "giveupapply"}
	if !slices.Equal(got, want) {
		t.Errorf("InboundNames() got %v, want %v", got, want)
	}
}

func TestInterfaceNameConstants(t *testing.T) {
	tests := []struct{ got, want string }{
		{platform.BaohanApply, "baohanapply"},
		{platform.BaohanNotice, "baohannotice"},
		{platform.BaohanRestore, "baohanrestore"},
		{platform.RestoreNotice, "restorenotice"},
		{platform.InvoiceApply, "invoiceapply"},
		{platform.InvoiceNotice, "invoicenotice"},
		{platform.QuitApply, "quitapply"},
		{platform.QuitNotice, "quitnotice"},
		{platform.CancelNotice, "canclenotice"},
		{platform.ClaimsNotice, "claimsnotice"},
		{platform.GiveUp, "giveupapply"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("constant got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestDirectionString(t *testing.T) {
	tests := []struct {
		d    platform.Direction
		want string
	}{
		{platform.Inbound, "inbound"},
		{platform.Outbound, "outbound"},
		{platform.Direction(0), "unknown"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("Direction(%d).String() got %q, want %q", tt.d, got, tt.want)
		}
	}
}
