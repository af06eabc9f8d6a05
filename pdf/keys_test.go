package pdf

import (
	"strings"
	"testing"

	"github.com/emmansun/gmsm/pkcs"
	"github.com/emmansun/gmsm/pkcs8"

	"github.com/baohangateway/baohan/pdf/pdftest"
)

// TestEncryptedKeys: both key files may be encrypted PKCS#8 (PBES2 with
// AES or SM4); a letter signed with them verifies; a missing or wrong
// password is a clear error.
func TestEncryptedKeys(t *testing.T) {
	ca := pdftest.NewCA(t, "ecdsa", "测试根CA", "")
	certPEM, key, _ := ca.IssueNew(t, "ecdsa", pdftest.Leaf{CN: "测试银行电子保函签章"})
	sm2CA := pdftest.NewCA(t, "sm2", "测试SM2根CA", "")
	sm2CertPEM, sm2Key, _ := sm2CA.IssueNew(t, "sm2", pdftest.Leaf{CN: "测试银行电子保函签章（SM2）"})
	const pw = "正确的口令 correct horse"
	// The SM2 key encrypted the Chinese way: PBKDF2 with SM3, SM4-CBC.
	sm2Der, err := pkcs8.MarshalPrivateKey(sm2Key, []byte(pw), &pkcs8.Opts{
		Cipher: pkcs.SM4CBC, KDFOpts: pkcs8.PBKDF2Opts{SaltSize: 16, IterationCount: 10000, HMACHash: pkcs8.SM3},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := SignerConfig{
		CertPEM: certPEM, KeyPEM: pdftest.KeyPEM(t, key, pw),
		SM2CertPEM: sm2CertPEM, SM2KeyPEM: pdftest.PEM("ENCRYPTED PRIVATE KEY", sm2Der),
		KeyPassword: []byte(pw), Certify: true,
	}
	s, err := NewSigner(cfg)
	if err != nil {
		t.Fatalf("encrypted keys: %v", err)
	}
	r, _ := NewRenderer(Options{Signer: s})
	checks, _ := VerifySignatures(mustRender(t, r, nowLetter(KindBank, false)))
	if len(checks) != 2 || !checks[0].Valid || !checks[1].Valid {
		t.Errorf("letter signed with decrypted keys: %+v", checks)
	}

	for _, tt := range []struct {
		name, password, want string
	}{
		{"no password", "", "key_password_file"},
		{"wrong password", "wrong", "wrong password"},
	} {
		c := cfg
		c.KeyPassword = []byte(tt.password)
		if _, err := NewSigner(c); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestSignerRejectsMixups: an SM2 certificate as the second signature's
// RSA/ECDSA partner, or a non-SM2 certificate in the SM2 slot, is refused.
func TestSignerRejectsMixups(t *testing.T) {
	ca := pdftest.NewCA(t, "ecdsa", "测试根CA", "")
	ecCert, ecKey, _ := ca.IssueNew(t, "ecdsa", pdftest.Leaf{CN: "EC"})
	sm2Cert, sm2Key, _ := ca.IssueNew(t, "sm2", pdftest.Leaf{CN: "SM2"})
	if _, err := NewSigner(SignerConfig{CertPEM: ecCert, KeyPEM: pdftest.KeyPEM(t, ecKey, ""), SM2CertPEM: ecCert, SM2KeyPEM: pdftest.KeyPEM(t, ecKey, "")}); err == nil || !strings.Contains(err.Error(), "not SM2") {
		t.Errorf("ECDSA certificate as the SM2 one: %v", err)
	}
	if _, err := NewSigner(SignerConfig{CertPEM: sm2Cert, KeyPEM: pdftest.KeyPEM(t, sm2Key, ""), SM2CertPEM: sm2Cert, SM2KeyPEM: pdftest.KeyPEM(t, sm2Key, "")}); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("SM2 twice: %v", err)
	}
	if _, err := NewSigner(SignerConfig{CertPEM: sm2Cert, KeyPEM: pdftest.KeyPEM(t, ecKey, "")}); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("SM2 certificate with an ECDSA key: %v", err)
	}
}
