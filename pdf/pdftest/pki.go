package pdftest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/pkcs8"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// CA is a certificate authority for tests: a self-signed root with an SM2,
// ECDSA P-256 or RSA-2048 key that issues leaf certificates. Every test
// package that needs a signing certificate takes it from here, so there is
// one way to make a test PKI.
type CA struct {
	Cert   *smx509.Certificate
	Key    crypto.Signer
	CRLURL string // named as the CRL distribution point of every leaf, when set

	serial atomic.Int64
}

// Leaf says what Issue puts in a certificate besides the subject's key.
type Leaf struct {
	CN       string
	Org      string    // default "测试银行"
	NotAfter time.Time // default a year from now
	TSA      bool      // a time-stamping certificate (extended key usage)
	OCSP     string    // the OCSP responder the certificate names, if any
}

// GenKey makes a key of kind: "sm2", "ecdsa" (P-256) or "rsa" (2048 bits).
func GenKey(tb testing.TB, kind string) crypto.Signer {
	tb.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "sm2":
		k, err = sm2.GenerateKey(rand.Reader)
	case "ecdsa":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		tb.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// NewCA makes a self-signed root named name with a key of kind (see GenKey);
// crlURL, when set, is named by the leaves it issues.
func NewCA(tb testing.TB, kind, name, crlURL string) *CA {
	tb.Helper()
	ca := &CA{Key: GenKey(tb, kind), CRLURL: crlURL}
	ca.serial.Store(100)
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{"测试CA"}},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		KeyUsage: smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, ca.Key.Public(), ca.Key)
	if err != nil {
		tb.Fatal(err)
	}
	if ca.Cert, err = smx509.ParseCertificate(der); err != nil {
		tb.Fatal(err)
	}
	return ca
}

// Issue certifies pub as l says and returns the certificate, and as PEM the
// certificate followed by the CA's (the chain a signer is configured with).
func (ca *CA) Issue(tb testing.TB, pub crypto.PublicKey, l Leaf) (chainPEM []byte, cert *smx509.Certificate) {
	tb.Helper()
	if l.Org == "" {
		l.Org = "测试银行"
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = time.Now().AddDate(1, 0, 0)
	}
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(ca.serial.Add(1)), Subject: pkix.Name{CommonName: l.CN, Organization: []string{l.Org}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: l.NotAfter,
		KeyUsage: smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
	}
	if ca.CRLURL != "" {
		tmpl.CRLDistributionPoints = []string{ca.CRLURL}
	}
	if l.TSA {
		tmpl.ExtKeyUsage = []smx509.ExtKeyUsage{smx509.ExtKeyUsageTimeStamping}
	}
	if l.OCSP != "" {
		tmpl.OCSPServer = []string{l.OCSP}
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		tb.Fatal(err)
	}
	if cert, err = smx509.ParseCertificate(der); err != nil {
		tb.Fatal(err)
	}
	return append(PEM("CERTIFICATE", der), PEM("CERTIFICATE", ca.Cert.Raw)...), cert
}

// IssueNew makes a key of kind (see GenKey) and certifies it as Issue does.
func (ca *CA) IssueNew(tb testing.TB, kind string, l Leaf) (chainPEM []byte, key crypto.Signer, cert *smx509.Certificate) {
	tb.Helper()
	key = GenKey(tb, kind)
	chainPEM, cert = ca.Issue(tb, key.Public(), l)
	return chainPEM, key, cert
}

// KeyPEM encodes key as PKCS#8, encrypted (PBES2) when password is set.
func KeyPEM(tb testing.TB, key crypto.Signer, password string) []byte {
	tb.Helper()
	if password == "" {
		der, err := smx509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			tb.Fatal(err)
		}
		return PEM("PRIVATE KEY", der)
	}
	der, err := pkcs8.MarshalPrivateKey(key, []byte(password), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return PEM("ENCRYPTED PRIVATE KEY", der)
}

// PEM encodes der as one PEM block of type typ.
func PEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
