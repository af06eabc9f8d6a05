package pdf

import (
	"testing"

	"github.com/baohangateway/baohan/pdf/pdftest"
)

// testSigner builds a Signer of the named kinds ("ecdsa", "rsa", "sm2",
// "ecdsa+sm2", "rsa+sm2") from fresh test CAs (pdftest.CA).
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
	ca := pdftest.NewCA(tb, caKind, "测试根CA", "")
	certPEM, key, _ := ca.IssueNew(tb, first, pdftest.Leaf{CN: "测试银行电子保函签章"})
	cfg.CertPEM, cfg.KeyPEM = certPEM, pdftest.KeyPEM(tb, key, string(cfg.KeyPassword))
	if second != "" {
		sm2CA := pdftest.NewCA(tb, "sm2", "测试SM2根CA", "")
		c, k, _ := sm2CA.IssueNew(tb, "sm2", pdftest.Leaf{CN: "测试银行电子保函签章（SM2）"})
		cfg.SM2CertPEM, cfg.SM2KeyPEM = c, pdftest.KeyPEM(tb, k, string(cfg.KeyPassword))
	}
	s, err := NewSigner(cfg)
	if err != nil {
		tb.Fatalf("NewSigner(%s): %v", kinds, err)
	}
	return s
}
