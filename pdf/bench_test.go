package pdf

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"testing"

	"github.com/baohangateway/baohan/pdf/pdftest"
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
// as PEM in the legacy forms openssl writes by default ("EC PRIVATE KEY",
// "RSA PRIVATE KEY"); the key is ECDSA P-256 or RSA-2048.
func makeCert(tb testing.TB, kind string) (certPEM, keyPEM []byte) {
	tb.Helper()
	ca := pdftest.NewCA(tb, "ecdsa", "Test CA", "")
	certPEM, key, _ := ca.IssueNew(tb, kind, pdftest.Leaf{CN: "测试银行电子保函签章"})
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			tb.Fatal(err)
		}
		return certPEM, pdftest.PEM("EC PRIVATE KEY", der)
	case *rsa.PrivateKey:
		return certPEM, pdftest.PEM("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
	}
	tb.Fatalf("makeCert: no legacy form for a %T", key)
	return nil, nil
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
