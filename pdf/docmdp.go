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
// allow; "" when tail only adds signatures.
func changeAfterCertification(tail []byte, p int) string {
	objs := reObject.FindAllSubmatch(tail, -1)
	if len(objs) > 0 && p == 1 {
		return "认证级别为不允许任何修改，其后却追加了修订"
	}
	// Streams that the DSS or a VRI names (certificates, CRLs, OCSP).
	dssRefs := map[string]bool{}
	for _, m := range objs {
		body := normalized(m[3])
		if bytes.Contains(body, []byte("/Type/DSS")) || bytes.Contains(body, []byte("/Type/VRI")) || bytes.Contains(body, []byte("/Certs")) && bytes.Contains(body, []byte("/VRI")) {
			for _, r := range reRef.FindAllSubmatch(body, -1) {
				dssRefs[string(r[1])] = true
			}
		}
	}
	for _, m := range objs {
		num, body := string(m[1]), normalized(m[3])
		isStream := reStream.Match(m[3])
		switch {
		case bytes.Contains(body, []byte("/Type/Sig")) && !isStream,
			bytes.Contains(body, []byte("/Type/DocTimeStamp")) && !isStream:
			// A signature's value dictionary.
		case bytes.Contains(body, []byte("/FT/Sig")) && !isStream && !bytes.Contains(body, []byte("/AP")):
			// A signature field without an appearance of its own.
		case bytes.Contains(body, []byte("/Type/DSS")) && !isStream,
			bytes.Contains(body, []byte("/Type/VRI")) && !isStream,
			dssRefs[num]:
			// Validation data.
		case bytes.Contains(body, []byte("/Type/Annot")) && !isStream && p == 3 && !bytes.Contains(body, []byte("/AP")):
			// An annotation (level 3) without an appearance stream.
		default:
			what := "对象"
			switch {
			case bytes.Contains(body, []byte("/Type/Page")) && !bytes.Contains(body, []byte("/Type/Pages")):
				what = "页面"
			case bytes.Contains(body, []byte("/Type/Pages")):
				what = "页面树"
			case bytes.Contains(body, []byte("/Type/Catalog")):
				what = "文档目录"
			case bytes.Contains(body, []byte("/AP")):
				what = "带外观的域或注释"
			case isStream:
				what = "内容流"
			}
			return fmt.Sprintf("认证后追加的修订改动了%s（对象 %s），认证只允许追加签名", what, num)
		}
	}
	return ""
}
