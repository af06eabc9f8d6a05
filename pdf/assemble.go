package pdf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// assemble writes the PDF file: catalog, pages, fonts, and the signature.
func (d *docState) assemble(ctx context.Context) ([]byte, SignResult, error) {
	r, l := d.r, d.l
	var w objWriter
	w.buf = make([]byte, 0, len(r.fixed.objects)+64<<10)
	w.str("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")

	// Object numbers: 1 catalog, 2 page tree, 3 info, 4-8 fixed font, then
	// per-document font, graphics state, signature, pages.
	next := fixedFirstObj + fixedObjCount
	alloc := func() int { next++; return next - 1 }
	extraFont, fbFont := 0, 0
	if len(d.extra.runes) > 0 {
		extraFont = next
		next += fixedObjCount
	}
	if len(d.fb.runes) > 0 {
		fbFont = next
		next += fixedObjCount
	}
	gsObj := alloc()
	var sig sigObjects
	if r.signer != nil {
		sig = r.signer.allocate(alloc)
	}
	pageObjs := make([]int, len(d.pages))
	for i := range d.pages {
		pageObjs[i] = alloc()
		alloc() // its content stream
	}

	w.begin(1)
	w.printf("<</Type/Catalog/Pages 2 0 R/Lang(zh-CN)/ViewerPreferences<</DisplayDocTitle true>>")
	if r.signer != nil {
		w.str(sig.catalogEntries(r.signer.certify))
	}
	w.str(">>")
	w.end()

	w.begin(2)
	w.str("<</Type/Pages/Kids[")
	for i, p := range pageObjs {
		if i > 0 {
			w.str(" ")
		}
		w.printf("%d 0 R", p)
	}
	w.printf("]/Count %d>>", len(pageObjs))
	w.end()

	created := pdfDate(l.signedAt())
	w.begin(3)
	w.printf("<</Title%s/Subject%s/Author%s/Producer(Baohan Gateway)/Creator(Baohan Gateway)/CreationDate(%s)/ModDate(%s)>>",
		textString(d.w.title+" "+l.GuaranteeNo), textString(d.w.kindName), textString(l.Issuer), created, created)
	w.end()

	// The fixed font: cached bytes, with their offsets shifted.
	base := len(w.buf)
	w.buf = append(w.buf, r.fixed.objects...)
	for i, off := range r.fixed.offsets {
		w.offsets[fixedFirstObj+i] = base + off
	}
	if extraFont != 0 {
		tag := subsetTag(d.extra.runes)
		if err := writeFontObjects(&w, r.font, extraFont, tag, d.extra.runes, d.extra.gids, r.z, fastCompression); err != nil {
			return nil, SignResult{}, err
		}
	}
	if fbFont != 0 {
		if err := writeFontObjects(&w, r.fallback, fbFont, subsetTag(d.fb.runes), d.fb.runes, d.fb.gids, r.z, fastCompression); err != nil {
			return nil, SignResult{}, err
		}
	}

	w.begin(gsObj)
	w.str("<</Type/ExtGState/ca 0.10/CA 0.10>>")
	w.end()

	fonts := fmt.Sprintf("/F1 %d 0 R", fixedFirstObj)
	if extraFont != 0 {
		fonts += fmt.Sprintf("/F2 %d 0 R", extraFont)
	}
	if fbFont != 0 {
		fonts += fmt.Sprintf("/F3 %d 0 R", fbFont)
	}
	for i, content := range d.pages {
		w.begin(pageObjs[i])
		w.printf("<</Type/Page/Parent 2 0 R/MediaBox[0 0 %s %s]/Resources<</Font<<%s>>/ExtGState<</GSw %d 0 R/GSm<</Type/ExtGState/BM/Multiply>>>>>>/Contents %d 0 R",
			appendNum(nil, pageW), appendNum(nil, pageH), fonts, gsObj, pageObjs[i]+1)
		if r.signer != nil && i == len(d.pages)-1 {
			w.str(sig.annots())
		}
		w.str(">>")
		w.end()
		if err := w.stream(pageObjs[i]+1, "", content, r.z, fastCompression); err != nil {
			return nil, SignResult{}, err
		}
	}

	id := sha256.Sum256([]byte(l.GuaranteeNo + "\x00" + created + "\x00" + fmt.Sprint(l.Sealed)))
	idHex := hex.EncodeToString(id[:16])
	trailer := fmt.Sprintf("/Root 1 0 R/Info 3 0 R/ID[<%s><%s>]", idHex, idHex)

	if r.signer == nil {
		w.xref(next, trailer)
		return w.buf, SignResult{}, nil
	}
	// One clock: /M and the CMS signing time are the time printed on the
	// letter.
	return r.signer.sign(ctx, &w, signSpec{
		objs: sig, page: pageObjs[len(pageObjs)-1],
		next: next, trailer: trailer, when: l.signedAt(), reason: d.w.kindName + "电子签名",
	})
}

// pdfDate formats t for PDF date strings, in Beijing time.
func pdfDate(t time.Time) string {
	return t.In(beijing).Format("D:20060102150405+08'00'")
}

// subsetTag derives the six-letter subset prefix of a per-document font from
// its characters, so different subsets get different names.
func subsetTag(runes []rune) string {
	h := sha256.Sum256([]byte(string(runes)))
	b := make([]byte, 6)
	for i := range b {
		b[i] = 'A' + h[i]%26
	}
	return string(b)
}
