package pdf

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/smx509"
)

// TestPdfsigValidAndTamper: pdfsig reports every signed letter valid, and a
// digest mismatch once one byte of the signed range changes.
func TestPdfsigValidAndTamper(t *testing.T) {
	needTool(t, "pdfsig", "poppler-utils")
	for _, kind := range []string{"ecdsa", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			r, err := NewRenderer(Options{Signer: benchSigner(t, kind)})
			if err != nil {
				t.Fatal(err)
			}
			b := mustRender(t, r, testLetter(KindBank, true))
			dir := t.TempDir()
			good := filepath.Join(dir, "good.pdf")
			if err := os.WriteFile(good, b, 0o644); err != nil {
				t.Fatal(err)
			}
			out := run(t, "pdfsig", good)
			for _, want := range []string{"Signature is Valid.", "adbe.pkcs7.detached", "SHA-256", "Total document signed"} {
				if !strings.Contains(out, want) {
					t.Errorf("pdfsig output lacks %q:\n%s", want, out)
				}
			}

			// Flip one byte well inside the first signed range.
			i := bytes.Index(b, []byte("(Baohan Gateway)"))
			if i < 0 {
				t.Fatal("producer string not found")
			}
			bad := bytes.Clone(b)
			bad[i+1] ^= 0x01
			badPath := filepath.Join(dir, "bad.pdf")
			if err := os.WriteFile(badPath, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			out = run(t, "pdfsig", badPath)
			if !strings.Contains(out, "Digest Mismatch") {
				t.Errorf("pdfsig on a tampered letter does not report a digest mismatch:\n%s", out)
			}
			if strings.Contains(out, "Signature is Valid.") {
				t.Error("pdfsig still calls the tampered letter valid")
			}
		})
	}
}

// TestDevSigner: a development signer marks its letters, survives a PEM
// round trip with the mark, and a real certificate's letters carry no mark.
func TestDevSigner(t *testing.T) {
	s, cred, err := GenerateDevSigner("测试银行")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Dev {
		t.Error("GenerateDevSigner: Dev is false")
	}
	if s.Certificate().PublicKeyAlgorithm != smx509.ECDSA {
		t.Errorf("dev certificate key is %v, want ECDSA", s.Certificate().PublicKeyAlgorithm)
	}
	again, err := LoadSigner(cred.CertPEM, cred.KeyPEM)
	if err != nil {
		t.Fatalf("LoadSigner(dev PEMs): %v", err)
	}
	if !again.Dev {
		t.Error("reloaded dev signer lost its Dev flag")
	}
	roots := smx509.NewCertPool()
	roots.AppendCertsFromPEM(cred.CACertPEM)
	if _, err := again.Certificate().Verify(smx509.VerifyOptions{Roots: roots, KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("dev leaf does not verify against the dev CA: %v", err)
	}

	r, err := NewRenderer(Options{Signer: again})
	if err != nil {
		t.Fatal(err)
	}
	b := mustRender(t, r, testLetter(KindGuarantor, false))
	path := writeTemp(t, "dev.pdf", b)
	text := stripSpace(pdfText(t, path, "-raw"))
	for _, want := range []string{devMark, "以开发测试证书签名，仅供测试，不具法律效力"} {
		if !strings.Contains(text, want) {
			t.Errorf("dev-signed letter lacks %q", want)
		}
	}
	if strings.Contains(text, "与纸质保函具有同等法律效力") {
		t.Error("dev-signed letter claims legal effect")
	}
	needTool(t, "pdfsig", "poppler-utils")
	if out := run(t, "pdfsig", path); !strings.Contains(out, "Signature is Valid.") {
		t.Errorf("dev-signed letter not valid:\n%s", out)
	}

	real, err := NewRenderer(Options{Signer: benchSigner(t, "ecdsa")})
	if err != nil {
		t.Fatal(err)
	}
	text = stripSpace(pdfText(t, writeTemp(t, "real.pdf", mustRender(t, real, testLetter(KindBank, false))), "-raw"))
	if strings.Contains(text, "开发测试") {
		t.Error("letter signed with a real certificate carries the development mark")
	}
	if !strings.Contains(text, "与纸质保函具有同等法律效力") {
		t.Error("letter signed with a real certificate lacks the legal-effect sentence")
	}
}

func TestLoadSignerKeyForms(t *testing.T) {
	for _, kind := range []string{"ecdsa", "rsa"} {
		certPEM, keyPEM := makeCert(t, kind)
		s, err := LoadSigner(certPEM, keyPEM)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if len(s.ids[0].chain) != 1 {
			t.Errorf("%s: chain has %d certificates, want 1", kind, len(s.ids[0].chain))
		}
		if s.Dev {
			t.Errorf("%s: ordinary certificate marked Dev", kind)
		}
		// The same key as PKCS#8.
		blk, _ := pem.Decode(keyPEM)
		var key any
		if kind == "rsa" {
			key, _ = x509.ParsePKCS1PrivateKey(blk.Bytes)
		} else {
			key, _ = x509.ParseECPrivateKey(blk.Bytes)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSigner(certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
			t.Errorf("%s PKCS#8: %v", kind, err)
		}
	}
}

func TestLoadSignerRejects(t *testing.T) {
	certPEM, keyPEM := makeCert(t, "ecdsa")
	_, otherKey := makeCert(t, "ecdsa")
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	leafOnly, _ := pem.Decode(certPEM)
	tests := []struct {
		name          string
		cert, key     []byte
		wantSubstring string
	}{
		{"no certificate", nil, keyPEM, "no CERTIFICATE"},
		{"no key", certPEM, nil, "no private key"},
		{"wrong key", certPEM, otherKey, "does not match"},
		{"P-384", certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p384DER}), "P-256"},
		{"RSA-1024", certPEM, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}), "too short"},
		{"broken chain", append(pem.EncodeToMemory(leafOnly), pem.EncodeToMemory(leafOnly)...), keyPEM, "not issued by"},
	}
	for _, tt := range tests {
		_, err := LoadSigner(tt.cert, tt.key)
		if err == nil || !strings.Contains(err.Error(), tt.wantSubstring) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantSubstring)
		}
	}
}
