package pdf

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is the kind of institution issuing the letter. It selects the
// wording: a bank or a guarantor issues a guarantee (保函), an insurer a
// bid-bond insurance policy (保单).
type Kind int

// Institution kinds.
const (
	KindBank      Kind = iota + 1 // 银行投标保函
	KindGuarantor                 // 担保机构投标保函
	KindInsurer                   // 投标保证保险保单
)

// String returns the kind's Chinese name.
func (k Kind) String() string {
	if w := wordingFor(k); w != nil {
		return w.kindName
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Letter is everything printed on one guarantee letter. The service fills it
// from its guarantee record; pdf knows nothing else about the business.
//
// While Sealed, SectionNo, SectionName, Tenderer, TendererCode (and
// ProjectName, if set) hold the platform's SM4 ciphertext (base64) and are
// printed as is, with a notice that they are sealed until bid opening; after
// restore (Sealed false) they hold the plaintext.
type Letter struct {
	Kind        Kind
	GuaranteeNo string // 保函编号 (保单号 for insurers)
	Sealed      bool   // before bid opening: the fields below are ciphertext

	ProjectName  string // optional; the platform sends only the section
	SectionNo    string // 标段编号
	SectionName  string // 标段名称
	Tenderer     string // 招标人, the beneficiary (被保险人 for insurers)
	TendererCode string // 招标人统一社会信用代码; optional in the platform spec

	Bidder     string // 投标人, the applicant (投保人 for insurers)
	BidderCode string // 投标人统一社会信用代码

	AmountFen  int64 // guaranteed amount (保险金额), fen
	PremiumFen int64 // premium paid by the bidder, fen

	// ValidFrom and ValidTo bound the bid validity period, which is the
	// letter's validity; they are printed as dates in Beijing time.
	ValidFrom, ValidTo time.Time
	// ClaimDeadline is the last day a written demand may reach the issuer;
	// zero means ValidTo.
	ClaimDeadline time.Time

	IssueTime time.Time // printed in Beijing time, yyyy-MM-dd HH:mm:ss
	// SignedAt is the instant the letter is signed: the signatures' /M and
	// CMS signingTime, and printed as 签章时间 when it differs from
	// IssueTime (a plaintext letter made after bid opening for a guarantee
	// issued before). Zero: IssueTime. A signature is never dated before
	// the moment it is made.
	SignedAt      time.Time
	Issuer        string // institution name, also on the seal
	IssuerAddress string // optional

	VerifyURL string // encoded in the QR code and printed
	CheckCode string // printed; entered on the verification page
}

// Field length limits: generous multiples of the platform's own limits
// (biaoduanname 1000, biddername 200, …) so that ciphertext of a maximal
// plaintext still fits.
const (
	maxShort = 200  // numbers, codes, check code
	maxName  = 600  // names, addresses
	maxLong  = 2800 // section and project names (ciphertext of 1000 chars)
	maxURL   = 1000
)

// Validate reports the first problem with l, naming the field.
func (l *Letter) Validate() error {
	if wordingFor(l.Kind) == nil {
		return fmt.Errorf("Kind: unknown institution kind %d", int(l.Kind))
	}
	required := []struct {
		name, value string
		max         int
	}{
		{FieldGuaranteeNo, l.GuaranteeNo, maxShort},
		{FieldSectionNo, l.SectionNo, maxLong},
		{FieldSectionName, l.SectionName, maxLong},
		{FieldTenderer, l.Tenderer, maxName * 2},
		{FieldBidder, l.Bidder, maxName},
		{FieldBidderCode, l.BidderCode, maxShort},
		{FieldIssuer, l.Issuer, maxName},
		{FieldVerifyURL, l.VerifyURL, maxURL},
		{FieldCheckCode, l.CheckCode, maxShort},
	}
	for _, f := range required {
		if strings.TrimSpace(f.value) == "" {
			return &FieldError{Field: f.name, Problem: "required", Blank: true}
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return tooLong(f.name, n, f.max)
		}
	}
	optional := []struct {
		name, value string
		max         int
	}{
		{FieldProjectName, l.ProjectName, maxLong},
		{FieldTendererCode, l.TendererCode, maxShort * 2},
		{FieldIssuerAddress, l.IssuerAddress, maxName},
	}
	for _, f := range optional {
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return tooLong(f.name, n, f.max)
		}
	}
	for _, f := range l.textFields() {
		if !utf8.ValidString(*f.ptr) {
			return &FieldError{Field: f.name, Problem: "not valid UTF-8"}
		}
	}
	if l.AmountFen <= 0 {
		return errors.New("AmountFen: must be positive")
	}
	if _, err := AmountInWords(l.AmountFen); err != nil {
		return fmt.Errorf("AmountFen: %w", err)
	}
	if l.PremiumFen < 0 {
		return errors.New("PremiumFen: must not be negative")
	}
	if _, err := AmountInWords(l.PremiumFen); err != nil {
		return fmt.Errorf("PremiumFen: %w", err)
	}
	switch {
	case l.ValidFrom.IsZero():
		return errors.New("ValidFrom: required")
	case l.ValidTo.IsZero():
		return errors.New("ValidTo: required")
	case l.ValidTo.Before(l.ValidFrom):
		return errors.New("ValidTo: before ValidFrom")
	case !l.ClaimDeadline.IsZero() && l.ClaimDeadline.Before(l.ValidFrom):
		return errors.New("ClaimDeadline: before ValidFrom")
	case l.IssueTime.IsZero():
		return errors.New("IssueTime: required")
	}
	if !strings.HasPrefix(l.VerifyURL, "https://") && !strings.HasPrefix(l.VerifyURL, "http://") {
		return errors.New("VerifyURL: must be an http(s) URL")
	}
	return nil
}

// tooLong is the error of a field longer than its limit.
func tooLong(field string, n, limit int) *FieldError {
	return &FieldError{Field: field, Problem: fmt.Sprintf("%d characters, at most %d", n, limit), Length: n, Max: limit}
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }

// The names of Letter's text fields, as a FieldError or a Note names them:
// the service keeps one table from these to what officers call them.
const (
	FieldGuaranteeNo   = "GuaranteeNo"
	FieldProjectName   = "ProjectName"
	FieldSectionNo     = "SectionNo"
	FieldSectionName   = "SectionName"
	FieldTenderer      = "Tenderer"
	FieldTendererCode  = "TendererCode"
	FieldBidder        = "Bidder"
	FieldBidderCode    = "BidderCode"
	FieldIssuer        = "Issuer"
	FieldIssuerAddress = "IssuerAddress"
	FieldVerifyURL     = "VerifyURL"
	FieldCheckCode     = "CheckCode"
)

// Text returns the value of the text field called name (one of the Field
// constants); "" for any other name.
func (l *Letter) Text(name string) string {
	for _, f := range l.textFields() {
		if f.name == name {
			return *f.ptr
		}
	}
	return ""
}

type namedField struct {
	name string
	ptr  *string
}

// textFields lists the fields printed as text, for the checks and the
// printing rules of print.go.
func (l *Letter) textFields() []namedField {
	return []namedField{
		{FieldGuaranteeNo, &l.GuaranteeNo}, {FieldProjectName, &l.ProjectName},
		{FieldSectionNo, &l.SectionNo}, {FieldSectionName, &l.SectionName},
		{FieldTenderer, &l.Tenderer}, {FieldTendererCode, &l.TendererCode},
		{FieldBidder, &l.Bidder}, {FieldBidderCode, &l.BidderCode},
		{FieldIssuer, &l.Issuer}, {FieldIssuerAddress, &l.IssuerAddress},
		{FieldVerifyURL, &l.VerifyURL}, {FieldCheckCode, &l.CheckCode},
	}
}

// beijing is UTC+8 without a tz database: Chinese platforms use Beijing time
// whatever the server's zone.
var beijing = time.FixedZone("CST", 8*3600)

// formatTime renders t as yyyy-MM-dd HH:mm:ss in Beijing time.
func formatTime(t time.Time) string {
	return t.In(beijing).Format("2006-01-02 15:04:05")
}

// formatDate renders t as a Chinese date in Beijing time: 2024年3月1日.
func formatDate(t time.Time) string {
	t = t.In(beijing)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// signedAt is the instant the letter is signed (SignedAt, else IssueTime).
func (l *Letter) signedAt() time.Time {
	if l.SignedAt.IsZero() {
		return l.IssueTime
	}
	return l.SignedAt
}
