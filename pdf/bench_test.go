package pdf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// benchSigner makes a self-contained CA and leaf with a key of the given
// kind ("ecdsa" or "rsa").
func benchSigner(tb testing.TB, kind string) *Signer {
	tb.Helper()
	certPEM, keyPEM := makeCert(tb, kind)
	s, err := LoadSigner(certPEM, keyPEM)
	if err != nil {
		tb.Fatalf("LoadSigner(%s): %v", kind, err)
	}
	return s
}

// makeCert returns a leaf certificate (followed by its CA) and the leaf key
// as PEM; the key is ECDSA P-256 or RSA-2048.
func makeCert(tb testing.TB, kind string) (certPEM, keyPEM []byte) {
	tb.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA", Organization: []string{"Test"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	var pub any
	var keyDER []byte
	keyType := "PRIVATE KEY"
	switch kind {
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		pub = &k.PublicKey
		keyDER, err = x509.MarshalECPrivateKey(k)
		if err != nil {
			tb.Fatal(err)
		}
		keyType = "EC PRIVATE KEY"
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			tb.Fatal(err)
		}
		pub = &k.PublicKey
		keyDER = x509.MarshalPKCS1PrivateKey(k)
		keyType = "RSA PRIVATE KEY"
	default:
		tb.Fatalf("unknown key kind %q", kind)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "测试银行电子保函签章", Organization: []string{"测试银行"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, pub, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	certPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: keyType, Bytes: keyDER})
}

func benchRender(b *testing.B, kind string) {
	r, err := NewRenderer(Options{Signer: benchSigner(b, kind)})
	if err != nil {
		b.Fatal(err)
	}
	l := sampleLetter(KindBank, true)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Render(l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSignECDSA measures one sealed bank letter, rendered and
// signed with an ECDSA P-256 key (target: 3 ms per letter per core).
func BenchmarkRenderSignECDSA(b *testing.B) { benchRender(b, "ecdsa") }

// BenchmarkRenderSignRSA is the same with an RSA-2048 key.
func BenchmarkRenderSignRSA(b *testing.B) { benchRender(b, "rsa") }

// BenchmarkRenderUnsigned isolates layout and PDF writing.
func BenchmarkRenderUnsigned(b *testing.B) {
	r, err := NewRenderer(Options{})
	if err != nil {
		b.Fatal(err)
	}
	l := sampleLetter(KindBank, true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewRenderer is the one-off cost of parsing and subsetting the font.
func BenchmarkNewRenderer(b *testing.B) {
	for b.Loop() {
		if _, err := NewRenderer(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDual renders with an RSA or ECDSA signature and an SM2 one beside it,
// certifying, with the DSS (chains; no revocation sources named), no TSA.
func benchDual(b *testing.B, kinds string) {
	s := testSigner(b, kinds, SignerConfig{Certify: true, LTV: NewLTV(LTVConfig{})})
	r, err := NewRenderer(Options{Signer: s})
	if err != nil {
		b.Fatal(err)
	}
	l := nowLetter(KindBank, true)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Render(l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSignECDSASM2 is one sealed letter with both signatures,
// ECDSA P-256 then SM2 as an incremental update (target: 3 ms per letter
// per core, TSA excluded).
func BenchmarkRenderSignECDSASM2(b *testing.B) { benchDual(b, "ecdsa+sm2") }

// BenchmarkRenderSignRSASM2 is the same with RSA-2048 first.
func BenchmarkRenderSignRSASM2(b *testing.B) { benchDual(b, "rsa+sm2") }
