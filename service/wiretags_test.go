package service

import (
	"reflect"
	"testing"

	"github.com/baohangateway/baohan/wire"
)

// TestRequestWireTagsAreFieldsOfTheTable: the wire tags by which the
// platform API decodes each request name fields of its message in the
// table (the tags are how the table reaches these structs; Go tags cannot
// name constants), and every field of the message but appkey's, timestamp
// and sign is decoded into the request.
func TestRequestWireTagsAreFieldsOfTheTable(t *testing.T) {
	for iface, req := range map[string]any{
		wire.BaohanApply: ApplyRequest{}, wire.BaohanRestore: RestoreRequest{}, wire.InvoiceApply: InvoiceRequest{},
		wire.QuitApply: QuitRequest{}, wire.CancelNotice: CancelRequest{}, wire.ClaimsNotice: ClaimRequest{},
		wire.GiveUp: GiveUpRequest{},
	} {
		spec, ok := wire.Lookup(iface, wire.Inbound)
		if !ok {
			t.Fatalf("%s: not an inbound message of the table", iface)
		}
		tagged := map[string]bool{}
		rt := reflect.TypeOf(req)
		// VisibleFields reaches the Origin every request embeds; the
		// embedded struct itself carries no tag.
		for _, f := range reflect.VisibleFields(rt) {
			if f.Anonymous {
				continue
			}
			name := f.Tag.Get("wire")
			if _, ok := spec.Field(name); !ok {
				t.Errorf("%s.%s: wire tag %q is not a field of %s", rt.Name(), f.Name, name, iface)
			}
			tagged[name] = true
		}
		for _, f := range spec.Fields {
			if f.Name != wire.FieldTimestamp && f.Name != wire.FieldSign && !tagged[f.Name] {
				t.Errorf("%s: field %s of %s is not decoded", rt.Name(), f.Name, iface)
			}
		}
	}
}
