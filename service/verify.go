package service

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
)

// Verification is what the public verification page (保函验真) may show of a
// guarantee: nothing confidential before bid opening.
type Verification struct {
	BaohanNo    string
	Status      string // valid, withdrawn, cancelled, claimed, paid, expired
	StatusLabel string
	Issuer      string
	Bidder      string
	Amount      Money
	IssuedAt    time.Time
	ValidTo     time.Time
	Opened      bool
	Project     Sealed // the plaintext, only when Opened
	// Of an uploaded document: which letter it is and whether it is the
	// current one (the ciphertext letter is superseded by the plaintext one
	// after bid opening).
	Document        *Document
	DocumentCurrent bool
}

// errNoGuarantee hides whether a guarantee number exists when the check code
// is wrong.
func errNoGuarantee() *Error {
	return Errorf(ENOTFOUND, "未查询到该保函：请核对保函编号和校验码")
}

// Verify looks a guarantee up by its number and the check code printed on
// the letter.
func (s *Service) Verify(ctx context.Context, baohanNo, checkCode string) (*Verification, error) {
	baohanNo = strings.TrimSpace(baohanNo)
	checkCode = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(checkCode), "-", ""))
	if baohanNo == "" || checkCode == "" {
		return nil, Errorf(EINVALID, "请输入保函编号和校验码")
	}
	a, err := s.Store.GetApplicationByBaohanNo(ctx, baohanNo)
	if ErrorCode(err) == ENOTFOUND {
		return nil, errNoGuarantee()
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(checkCode), []byte(strings.ReplaceAll(a.CheckCode, "-", ""))) != 1 {
		return nil, errNoGuarantee()
	}
	return s.verification(a), nil
}

// VerifyDocument checks an uploaded letter against the SM3 digests of the
// documents we issued. The letter is read from r as a stream, never held
// whole; an error reading r is returned as it is (the edge knows what it
// means: a file too large, an upload broken off).
func (s *Service) VerifyDocument(ctx context.Context, r io.Reader) (*Verification, error) {
	h := gmcrypto.NewSM3()
	n, err := io.Copy(h, r)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, Errorf(EINVALID, "请选择要核验的保函 PDF 文件")
	}
	doc, err := s.Store.FindDocumentBySM3(ctx, hex.EncodeToString(h.Sum(nil)))
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "文件与本机构出具的任何保函都不一致：文件可能被修改，或不是本机构出具")
	}
	if err != nil {
		return nil, err
	}
	if doc.Kind != DocCipherLetter && doc.Kind != DocPlainLetter {
		return nil, Errorf(ENOTFOUND, "该文件不是保函")
	}
	a, err := s.Store.GetApplication(ctx, doc.ApplicationID)
	if err != nil {
		return nil, err
	}
	v := s.verification(a)
	doc.Data = nil
	v.Document = doc
	v.DocumentCurrent = doc.Kind == DocPlainLetter || !a.Restored()
	return v, nil
}

func (s *Service) verification(a *Application) *Verification {
	v := &Verification{
		BaohanNo: a.BaohanNo, Issuer: s.Institution.Name, Bidder: a.BidderName, Amount: a.Amount,
		IssuedAt: a.IssuedAt, ValidTo: a.ValidTo, Opened: a.Restored(),
	}
	if v.Opened {
		v.Project = a.Plain
	}
	switch a.State {
	case StateWithdrawn:
		v.Status, v.StatusLabel = "withdrawn", "已退保（失效）"
	case StateCancelled:
		v.Status, v.StatusLabel = "cancelled", "已注销（失效）"
	case StateClaimed:
		v.Status, v.StatusLabel = "claimed", "理赔处理中"
	case StatePaid:
		v.Status, v.StatusLabel = "paid", "已赔付（失效）"
	default:
		v.Status, v.StatusLabel = "valid", "有效"
		if a.Expired(s.now()) {
			v.Status, v.StatusLabel = "expired", "已过期（失效）"
		}
	}
	return v
}

// Download returns the document behind a capability token.
func (s *Service) Download(ctx context.Context, token string) (*Document, error) {
	if len(token) < 20 {
		return nil, Errorf(ENOTFOUND, "文件不存在或链接无效")
	}
	d, err := s.Store.GetDocumentByToken(ctx, token)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "文件不存在或链接无效")
	}
	return d, err
}
