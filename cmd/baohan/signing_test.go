package main

import (
	"bytes"
	"crypto"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/pdf"
	"github.com/baohangateway/baohan/pdf/pdftest"
)

// testCert writes a leaf for key's public half, followed by its test CA's
// certificate (PEM), to dir and returns the file's path.
func testCert(t *testing.T, dir string, pub crypto.PublicKey, notAfter time.Time) string {
	t.Helper()
	ca := pdftest.NewCA(t, "ecdsa", "测试根CA", "")
	chain, _ := ca.Issue(t, pub, pdftest.Leaf{CN: "测试银行电子保函签章", NotAfter: notAfter})
	p := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(p, chain, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// renderWith renders a letter with the signer the configuration loads and
// returns the verification of its signatures.
func renderWith(t *testing.T, cfg Config) ([]byte, []pdf.SignatureCheck) {
	t.Helper()
	signer, err := loadSigner(cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatalf("loadSigner: %v", err)
	}
	r, err := pdf.NewRenderer(pdf.Options{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	b, err := r.Render(pdf.Letter{
		Kind: pdf.KindBank, GuaranteeNo: "BH2026120200001", SectionNo: "D1", SectionName: "测试标段",
		Tenderer: "测试招标人", Bidder: "测试投标人", BidderCode: "91220101MA17XYZ12K",
		AmountFen: 2000000, PremiumFen: 20000, ValidFrom: now, ValidTo: now.AddDate(0, 3, 0),
		IssueTime: now, Issuer: "测试银行", VerifyURL: "https://example.com/verify", CheckCode: "ABCD-EFGH",
	})
	if err != nil {
		t.Fatal(err)
	}
	checks, err := pdf.VerifySignatures(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, checks
}

// TestEncryptedKeyFile: signing.key_password_file opens an encrypted PKCS#8
// key (openssl's default PBES2 form); without it the error names the key.
func TestEncryptedKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := pdftest.GenKey(t, "rsa")
	cfg := defaultConfig()
	cfg.Signing.CertFile = testCert(t, dir, key.Public(), time.Now().AddDate(1, 0, 0))
	plain := filepath.Join(dir, "plain.pem")
	os.WriteFile(plain, pdftest.KeyPEM(t, key, ""), 0o600)
	cfg.Signing.KeyFile = filepath.Join(dir, "key.pem")
	if out, err := runOpenSSL(t, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain, "-out", cfg.Signing.KeyFile, "-passout", "pass:s3cret"); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	cfg.Signing.KeyPasswordFile = filepath.Join(dir, "pw")
	os.WriteFile(cfg.Signing.KeyPasswordFile, []byte("s3cret\n"), 0o600)
	if _, checks := renderWith(t, cfg); len(checks) != 1 || !checks[0].Valid || checks[0].Certification != 2 {
		t.Errorf("letter signed with the encrypted key: %+v", checks)
	}
	cfg.Signing.KeyPasswordFile = ""
	if _, err := loadSigner(cfg, slog.New(slog.DiscardHandler), nil); err == nil || !strings.Contains(err.Error(), "key_password_file") {
		t.Errorf("encrypted key without a password: %v", err)
	}
}

// TestExpiryWarning: a certificate expiring within 30 days is logged at
// start.
func TestExpiryWarning(t *testing.T) {
	dir := t.TempDir()
	key := pdftest.GenKey(t, "ecdsa")
	cfg := defaultConfig()
	cfg.Signing.CertFile = testCert(t, dir, key.Public(), time.Now().Add(10*24*time.Hour))
	cfg.Signing.KeyFile = filepath.Join(dir, "key.pem")
	os.WriteFile(cfg.Signing.KeyFile, pdftest.KeyPEM(t, key, ""), 0o600)
	var logb bytes.Buffer
	if _, err := loadSigner(cfg, slog.New(slog.NewTextHandler(&logb, nil)), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logb.String(), "level=WARN msg=\"signing certificate expires soon") || !strings.Contains(logb.String(), "days_left=9") {
		t.Errorf("no expiry warning:\n%s", logb.String())
	}
}

func runOpenSSL(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	return runTool(t, "openssl", args...)
}

// runTool runs a program CI installs, failing the test when it is missing.
func runTool(t *testing.T, name string, args ...string) ([]byte, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found (CI installs it): %v", name, err)
	}
	return exec.Command(name, args...).CombinedOutput()
}

// TestSigningConfigRules: the signing keys that go together, and those that
// exclude each other, are named in the error.
func TestSigningConfigRules(t *testing.T) {
	hsm := PKCS11Config{Module: "/m.so", TokenLabel: "t", KeyLabel: "k", PinFile: "/pin"}
	tests := []struct {
		name string
		set  func(s *SigningConfig)
		want string // "" valid
	}{
		{"development", func(s *SigningConfig) {}, ""},
		{"files", func(s *SigningConfig) { s.CertFile, s.KeyFile = "c", "k" }, ""},
		{"HSM", func(s *SigningConfig) { s.CertFile, s.PKCS11 = "c", hsm }, ""},
		{"dual with TSA", func(s *SigningConfig) {
			s.CertFile, s.KeyFile, s.SM2CertFile, s.SM2KeyFile, s.TSAURL, s.TSARequired = "c", "k", "s", "sk", "https://tsa.example/", true
		}, ""},
		{"cert without key", func(s *SigningConfig) { s.CertFile = "c" }, "cert_file and key_file go together"},
		{"key and HSM", func(s *SigningConfig) { s.CertFile, s.KeyFile, s.PKCS11 = "c", "k", hsm }, "not both"},
		{"HSM half", func(s *SigningConfig) { s.CertFile, s.PKCS11.Module = "c", "/m.so" }, "pin_file go together"},
		{"HSM without cert", func(s *SigningConfig) { s.PKCS11 = hsm }, "signing.cert_file"},
		{"SM2 half", func(s *SigningConfig) { s.CertFile, s.KeyFile, s.SM2CertFile = "c", "k", "s" }, "sm2_cert_file and sm2_key_file"},
		{"SM2 alone", func(s *SigningConfig) { s.SM2CertFile, s.SM2KeyFile = "s", "sk" }, "put the SM2 certificate in cert_file"},
		{"TSA URL", func(s *SigningConfig) { s.TSAURL = "tsa.example" }, "signing.tsa_url"},
		{"required without TSA", func(s *SigningConfig) { s.TSARequired = true }, "signing.tsa_required"},
	}
	for _, tt := range tests {
		cfg := defaultConfig()
		tt.set(&cfg.Signing)
		err := cfg.Validate()
		if tt.want == "" && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if !defaultConfig().Signing.Certify {
		t.Error("signing.certify defaults to false, want true")
	}
}
