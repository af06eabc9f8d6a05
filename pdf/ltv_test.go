package pdf

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/ocsp"

	"github.com/baohangateway/baohan/pdf/pdftest"
)

// TestDSS: a letter carries a DSS dictionary with both chains and the CRLs
// the certificates' distribution points name, fetched once and cached; a
// CRL server that hangs costs one bounded wait and leaves the CRL out.
func TestDSS(t *testing.T) {
	var crlDER atomic.Value
	var hits atomic.Int64
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/hang.crl" {
			select {
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		w.Write(crlDER.Load().([]byte))
	}))
	t.Cleanup(srv.Close)

	ca := pdftest.NewCA(t, "ecdsa", "测试根CA", srv.URL+"/ca.crl")
	der, err := smx509.CreateRevocationList(rand.Reader, &smx509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour),
	}, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	crlDER.Store(der)
	certPEM, key, _ := ca.IssueNew(t, "ecdsa", pdftest.Leaf{CN: "测试银行电子保函签章"})
	sm2CA := pdftest.NewCA(t, "sm2", "测试SM2根CA", srv.URL+"/hang.crl")
	sm2PEM, sm2Key, _ := sm2CA.IssueNew(t, "sm2", pdftest.Leaf{CN: "测试银行电子保函签章（SM2）"})

	ltv := NewLTV(LTVConfig{Timeout: 300 * time.Millisecond})
	s, err := NewSigner(SignerConfig{
		CertPEM: certPEM, KeyPEM: pdftest.KeyPEM(t, key, ""), SM2CertPEM: sm2PEM, SM2KeyPEM: pdftest.KeyPEM(t, sm2Key, ""),
		Certify: true, LTV: ltv,
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewRenderer(Options{Signer: s})
	for i := range 3 {
		b := mustRender(t, r, nowLetter(KindBank, false))
		m := regexp.MustCompile(`/DSS (\d+) 0 R`).FindSubmatch(b)
		if m == nil {
			t.Fatal("no /DSS in the catalog")
		}
		dss := regexp.MustCompile(`\n` + string(m[1]) + ` 0 obj\n<</Type/DSS/Certs\[([0-9 R]+)\](/CRLs\[([0-9 R]+)\])?>>`).FindSubmatch(b)
		if dss == nil {
			t.Fatalf("DSS dictionary missing or malformed")
		}
		if n := len(regexp.MustCompile(`\d+ 0 R`).FindAll(dss[1], -1)); n != 4 {
			t.Errorf("DSS holds %d certificates, want 4 (two leaves, two roots)", n)
		}
		if len(dss[3]) == 0 || !bytes.Contains(b, der) {
			t.Error("DSS lacks the CA's CRL")
		}
		for _, c := range [][]byte{ca.Cert.Raw, sm2CA.Cert.Raw} {
			if !bytes.Contains(b, c) {
				t.Error("DSS lacks a root certificate")
			}
		}
		if checks, _ := VerifySignatures(b); len(checks) != 2 || !checks[0].Valid || !checks[1].Valid {
			t.Errorf("letter %d with DSS: %+v", i, checks)
		}
	}
	if msg, at := ltv.LastError(); !strings.Contains(msg, "hang.crl") || at.IsZero() {
		t.Errorf("LastError %q at %v, want the hanging CRL", msg, at)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("%d CRL fetches for three letters, want 2 (each source once, then cached)", n)
	}
}

// TestDSSOCSP: a certificate naming an OCSP responder gets the responder's
// answer (checked against the certificate) into the DSS.
func TestDSSOCSP(t *testing.T) {
	var ca *pdftest.CA
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		caX, _ := x509.ParseCertificate(ca.Cert.Raw)
		resp, err := ocsp.CreateResponse(caX, caX, ocsp.Response{
			Status: ocsp.Good, SerialNumber: req.SerialNumber,
			ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
		}, ca.Key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	ca = pdftest.NewCA(t, "ecdsa", "测试根CA", "")
	certPEM, key, leaf := ca.IssueNew(t, "ecdsa", pdftest.Leaf{CN: "测试银行电子保函签章", OCSP: srv.URL})
	s, err := NewSigner(SignerConfig{CertPEM: certPEM, KeyPEM: pdftest.KeyPEM(t, key, ""), Certify: true, LTV: NewLTV(LTVConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewRenderer(Options{Signer: s})
	for range 2 {
		b := mustRender(t, r, nowLetter(KindBank, false))
		m := regexp.MustCompile(`/DSS (\d+) 0 R`).FindSubmatch(b)
		if m == nil {
			t.Fatal("no DSS")
		}
		dss := regexp.MustCompile(`\n` + string(m[1]) + ` 0 obj\n<</Type/DSS/Certs\[[0-9 R]+\]/OCSPs\[(\d+) 0 R\]>>`).FindSubmatch(b)
		if dss == nil {
			t.Fatal("DSS without /OCSPs")
		}
		obj := regexp.MustCompile(`\n` + string(dss[1]) + ` 0 obj\n<</Length (\d+)>>stream\n`).FindSubmatchIndex(b)
		if obj == nil {
			t.Fatal("OCSP stream missing")
		}
		n := atoi(t, b[obj[2]:obj[3]])
		resp, err := ocsp.ParseResponse(b[obj[1]:obj[1]+n], nil)
		if err != nil || resp.Status != ocsp.Good || resp.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
			t.Errorf("OCSP response in the DSS: %v %+v", err, resp)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("%d OCSP requests for two letters, want 1 (cached)", hits.Load())
	}
}
