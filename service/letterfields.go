package service

import (
	"time"

	"github.com/baohangateway/baohan/pdf"
	"github.com/baohangateway/baohan/wire"
)

// letterTable is the one table of a letter's text fields: the pdf.Letter
// field, what officers call it (with the wire's or the configuration's name
// where it has one), and, for the four fields the platform seals with SM4,
// where the application keeps them. Refusals and print notes name letter
// fields from it; oddPlaintext reads the sealed ones through it.
var letterTable = []struct {
	field, label string
	sealed       func(Sealed) string // nil: not a sealed field
}{
	{pdf.FieldSectionNo, "标段编号（" + wire.FieldBiaoduanNo + "）", func(p Sealed) string { return p.BiaoduanNo }},
	{pdf.FieldSectionName, "标段名称（" + wire.FieldBiaoduanName + "）", func(p Sealed) string { return p.BiaoduanName }},
	{pdf.FieldTenderer, "招标人（" + wire.FieldZbr + "）", func(p Sealed) string { return p.Zbr }},
	{pdf.FieldTendererCode, "招标人统一社会信用代码（" + wire.FieldZbrOrgNum + "）", func(p Sealed) string { return p.ZbrOrgNum }},
	{pdf.FieldBidder, "投标人（" + wire.FieldBidderName + "）", nil},
	{pdf.FieldBidderCode, "投标人统一社会信用代码（" + wire.FieldBidderCode + "）", nil},
	{pdf.FieldGuaranteeNo, "保函编号", nil},
	{pdf.FieldCheckCode, "校验码", nil},
	{pdf.FieldVerifyURL, "验真网址", nil},
	{pdf.FieldIssuer, "出函机构名称（institution.name）", nil},
	{pdf.FieldIssuerAddress, "出函机构地址（institution.address）", nil},
	{pdf.FieldProjectName, "项目名称", nil},
}

// letterLabel names the pdf.Letter field as officers know it; an unknown
// field as it is.
func letterLabel(field string) string {
	for _, f := range letterTable {
		if f.field == field {
			return f.label
		}
	}
	return field
}

// letterOf is the one place a letter is made from an application: its
// ciphertext while sealed, its plaintext after bid opening; signedAt is
// zero for a sealed letter (signed as issued).
func letterOf(a *Application, sealed bool, inst Institution, publicURL string, signedAt time.Time) pdf.Letter {
	p := a.Plain
	if sealed {
		p = a.Cipher
	}
	kind := pdf.KindBank
	switch inst.Kind {
	case KindGuarantor:
		kind = pdf.KindGuarantor
	case KindInsurer:
		kind = pdf.KindInsurer
	}
	return pdf.Letter{
		Kind: kind, GuaranteeNo: a.BaohanNo, Sealed: sealed,
		SectionNo: p.BiaoduanNo, SectionName: p.BiaoduanName, Tenderer: p.Zbr, TendererCode: p.ZbrOrgNum,
		Bidder: a.BidderName, BidderCode: a.BidderCode,
		AmountFen: int64(a.Amount), PremiumFen: int64(a.Premium),
		ValidFrom: a.IssuedAt, ValidTo: a.ValidTo,
		IssueTime: a.IssuedAt, SignedAt: signedAt, Issuer: inst.Name, IssuerAddress: inst.Address,
		VerifyURL: verifyURL(publicURL, a), CheckCode: a.CheckCode,
	}
}
