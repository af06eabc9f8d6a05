// Package pdftest holds test doubles for the signing of letters: an RFC 3161
// time-stamping authority that runs inside the test process.
package pdftest

import (
	"crypto"
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
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
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

	key crypto.Signer
}

var (
	oidTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidPolicy  = asn1.ObjectIdentifier{1, 2, 3, 4, 1}
)

// NewTSA starts a TSA; it stops when the test ends.
func NewTSA(tb testing.TB) *TSA {
	tb.Helper()
	ca := NewCA(tb, "ecdsa", "测试时间戳CA", "")
	_, key, cert := ca.IssueNew(tb, "ecdsa", Leaf{CN: "测试时间戳服务", Org: "测试CA", TSA: true})
	ts := &TSA{Cert: cert, CA: ca.Cert, key: key}
	srv := httptest.NewServer(http.HandlerFunc(ts.serve))
	tb.Cleanup(srv.Close)
	ts.URL = srv.URL
	return ts
}

// imprint is what the TSA takes from a request: the message imprint and
// the nonce.
type imprint struct {
	alg    asn1.ObjectIdentifier
	params asn1.RawValue // absent, or the algorithm's parameters as sent
	hashed []byte
	nonce  *big.Int
}

// parseRequest reads an RFC 3161 TimeStampReq with cryptobyte, apart from
// package pdf's encoding/asn1 types, so a request pdf builds wrong is not
// read wrong the same way here.
//
//	TimeStampReq ::= SEQUENCE { version INTEGER, messageImprint MessageImprint,
//	    reqPolicy OID OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, ... }
//	MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
func parseRequest(der []byte) (imprint, bool) {
	var im imprint
	in := cryptobyte.String(der)
	var req, mi, algID cryptobyte.String
	var version int64
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() ||
		!req.ReadASN1Integer(&version) || version != 1 ||
		!req.ReadASN1(&mi, cbasn1.SEQUENCE) ||
		!mi.ReadASN1(&algID, cbasn1.SEQUENCE) || !algID.ReadASN1ObjectIdentifier(&im.alg) ||
		!mi.ReadASN1Bytes(&im.hashed, cbasn1.OCTET_STRING) || !mi.Empty() {
		return im, false
	}
	if !algID.Empty() {
		var params cryptobyte.String
		if !algID.ReadAnyASN1Element(&params, nil) || !algID.Empty() {
			return im, false
		}
		im.params = asn1.RawValue{FullBytes: params}
	}
	if !req.SkipOptionalASN1(cbasn1.OBJECT_IDENTIFIER) {
		return im, false
	}
	if req.PeekASN1Tag(cbasn1.INTEGER) {
		im.nonce = new(big.Int)
		if !req.ReadASN1Integer(im.nonce) {
			return im, false
		}
	}
	return im, true
}

// TSTInfo is the part of a token's content the tests look at.
type TSTInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      asn1.RawValue
	Nonce        *big.Int `asn1:"optional"`
}

type tsResp struct {
	Status struct{ Status int }
	Token  asn1.RawValue `asn1:"optional"`
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
	req, ok := parseRequest(body)
	if !ok || r.Header.Get("Content-Type") != "application/timestamp-query" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	info := TSTInfo{Version: 1, Policy: oidPolicy, SerialNumber: big.NewInt(n), Nonce: req.nonce,
		// With fractions, as many TSAs send.
		GenTime: asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(time.Now().UTC().Format("20060102150405.000Z"))}}
	info.MessageImprint.HashAlgorithm.Algorithm = req.alg
	info.MessageImprint.HashAlgorithm.Parameters = req.params
	info.MessageImprint.HashedMessage = req.hashed
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
	resp, _ := asn1.Marshal(tsResp{Token: asn1.RawValue{FullBytes: token}})
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}
