package service

import (
	"maps"
	"testing"
	"time"

	"github.com/baohangateway/baohan/wire"
)

// TestEncodeEqualsTheMapLiterals: each typed message encodes to exactly the
// fields the service wrote as map literals before it had them (the
// literals are kept below as they were), and every field it writes is one
// of its message's in the table.
func TestEncodeEqualsTheMapLiterals(t *testing.T) {
	issued := time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)
	tests := []struct {
		name      string
		msg       Outbound
		iface     string
		literal   map[string]string
		direction wire.Direction
	}{
		{"baohannotice issued", IssuedNotice{ApplyNo: "A1", BaohanNo: "BH1", BaohanURL: "https://g/d/t", PayerName: "某公司",
			PayerAccount: "6222", Institution: "吉林测试银行", IssuedAt: issued, Rate: "0.005", Premium: 10000},
			"baohannotice", map[string]string{
				"applyno": "A1", "baohanno": "BH1", "baohanurl": "https://g/d/t",
				"payername": "某公司", "payeraccount": "6222", "instname": "吉林测试银行",
				"generatetime": BeijingTime(issued), "rate": "0.005", "cost": Money(10000).String(),
				"applystatus": "1",
			}, wire.Outbound},
		{"baohannotice rejected", RejectedNotice{ApplyNo: "A1"},
			"baohannotice", map[string]string{"applyno": "A1", "applystatus": "0"}, wire.Outbound},
		{"restorenotice", RestoreNotice{ApplyNo: "A1", BaohanNo: "BH1", BaohanURL: "https://g/d/p"},
			"restorenotice", map[string]string{"applyno": "A1", "baohanno": "BH1", "baohanurl": "https://g/d/p"}, wire.Outbound},
		{"invoicenotice issued with PDF", InvoiceNotice{BaohanNo: "BH1", Issued: true, InvoiceCode: "0220", InvoiceNo: "123", InvoiceURL: "https://g/d/i"},
			"invoicenotice", map[string]string{"baohanno": "BH1", "invoicecode": "0220", "invoiceno": "123", "applystatus": "1", "invoiceurl": "https://g/d/i"}, wire.Outbound},
		{"invoicenotice issued without PDF", InvoiceNotice{BaohanNo: "BH1", Issued: true, InvoiceCode: "", InvoiceNo: "123"},
			"invoicenotice", map[string]string{"baohanno": "BH1", "invoicecode": "", "invoiceno": "123", "applystatus": "1"}, wire.Outbound},
		{"invoicenotice refused", InvoiceNotice{BaohanNo: "BH1"},
			"invoicenotice", map[string]string{"baohanno": "BH1", "applystatus": "0"}, wire.Outbound},
		{"quitnotice approved", QuitNotice{ApplyNo: "A1", BaohanNo: "BH1", Approved: true, WithdrawnAt: issued},
			"quitnotice", map[string]string{"applyno": "A1", "baohanno": "BH1", "applystatus": "1", "tuibaotime": BeijingTime(issued)}, wire.Outbound},
		{"quitnotice rejected", QuitNotice{ApplyNo: "A1", BaohanNo: "BH1"},
			"quitnotice", map[string]string{"applyno": "A1", "baohanno": "BH1", "applystatus": "0"}, wire.Outbound},
		{"giveupapply", AbandonRequest{ApplyNo: "A1"},
			"giveupapply", map[string]string{"applyno": "A1"}, wire.Outbound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iface, fields := Encode(tt.msg)
			if iface != tt.iface {
				t.Errorf("interface got %q, want %q", iface, tt.iface)
			}
			if !maps.Equal(fields, tt.literal) {
				t.Errorf("fields\n got %v\nwant %v", fields, tt.literal)
			}
			spec, ok := wire.Lookup(iface, tt.direction)
			if !ok {
				t.Fatalf("%s %s is not in the table", iface, tt.direction)
			}
			for name := range fields {
				if _, ok := spec.Field(name); !ok {
					t.Errorf("field %s is not a field of %s", name, iface)
				}
			}
		})
	}
}
