package pdf

import (
	"bytes"
	"fmt"
	"regexp"
)

// What a certification allows to be appended after it (ISO 32000-1
// 12.8.2.2, and ISO 32000-2 12.8.4.4 for the DSS): P=1 nothing; P=2 form
// filling and signing; P=3 also annotations. This reader of letters is
// stricter than a full PDF viewer: after a certification it accepts only
// what signing itself appends — signature dictionaries (and document
// timestamps), signature fields, the DSS with its VRI and the streams those
// name, cross-reference sections — and calls anything else a change, above
// all new or replaced pages, content streams and appearance streams (which
// could draw over a letter's text without touching its signed bytes).

var (
	reObject  = regexp.MustCompile(`(?s)(\d+)\s+(\d+)\s+obj\b(.*?)endobj`)
	reRef     = regexp.MustCompile(`(\d+)\s+(\d+)\s+R\b`)
	reSpaceNm = regexp.MustCompile(`\s+/`)
	reStream  = regexp.MustCompile(`>>\s*stream\r?\n`)
)

// normalized folds "/Type /Sig" into "/Type/Sig" for the checks below.
func normalized(b []byte) []byte { return reSpaceNm.ReplaceAll(b, []byte("/")) }

// changeAfterCertification says what in tail, the bytes a certifying
// signature with DocMDP level p does not cover, that level does not
// allow; "" when tail only adds signatures. head is what the signature
// covers: an object of head given a new body in tail may only be a
// signature field that was one already (the field the next signature fills
// in); anything else there replaces signed content however it labels
// itself.
func changeAfterCertification(head, tail []byte, p int) string {
	objs := reObject.FindAllSubmatch(tail, -1)
	if len(objs) > 0 && p == 1 {
		return "认证级别为不允许任何修改，其后却追加了修订"
	}
	// The objects the signature covers, and which of them are signature
	// fields (the last definition of a number counts).
	signed, field := map[string]bool{}, map[string]bool{}
	for _, m := range reObject.FindAllSubmatch(head, -1) {
		signed[string(m[1])] = true
		field[string(m[1])] = bytes.Contains(normalized(m[3]), []byte("/FT/Sig"))
	}
	// New streams that the DSS or a VRI names (certificates, CRLs, OCSP).
	dssRefs := map[string]bool{}
	for _, m := range objs {
		body := normalized(m[3])
		if bytes.Contains(body, []byte("/Type/DSS")) || bytes.Contains(body, []byte("/Type/VRI")) {
			for _, r := range reRef.FindAllSubmatch(body, -1) {
				dssRefs[string(r[1])] = true
			}
		}
	}
	has := func(body []byte, s string) bool { return bytes.Contains(body, []byte(s)) }
	for _, m := range objs {
		num, body := string(m[1]), normalized(m[3])
		isStream := reStream.Match(m[3])
		// What is never allowed comes first, so that a page or a content
		// stream cannot pass by also naming itself a signature.
		what := ""
		switch {
		case has(body, "/Type/Pages"):
			what = "页面树"
		case has(body, "/Type/Page"):
			what = "页面"
		case has(body, "/Type/Catalog"):
			what = "文档目录"
		case has(body, "/AP"):
			what = "带外观的域或注释"
		case isStream && (signed[num] || !dssRefs[num]):
			what = "内容流"
		case signed[num] && !(field[num] && has(body, "/FT/Sig")):
			what = "已签名的对象"
		}
		if what == "" {
			switch {
			case has(body, "/FT/Sig"), // a signature field without an appearance
				has(body, "/Type/Sig"), has(body, "/Type/DocTimeStamp"), // a signature's value
				has(body, "/Type/DSS"), has(body, "/Type/VRI"), isStream, // validation data (new streams the DSS names)
				has(body, "/Type/Annot") && p == 3: // an annotation without appearance (level 3)
				continue
			}
			what = "对象"
		}
		return fmt.Sprintf("认证后追加的修订改动了%s（对象 %s），认证只允许追加签名", what, num)
	}
	return ""
}
