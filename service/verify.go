package service

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/pdf"
)

// Public serves people outside the bank: the bidder's portal (portal.go),
// the verification page and the capability downloads.
type Public struct{ *env }

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
	// Signatures of an uploaded document, checked one by one (also when
	// the document is not one we issued).
	Signatures []DocSignature
	// SignaturesUnchecked: the upload was larger than maxSignatureBytes,
	// so only its digest was compared.
	SignaturesUnchecked bool
}

// maxSignatureBytes bounds the uploads whose signatures are checked: they
// are held whole for it (at most http.max_uploads at once).
const maxSignatureBytes = 2 << 20

// pdfMagic starts every PDF.
const pdfMagic = "%PDF-"

// DocSignature is one signature of an uploaded PDF as the verification
// page shows it.
type DocSignature struct {
	Signer, Organization string
	Algorithm            string
	Time                 time.Time
	TimeFromTSA          bool
	TSA                  string
	Valid                bool
	Problem              string // why not valid, in Chinese
	Certification        int    // DocMDP P (1-3) of a certifying signature, 0 for approval
	WholeFile            bool   // covers the file to its end
	Ours                 bool   // signed with one of our signing certificates
}

// errNoGuarantee hides whether a guarantee number exists when the check code
// is wrong.
func errNoGuarantee() *Error {
	return Errorf(ENOTFOUND, "未查询到该保函：请核对保函编号和校验码")
}

// Verify looks a guarantee up by its number and the check code printed on
// the letter.
func (s *Public) Verify(ctx context.Context, baohanNo, checkCode string) (*Verification, error) {
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
// documents we issued, and checks each of its signatures. The upload is
// read from r as a stream: a file up to maxSignatureBytes (a letter is a few
// hundred KB) is kept to check its signatures, a larger one is only hashed
// and its signatures are not checked (SignaturesUnchecked). An error reading
// r is returned as it is (the edge knows what it means: a file too large, an
// upload broken off). A document we did not issue gives ENOTFOUND with a
// Verification holding only the signatures, so the page can say which one
// is broken.
func (s *Public) VerifyDocument(ctx context.Context, r io.Reader) (*Verification, error) {
	h := gmcrypto.NewSM3()
	// Only a PDF has signatures to check: anything else is hashed as it
	// streams, without keeping a byte of it.
	head := make([]byte, len(pdfMagic))
	n0, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	head = head[:n0]
	h.Write(head)
	var kept bytes.Buffer
	limit := int64(0)
	if string(head) == pdfMagic {
		kept.Write(head)
		limit = maxSignatureBytes + 1 - int64(n0)
	}
	n, err := io.Copy(io.MultiWriter(h, &kept), io.LimitReader(r, limit))
	if err != nil {
		return nil, err
	}
	n += int64(n0)
	m, err := io.Copy(h, r)
	if err != nil {
		return nil, err
	}
	n += m
	unchecked := kept.Len() > 0 && (m > 0 || int64(kept.Len()) > maxSignatureBytes)
	if n == 0 {
		return nil, Errorf(EINVALID, "请选择要核验的保函 PDF 文件")
	}
	var sigs []DocSignature
	if kept.Len() > 0 && !unchecked {
		sigs = s.documentSignatures(kept.Bytes())
	}
	doc, err := s.Store.FindDocumentBySM3(ctx, hex.EncodeToString(h.Sum(nil)))
	if ErrorCode(err) == ENOTFOUND {
		return &Verification{Signatures: sigs, SignaturesUnchecked: unchecked}, Errorf(ENOTFOUND, "文件与本机构出具的任何保函都不一致：文件可能被修改，或不是本机构出具")
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
	v.Signatures, v.SignaturesUnchecked = sigs, unchecked
	return v, nil
}

// documentSignatures checks the signatures of an uploaded PDF and marks
// those made with our certificates.
func (s *Public) documentSignatures(data []byte) []DocSignature {
	checks, _ := pdf.VerifySignatures(data) // at most a few; an error only stops the count
	ours := map[string]bool{}
	if l, ok := s.Renderer.(*PDFLetters); ok && l.Signer != nil {
		for _, c := range l.Signer.Certificates() {
			ours[c.SerialNumber.Text(16)+"\x00"+c.Subject.CommonName] = true
		}
	}
	out := make([]DocSignature, len(checks))
	for i, c := range checks {
		out[i] = DocSignature{
			Signer: c.Signer, Organization: c.Organization, Algorithm: c.Algorithm,
			Time: c.Time, TimeFromTSA: c.TimeFromTSA, TSA: c.TSA,
			Valid: c.Valid, Problem: c.Problem, Certification: c.Certification, WholeFile: c.WholeFile,
			Ours: ours[c.Serial+"\x00"+c.Signer],
		}
	}
	return out
}

func (s *Public) verification(a *Application) *Verification {
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
func (s *Public) Download(ctx context.Context, token string) (*Document, error) {
	if len(token) < 20 {
		return nil, Errorf(ENOTFOUND, "文件不存在或链接无效")
	}
	d, err := s.Store.GetDocumentByToken(ctx, token)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "文件不存在或链接无效")
	}
	return d, err
}
