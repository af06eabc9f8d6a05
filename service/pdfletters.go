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

// letterFields names the pdf.Letter fields as officers know them.
var letterFields = map[string]string{
	"SectionNo": "标段编号（biaoduanno）", "SectionName": "标段名称（biaoduanname）",
	"Tenderer": "招标人（zbr）", "TendererCode": "招标人统一社会信用代码（zbrorgnum）",
	"Bidder": "投标人（biddername）", "BidderCode": "投标人统一社会信用代码（biddercode）",
	"GuaranteeNo": "保函编号", "CheckCode": "校验码", "VerifyURL": "验真网址",
	"Issuer": "出函机构名称（institution.name）", "IssuerAddress": "出函机构地址（institution.address）",
	"ProjectName": "项目名称",
}

func letterField(name string) string {
	if l, ok := letterFields[name]; ok {
		return l
	}
	return name
}

// RenderLetter implements LetterRenderer. A field the letter cannot print
// (blank once control characters are spaces, too long) is EINVALID naming
// it; the notes say what was printed otherwise than it is. A letter that
// goes out without a timestamp (the TSA optional and not answering) is
// logged and counted; its signatures show the local clock as their time
// source on the verification page, and the console's signing panel counts
// it.
func (l *PDFLetters) RenderLetter(ctx context.Context, a *Application, sealed bool) (*RenderedLetter, error) {
	p := a.Plain
	if sealed {
		p = a.Cipher
	}
	kind := pdf.KindBank
	switch l.Institution.Kind {
	case KindGuarantor:
		kind = pdf.KindGuarantor
	case KindInsurer:
		kind = pdf.KindInsurer
	}
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
	in := pdf.Letter{
		Kind: kind, GuaranteeNo: a.BaohanNo, Sealed: sealed,
		SectionNo: p.BiaoduanNo, SectionName: p.BiaoduanName, Tenderer: p.Zbr, TendererCode: p.ZbrOrgNum,
		Bidder: a.BidderName, BidderCode: a.BidderCode,
		AmountFen: int64(a.Amount), PremiumFen: int64(a.Premium),
		ValidFrom: a.IssuedAt, ValidTo: a.ValidTo,
		IssueTime: a.IssuedAt, SignedAt: signedAt, Issuer: l.Institution.Name, IssuerAddress: l.Institution.Address,
		VerifyURL: verifyURL(l.PublicURL, a), CheckCode: a.CheckCode,
	}
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
		return nil, Errorf(EINVALID, "%s无法生成：字段 %s %s", what, letterField(fe.Field), problem)
	}
	if res.TSAError != nil {
		l.Metrics.Untimestamped()
		if l.Log != nil {
			l.Log.Warn("letter issued WITHOUT a timestamp: the TSA did not answer in time (signing.tsa_required is false)",
				"baohan_no", a.BaohanNo, "sealed", sealed, "err", res.TSAError)
		}
	}
	values := map[string]string{
		"SectionNo": in.SectionNo, "SectionName": in.SectionName, "Tenderer": in.Tenderer, "TendererCode": in.TendererCode,
		"Bidder": in.Bidder, "BidderCode": in.BidderCode, "GuaranteeNo": in.GuaranteeNo, "CheckCode": in.CheckCode,
		"VerifyURL": in.VerifyURL, "Issuer": in.Issuer, "IssuerAddress": in.IssuerAddress, "ProjectName": in.ProjectName,
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
		out.Notes = append(out.Notes, PrintNote{Field: letterField(n.Field), How: how, Chars: n.Chars, Value: values[n.Field]})
	}
	return out, nil
}
