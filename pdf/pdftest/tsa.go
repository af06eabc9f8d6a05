// Package pdftest holds test doubles for the signing of letters: an RFC 3161
// time-stamping authority that runs inside the test process.
package pdftest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"

	"github.com/baohangateway/baohan/pdf/internal/rfc3161"
)

// TSA is an RFC 3161 time-stamping authority over HTTP with its own test
// CA. Its tokens are made with gmsm's pkcs7, independently of package pdf's
// CMS encoder. Set the fields before the first request.
type TSA struct {
	URL  string
	Cert *smx509.Certificate // the TSA's signing certificate ("测试时间戳服务")
	CA   *smx509.Certificate

	Requests atomic.Int64 // requests received
	FailNext atomic.Int64 // answer 503 to this many requests
	Down     atomic.Bool  // answer 503 to every request
	// Gate, when set, is called before answering a request (to hold it).
	Gate func()
	// Grow puts this many extra copies of the CA certificate into each
	// token, for tokens larger than the client has seen before.
	Grow atomic.Int64

	key *ecdsa.PrivateKey
}

var (
	oidTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidPolicy  = asn1.ObjectIdentifier{1, 2, 3, 4, 1}
)

// NewTSA starts a TSA; it stops when the test ends.
func NewTSA(tb testing.TB) *TSA {
	tb.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &smx509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "测试时间戳CA"},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		KeyUsage: smx509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := smx509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	ca, _ := smx509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &smx509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "测试时间戳服务", Organization: []string{"测试CA"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: smx509.KeyUsageDigitalSignature, ExtKeyUsage: []smx509.ExtKeyUsage{smx509.ExtKeyUsageTimeStamping}}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	cert, _ := smx509.ParseCertificate(der)
	ts := &TSA{Cert: cert, CA: ca, key: key}
	srv := httptest.NewServer(http.HandlerFunc(ts.serve))
	tb.Cleanup(srv.Close)
	ts.URL = srv.URL
	return ts
}

// TSTInfo is the part of a token's content the tests look at.
type TSTInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint rfc3161.MessageImprint
	SerialNumber   *big.Int
	GenTime        asn1.RawValue
	Nonce          *big.Int `asn1:"optional"`
}

func (ts *TSA) serve(w http.ResponseWriter, r *http.Request) {
	n := ts.Requests.Add(1)
	if ts.Gate != nil {
		ts.Gate()
	}
	if ts.Down.Load() || ts.FailNext.Add(-1) >= 0 {
		http.Error(w, "TSA unavailable", http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var req rfc3161.TimeStampReq
	if _, err := asn1.Unmarshal(body, &req); err != nil || r.Header.Get("Content-Type") != "application/timestamp-query" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	info := TSTInfo{Version: 1, Policy: oidPolicy, MessageImprint: req.MessageImprint, SerialNumber: big.NewInt(n), Nonce: req.Nonce,
		// With fractions, as many TSAs send.
		GenTime: asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(time.Now().UTC().Format("20060102150405.000Z"))}}
	der, err := asn1.Marshal(info)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sd, err := pkcs7.NewSignedData(der)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sd.GetSignedData().ContentInfo.ContentType = oidTSTInfo
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	chain := []*smx509.Certificate{ts.CA}
	for range ts.Grow.Load() {
		chain = append(chain, ts.CA)
	}
	if err := sd.AddSignerChain(ts.Cert, ts.key, chain, pkcs7.SignerInfoConfig{}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	token, err := sd.Finish()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, _ := asn1.Marshal(rfc3161.TimeStampResp{Token: asn1.RawValue{FullBytes: token}})
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}
