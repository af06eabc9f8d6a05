package service_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/pdf"
	"github.com/baohangateway/baohan/pdf/pdftest"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// signedLetters is PDFLetters with an ECDSA certificate valid since 2020,
// so letters issued at the tests' fixed clock verify.
func signedLetters(t *testing.T) *service.PDFLetters { return signedLettersWith(t, nil) }

// signedLettersWith is signedLetters timestamping with tsa (nil: none).
func signedLettersWith(t *testing.T, tsa *pdf.TSA) *service.PDFLetters {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "测试银行电子保函签章", Organization: []string{"测试银行股份有限公司"}},
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	signer, err := pdf.NewSigner(pdf.SignerConfig{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), Certify: true, TSA: tsa,
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := pdf.NewRenderer(pdf.Options{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	return &service.PDFLetters{Renderer: r, Signer: signer, Institution: service.Institution{Name: "测试银行股份有限公司", Kind: service.KindBank, Code: "TB"},
		PublicURL: "https://baohan.example.com", Certify: true}
}

// TestVerifyDocumentSignatures: an uploaded letter's signatures are checked
// one by one: ours, valid, certifying, time from the local clock; a
// tampered copy is not found and its signature shows the digest mismatch.
func TestVerifyDocumentSignatures(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		caller := &servicetest.Caller{Accept: true, Message: "成功"}
		e := &env{t: t, store: st, clock: servicetest.NewClock(time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)), caller: caller, ctx: context.Background()}
		e.svc = service.New(service.Config{
			Store: st, Renderer: signedLetters(t), Caller: caller,
			Now:          e.clock.Now,
			Institution:  service.Institution{Name: "测试银行股份有限公司", Kind: service.KindBank, Code: "TB"},
			Underwriting: service.DefaultUnderwriting(),
			Platforms:    []service.PlatformInfo{{AppKey: appkey, Name: "测试平台"}},
			PublicURL:    "https://baohan.example.com",
		})
		a := e.approve("TBaoHanSIG00001")
		docs, err := st.ListDocuments(e.ctx, a.ID)
		if err != nil || len(docs) == 0 {
			t.Fatalf("documents: %v %d", err, len(docs))
		}
		full, err := st.GetDocument(e.ctx, docs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.svc.Public.VerifyDocument(e.ctx, bytes.NewReader(full.Data))
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Signatures) != 1 {
			t.Fatalf("%d signatures, want 1", len(v.Signatures))
		}
		s := v.Signatures[0]
		if !s.Valid || !s.Ours || s.Certification != 2 || s.TimeFromTSA || !s.Time.Equal(a.IssuedAt) || s.Signer != "测试银行电子保函签章" || !strings.Contains(s.Algorithm, "ECDSA") {
			t.Errorf("signature: %+v (issued %v)", s, a.IssuedAt)
		}

		bad := bytes.Clone(full.Data)
		i := bytes.Index(bad, []byte("(Baohan Gateway)"))
		bad[i+1] ^= 1
		v, err = e.svc.Public.VerifyDocument(e.ctx, bytes.NewReader(bad))
		if service.ErrorCode(err) != service.ENOTFOUND || v == nil || len(v.Signatures) != 1 {
			t.Fatalf("tampered letter: %v, %+v", err, v)
		}
		if s := v.Signatures[0]; s.Valid || !strings.Contains(s.Problem, "摘要不符") {
			t.Errorf("tampered letter's signature: %+v", s)
		}

		ss := e.svc.Setup.SigningStatus()
		if ss == nil || len(ss.Certificates) != 1 || ss.Certificates[0].Expiring || ss.TSAURL != "" || !ss.Certify {
			t.Errorf("signing status: %+v", ss)
		}
	})
}

// TestUntimestampedLetter: with the TSA down and optional, a letter still
// goes out, the log names it, and the signing panel counts it.
func TestUntimestampedLetter(t *testing.T) {
	ts := pdftest.NewTSA(t)
	ts.Down.Store(true)
	tsa, err := pdf.NewTSA(pdf.TSAConfig{URL: ts.URL, Wait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	letters := signedLettersWith(t, tsa)
	var logb bytes.Buffer
	letters.Log = slog.New(slog.NewTextHandler(&logb, nil))
	svc := service.New(service.Config{Renderer: letters, Institution: letters.Institution})
	now := time.Now()
	a := &service.Application{BaohanNo: "TB2026120200042", BidderName: "测试投标人", BidderCode: "91220101MA17XYZ12K",
		Amount: 2000000, Premium: 20000, IssuedAt: now, ValidTo: now.AddDate(0, 3, 0), CheckCode: "ABCD-EFGH",
		Cipher: service.Sealed{BiaoduanNo: "c1", BiaoduanName: "c2", Zbr: "c3", ZbrOrgNum: "c4"}}
	b, err := letters.RenderLetter(t.Context(), a, true)
	if err != nil || len(b.PDF) == 0 {
		t.Fatalf("an optional TSA that is down must not stop the letter: %v", err)
	}
	if !strings.Contains(logb.String(), "level=WARN") || !strings.Contains(logb.String(), "WITHOUT a timestamp") || !strings.Contains(logb.String(), a.BaohanNo) {
		t.Errorf("log does not flag the letter:\n%s", logb.String())
	}
	st := svc.Setup.SigningStatus()
	if st == nil || st.Untimestamped != 1 || st.TSAReachable || !strings.Contains(st.TSALastError, "503") || st.TSAFailures == 0 {
		t.Errorf("signing status: %+v", st)
	}
}
