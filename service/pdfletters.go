package service

import (
	"context"

	"github.com/baohangateway/baohan/pdf"
)

// PDFLetters renders our letters with package pdf: the national model
// bid-bond text in the wording of our institution's kind, signed with its
// certificate.
type PDFLetters struct {
	Renderer    *pdf.Renderer
	Institution Institution
	PublicURL   string
}

// RenderLetter implements LetterRenderer.
func (l *PDFLetters) RenderLetter(_ context.Context, a *Application, sealed bool) ([]byte, error) {
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
	return l.Renderer.Render(pdf.Letter{
		Kind: kind, GuaranteeNo: a.BaohanNo, Sealed: sealed,
		SectionNo: p.BiaoduanNo, SectionName: p.BiaoduanName, Tenderer: p.Zbr, TendererCode: p.ZbrOrgNum,
		Bidder: a.BidderName, BidderCode: a.BidderCode,
		AmountFen: int64(a.Amount), PremiumFen: int64(a.Premium),
		ValidFrom: a.IssuedAt, ValidTo: a.ValidTo,
		IssueTime: a.IssuedAt, Issuer: l.Institution.Name, IssuerAddress: l.Institution.Address,
		VerifyURL: verifyURL(l.PublicURL, a), CheckCode: a.CheckCode,
	})
}
