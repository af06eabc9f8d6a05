package pdf

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestChangeAfterCertification: what may follow a certification (P=2:
// signatures; P=3: also annotations) and what may not.
func TestChangeAfterCertification(t *testing.T) {
	const (
		field = "12 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/T(Signature2)/V 30 0 R/Rect[0 0 0 0]/F 132/P 9 0 R>>\nendobj\n"
		value = "30 0 obj\n<</Type /Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached/ByteRange[0 1 2 3]/Contents<00ff>>>\nendobj\n"
		dss   = "31 0 obj\n<</Type/DSS/Certs[32 0 R]/VRI<<>>>>\nendobj\n32 0 obj\n<</Length 3>>stream\nabc\nendstream\nendobj\n"
		xref  = "xref\n12 1\n0000000000 00000 n \ntrailer\n<</Size 33/Prev 100>>\nstartxref\n200\n%%EOF\n"
		page  = "9 0 obj\n<</Type/Page/Parent 2 0 R/Contents 40 0 R>>\nendobj\n"
		conts = "40 0 obj\n<</Length 20>>stream\nBT (PAID) Tj ET\nendstream\nendobj\n"
		annot = "41 0 obj\n<</Type/Annot/Subtype/Text/Contents(note)/Rect[0 0 9 9]>>\nendobj\n"
		apfld = "12 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/T(Signature2)/AP<</N 42 0 R>>/V 30 0 R>>\nendobj\n"
	)
	for _, tc := range []struct {
		name, tail string
		p          int
		want       string // "" allowed, else a word of the reason
	}{
		{"nothing", "", 2, ""},
		{"signature", field + value + xref, 2, ""},
		{"signature and DSS", field + value + dss + xref, 2, ""},
		{"signature under P=1", field + value + xref, 1, "不允许任何修改"},
		{"page replaced", field + value + page + xref, 2, "页面"},
		{"content stream", conts + xref, 2, "内容流"},
		{"field with an appearance", apfld + value + xref, 2, "带外观"},
		{"annotation under P=2", annot + xref, 2, "对象"},
		{"annotation under P=3", annot + xref, 3, ""},
		{"catalog", "1 0 obj\n<</Type/Catalog/Pages 2 0 R/OpenAction 50 0 R>>\nendobj\n", 2, "文档目录"},
		// Labels do not make a change allowed: a page naming itself a
		// signature, a signed content stream listed in a new DSS, a
		// signed object recast as a signature value.
		{"page dressed as a signature", "9 0 obj\n<</Type/Page/X<</Type/Sig>>/Contents 40 0 R>>\nendobj\n", 2, "页面"},
		{"signed stream named by a DSS", "31 0 obj\n<</Type/DSS/Certs[40 0 R]>>\nendobj\n" + conts + xref, 2, "内容流"},
		{"signed object recast", "40 0 obj\n<</Type/Sig/Contents<00>>>\nendobj\n", 2, "已签名的对象"},
		{"signed font recast as a field", "7 0 obj\n<</Type/Font/FT/Sig/FontDescriptor 50 0 R>>\nendobj\n", 2, "已签名的对象"},
	} {
		head := "7 0 obj\n<</Type/Font/Subtype/Type0>>\nendobj\n9 0 obj\n<</Type/Page/Parent 2 0 R/Contents 40 0 R>>\nendobj\n40 0 obj\n<</Length 3>>stream\nabc\nendstream\nendobj\n12 0 obj\n<</FT/Sig/T(Signature2)>>\nendobj\n"
		got := changeAfterCertification([]byte(head), []byte(tc.tail), tc.p)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestVerifyCertifiedLetterChangedAfter: a certified letter with a later
// revision that replaces its page content (the "shadow" attack: the signed
// bytes stay intact, the page shows something else) is reported invalid;
// the same letter with a second signature appended stays valid.
func TestVerifyCertifiedLetterChangedAfter(t *testing.T) {
	s := testSigner(t, "ecdsa+sm2", SignerConfig{Certify: true})
	r, err := NewRenderer(Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Render(nowLetter(KindBank, true))
	if err != nil {
		t.Fatal(err)
	}
	checks, err := VerifySignatures(b)
	if err != nil || len(checks) != 2 {
		t.Fatalf("%d checks, %v", len(checks), err)
	}
	for i, c := range checks {
		if !c.Valid {
			t.Fatalf("signature %d of an untouched dual-signed letter: %+v", i+1, c)
		}
	}
	if checks[0].Certification != 2 || checks[0].WholeFile {
		t.Fatalf("first signature: %+v, want a certification followed by the SM2 revision", checks[0])
	}

	// Append a revision that gives the first page new content.
	pageRe := regexp.MustCompile(`(\d+) 0 obj\n<</Type/Page/Parent 2 0 R[^\n]*?/Contents (\d+) 0 R`)
	m := pageRe.FindSubmatch(b)
	if m == nil {
		t.Fatal("no page object found")
	}
	content := string(m[2])
	prev := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if prev == nil {
		t.Fatal("no startxref")
	}
	size := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(b, -1)
	off := len(b)
	obj := fmt.Sprintf("%s 0 obj\n<</Length 21>>stream\nBT /F1 40 Tf (PAID) Tj ET\nendstream\nendobj\n", content)
	n, _ := strconv.Atoi(content)
	xrefAt := off + len(obj)
	rev := obj + fmt.Sprintf("xref\n%d 1\n%010d 00000 n \ntrailer\n<</Root 1 0 R/Size %s/Prev %s>>\nstartxref\n%d\n%%%%EOF\n",
		n, off, size[len(size)-1][1], prev[1], xrefAt)
	changed := append(append([]byte{}, b...), rev...)
	checks, err = VerifySignatures(changed)
	if err != nil {
		t.Fatal(err)
	}
	if checks[0].Valid || !strings.Contains(checks[0].Problem, "内容流") {
		t.Errorf("certifying signature after the page content was replaced: %+v, want invalid", checks[0])
	}
}
