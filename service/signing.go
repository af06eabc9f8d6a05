package service

import (
	"time"

	"github.com/baohangateway/baohan/pdf"
)

// ExpiryWarning is how long before a signing certificate expires the
// console warns.
const ExpiryWarning = 30 * 24 * time.Hour

// SigningStatus is the console's signing panel: the certificates letters
// are signed with and the time-stamping authority.
type SigningStatus struct {
	Certificates []SigningCert
	Certify      bool
	// TSA; TSAURL empty: no timestamps.
	TSAURL        string
	TSARequired   bool
	TSAReachable  bool
	TSALastOK     time.Time
	TSALastError  string
	TSAErrorAt    time.Time
	TSAFailures   uint64
	Untimestamped uint64 // letters issued without a timestamp since start
	// The last failed fetch of revocation data (CRL, OCSP) for the DSS.
	RevocationError   string
	RevocationErrorAt time.Time
}

// SigningCert is one signing certificate.
type SigningCert struct {
	Subject, Issuer, Serial string
	Algorithm               string
	NotAfter                time.Time
	DaysLeft                int
	Expiring                bool // within ExpiryWarning, or expired
	Dev                     bool
}

// SigningStatus reports the signing panel, or nil when letters are not
// rendered by package pdf.
func (s *Setup) SigningStatus() *SigningStatus {
	l, ok := s.Renderer.(*PDFLetters)
	if !ok || l.Signer == nil {
		return nil
	}
	now := s.now()
	st := &SigningStatus{Certify: l.Certify}
	for _, c := range l.Signer.Certificates() {
		left := c.NotAfter.Sub(now)
		st.Certificates = append(st.Certificates, SigningCert{
			Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName, Serial: c.SerialNumber.Text(16),
			Algorithm: pdf.KeyAlgorithm(c), NotAfter: c.NotAfter,
			DaysLeft: int(left.Hours() / 24), Expiring: left < ExpiryWarning, Dev: l.Signer.Dev,
		})
	}
	if ltv := l.Signer.LTV(); ltv != nil {
		st.RevocationError, st.RevocationErrorAt = ltv.LastError()
	}
	if tsa := l.Signer.TSA(); tsa != nil {
		t := tsa.Status()
		st.TSAURL, st.TSARequired, st.TSAReachable = t.URL, t.Required, t.Reachable()
		st.TSALastOK, st.TSALastError, st.TSAErrorAt = t.LastOK, t.LastError, t.LastFailure
		st.TSAFailures, st.Untimestamped = t.Failures, t.Untimed
	}
	return st
}
