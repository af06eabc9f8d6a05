package service

import (
	"context"
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

// RenderLetter implements LetterRenderer. A letter that goes out without a
// timestamp (the TSA optional and not answering) is logged and counted; its
// signatures show the local clock as their time source on the verification
// page, and the console's signing panel counts it.
func (l *PDFLetters) RenderLetter(ctx context.Context, a *Application, sealed bool) ([]byte, error) {
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
	b, res, err := l.Renderer.RenderContext(ctx, pdf.Letter{
		Kind: kind, GuaranteeNo: a.BaohanNo, Sealed: sealed,
		SectionNo: p.BiaoduanNo, SectionName: p.BiaoduanName, Tenderer: p.Zbr, TendererCode: p.ZbrOrgNum,
		Bidder: a.BidderName, BidderCode: a.BidderCode,
		AmountFen: int64(a.Amount), PremiumFen: int64(a.Premium),
		ValidFrom: a.IssuedAt, ValidTo: a.ValidTo,
		IssueTime: a.IssuedAt, SignedAt: signedAt, Issuer: l.Institution.Name, IssuerAddress: l.Institution.Address,
		VerifyURL: verifyURL(l.PublicURL, a), CheckCode: a.CheckCode,
	})
	if err != nil {
		return nil, err
	}
	if res.TSAError != nil {
		l.Metrics.Untimestamped()
		if l.Log != nil {
			l.Log.Warn("letter issued WITHOUT a timestamp: the TSA did not answer in time (signing.tsa_required is false)",
				"baohan_no", a.BaohanNo, "sealed", sealed, "err", res.TSAError)
		}
	}
	return b, nil
}
