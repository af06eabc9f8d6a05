package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/baohangateway/baohan/pdf"
)

// PDFLetters renders our letters with package pdf: the national model
// bid-bond text in the wording of our institution's kind, signed with its
// certificates.
type PDFLetters struct {
	Renderer    *pdf.Renderer
	Signer      *pdf.Signer // the Renderer's, for the console's signing panel
	Institution Institution
	PublicURL   string
	Certify     bool
	Log         *slog.Logger     // nil: no log
	Now         func() time.Time // the signing clock of plaintext letters; nil: time.Now
	Metrics     *Metrics
}

// RenderLetter implements LetterRenderer. A field the letter cannot print
// (blank once control characters are spaces, too long) is EINVALID naming
// it; the notes say what was printed otherwise than it is. A letter that
// goes out without a timestamp (the TSA optional and not answering) is
// logged and counted; its signatures show the local clock as their time
// source on the verification page, and the console's signing panel counts
// it.
func (l *PDFLetters) RenderLetter(ctx context.Context, a *Application, sealed bool) (*RenderedLetter, error) {
	// A plaintext letter is signed when it is made, after bid opening; it
	// prints that instant beside the guarantee's issue time, which it keeps.
	var signedAt time.Time
	if !sealed {
		signedAt = time.Now()
		if l.Now != nil {
			signedAt = l.Now()
		}
		signedAt = signedAt.Truncate(time.Second)
	}
	in := letterOf(a, sealed, l.Institution, l.PublicURL, signedAt)
	b, rep, res, err := l.Renderer.RenderFull(ctx, in)
	if err != nil {
		var fe *pdf.FieldError
		if !errors.As(err, &fe) {
			return nil, err
		}
		what := "明文保函"
		if sealed {
			what = "密文保函"
		}
		problem := fe.Problem
		switch {
		case fe.Blank:
			problem = "为空（控制字符、格式字符按空格计）"
		case fe.Max > 0:
			problem = fmt.Sprintf("过长：%d 个字符，最多 %d 个", fe.Length, fe.Max)
		case fe.Problem == "not valid UTF-8":
			problem = "不是有效的 UTF-8 文本"
		}
		return nil, Errorf(EINVALID, "%s无法生成：字段 %s %s", what, letterLabel(fe.Field), problem)
	}
	if res.TSAError != nil {
		l.Metrics.Untimestamped()
		if l.Log != nil {
			l.Log.Warn("letter issued WITHOUT a timestamp: the TSA did not answer in time (signing.tsa_required is false)",
				"baohan_no", a.BaohanNo, "sealed", sealed, "err", res.TSAError)
		}
	}
	out := &RenderedLetter{PDF: b}
	for _, n := range rep.Notes {
		how := PrintedAsSpace
		switch n.How {
		case pdf.FromFallback:
			how = PrintedFallback
		case pdf.Marked:
			how = PrintedMarked
		}
		out.Notes = append(out.Notes, PrintNote{Field: letterLabel(n.Field), How: how, Chars: n.Chars, Value: in.Text(n.Field)})
	}
	return out, nil
}
