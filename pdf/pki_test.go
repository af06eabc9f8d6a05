package pdf

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

// testCA is a certificate authority for tests: SM2 or ECDSA, optionally
// naming a CRL distribution point its issued certificates carry.
type testCA struct {
	cert   *smx509.Certificate
	key    crypto.Signer
	crlURL string
	serial atomic.Int64
}

func genKey(tb testing.TB, kind string) crypto.Signer {
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

// newTestCA makes a self-signed root with a key of kind ("sm2" or "ecdsa").
func newTestCA(tb testing.TB, kind, name, crlURL string) *testCA {
	tb.Helper()
	ca := &testCA{key: genKey(tb, kind), crlURL: crlURL}
	ca.serial.Store(100)
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{"测试CA"}},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		KeyUsage: smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, ca.key.Public(), ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	if ca.cert, err = smx509.ParseCertificate(der); err != nil {
		tb.Fatal(err)
	}
	return ca
}

// issue makes a leaf of kind with the CA's certificate after it, as PEM,
// and the leaf's key. tsa makes it a time-stamping certificate.
func (ca *testCA) issue(tb testing.TB, kind, cn string, notAfter time.Time, tsa bool) (certPEM []byte, key crypto.Signer, cert *smx509.Certificate) {
	tb.Helper()
	key = genKey(tb, kind)
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(ca.serial.Add(1)), Subject: pkix.Name{CommonName: cn, Organization: []string{"测试银行"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
	}
	if ca.crlURL != "" {
		tmpl.CRLDistributionPoints = []string{ca.crlURL}
	}
	if tsa {
		tmpl.ExtKeyUsage = []smx509.ExtKeyUsage{smx509.ExtKeyUsageTimeStamping}
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	if cert, err = smx509.ParseCertificate(der); err != nil {
		tb.Fatal(err)
	}
	certPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
	return certPEM, key, cert
}

// keyPEM encodes key as PKCS#8, encrypted (PBES2) when password is set.
func keyPEM(tb testing.TB, key crypto.Signer, password string) []byte {
	tb.Helper()
	if password == "" {
		der, err := smx509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			tb.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	der, err := pkcs8.MarshalPrivateKey(key, []byte(password), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
}

// testSigner builds a Signer of the named kinds ("ecdsa", "rsa", "sm2",
// "ecdsa+sm2", "rsa+sm2") from fresh test CAs.
func testSigner(tb testing.TB, kinds string, cfg SignerConfig) *Signer {
	tb.Helper()
	first, second := kinds, ""
	if i := len(kinds) - len("+sm2"); i > 0 && kinds[i:] == "+sm2" {
		first, second = kinds[:i], "sm2"
	}
	caKind := "ecdsa"
	if first == "sm2" {
		caKind = "sm2"
	}
	ca := newTestCA(tb, caKind, "测试根CA", "")
	certPEM, key, _ := ca.issue(tb, first, "测试银行电子保函签章", time.Now().AddDate(1, 0, 0), false)
	cfg.CertPEM, cfg.KeyPEM = certPEM, keyPEM(tb, key, string(cfg.KeyPassword))
	if second != "" {
		sm2CA := newTestCA(tb, "sm2", "测试SM2根CA", "")
		c, k, _ := sm2CA.issue(tb, "sm2", "测试银行电子保函签章（SM2）", time.Now().AddDate(1, 0, 0), false)
		cfg.SM2CertPEM, cfg.SM2KeyPEM = c, keyPEM(tb, k, string(cfg.KeyPassword))
	}
	s, err := NewSigner(cfg)
	if err != nil {
		tb.Fatalf("NewSigner(%s): %v", kinds, err)
	}
	return s
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// issueOCSP makes an ECDSA leaf naming an OCSP responder.
func (ca *testCA) issueOCSP(tb testing.TB, responder string) (certPEM []byte, key crypto.Signer, cert *smx509.Certificate) {
	tb.Helper()
	key = genKey(tb, "ecdsa")
	tmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(ca.serial.Add(1)), Subject: pkix.Name{CommonName: "测试银行电子保函签章"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: smx509.KeyUsageDigitalSignature, OCSPServer: []string{responder},
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, _ = smx509.ParseCertificate(der)
	return append(pemBlock("CERTIFICATE", der), pemBlock("CERTIFICATE", ca.cert.Raw)...), key, cert
}
