package pdf

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"
)

// testTSA is an RFC 3161 time-stamping authority in the test process, with
// its own CA; tokens are made with gmsm's pkcs7, not our CMS encoder.
type testTSA struct {
	srv      *httptest.Server
	cert     *smx509.Certificate
	key      crypto.Signer
	requests atomic.Int64
	failNext atomic.Int64 // answer 503 to this many requests
	down     atomic.Bool  // answer 503 to every request
	// gate, when set, is called before answering (to hold requests).
	gate func()
}

func newTestTSA(t *testing.T) *testTSA {
	t.Helper()
	ca := newTestCA(t, "ecdsa", "测试时间戳CA", "")
	_, key, cert := ca.issue(t, "ecdsa", "测试时间戳服务", time.Now().AddDate(1, 0, 0), true)
	ts := &testTSA{cert: cert, key: key}
	ts.srv = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.srv.Close)
	return ts
}

type testTSTInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        asn1.RawValue
	Nonce          *big.Int `asn1:"optional"`
}

type testTSResp struct {
	Status struct{ Status int }
	Token  asn1.RawValue `asn1:"optional"`
}

func (ts *testTSA) serve(w http.ResponseWriter, r *http.Request) {
	n := ts.requests.Add(1)
	if ts.gate != nil {
		ts.gate()
	}
	if ts.down.Load() || ts.failNext.Add(-1) >= 0 {
		http.Error(w, "TSA unavailable", http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req timeStampReq
	if _, err := asn1.Unmarshal(body, &req); err != nil || r.Header.Get("Content-Type") != "application/timestamp-query" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	gen := time.Now().UTC().Format("20060102150405.000Z") // fractions, as many TSAs send
	info, err := asn1.Marshal(testTSTInfo{
		Version: 1, Policy: asn1.ObjectIdentifier{1, 2, 3, 4, 1}, MessageImprint: req.MessageImprint,
		SerialNumber: big.NewInt(n), GenTime: asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(gen)}, Nonce: req.Nonce,
	})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	sd, err := pkcs7.NewSignedData(info)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	sd.GetSignedData().ContentInfo.ContentType = oidTSTInfo
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSigner(ts.cert, ts.key, pkcs7.SignerInfoConfig{}); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	token, err := sd.Finish()
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	resp, _ := asn1.Marshal(testTSResp{Token: asn1.RawValue{FullBytes: token}})
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}

func (ts *testTSA) client(t *testing.T, required bool, wait time.Duration) *TSA {
	t.Helper()
	tsa, err := NewTSA(TSAConfig{URL: ts.srv.URL, Required: required, Wait: wait, AttemptTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tsa
}

// TestTimestamps: both signatures of a dual-signed letter carry a token from
// the TSA whose message imprint is the SHA-256 of that signature's value;
// the verifier reports the TSA's time; pdfsig still calls the first valid.
func TestTimestamps(t *testing.T) {
	ts := newTestTSA(t)
	s := testSigner(t, "ecdsa+sm2", SignerConfig{Certify: true, TSA: ts.client(t, true, 0)})
	r, err := NewRenderer(Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	b, res, err := r.RenderContext(t.Context(), nowLetter(KindBank, true))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Timestamped || res.TSAError != nil {
		t.Errorf("SignResult %+v, want timestamped", res)
	}
	for i := range 2 {
		p7, err := pkcs7.Parse(sigDER(t, b, i))
		if err != nil {
			t.Fatal(err)
		}
		si := p7.Signers[0]
		var token []byte
		for _, a := range si.UnauthenticatedAttributes {
			if a.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}) {
				token = a.Value.Bytes
			}
		}
		if token == nil {
			t.Fatalf("signature %d has no id-aa-signatureTimeStampToken", i+1)
		}
		tok, err := pkcs7.Parse(token)
		if err != nil {
			t.Fatalf("signature %d: token: %v", i+1, err)
		}
		if err := tok.Verify(); err != nil {
			t.Errorf("signature %d: token signature: %v", i+1, err)
		}
		var info testTSTInfo
		if _, err := asn1.Unmarshal(tok.Content, &info); err != nil {
			t.Fatalf("signature %d: TSTInfo: %v", i+1, err)
		}
		want := sha256.Sum256(si.EncryptedDigest)
		if !bytes.Equal(info.MessageImprint.HashedMessage, want[:]) || !info.MessageImprint.HashAlgorithm.Algorithm.Equal(oidSHA256) {
			t.Errorf("signature %d: token imprint %x, want SHA-256 of the signature value %x", i+1, info.MessageImprint.HashedMessage, want)
		}
	}
	checks, _ := VerifySignatures(b)
	for i, c := range checks {
		if !c.Valid || !c.TimeFromTSA || c.TSA != "测试时间戳服务" || time.Since(c.Time) > time.Minute {
			t.Errorf("signature %d: %+v, want valid with the TSA's time", i+1, c)
		}
	}
	needTool(t, "pdfsig", "poppler-utils")
	if out := run(t, "pdfsig", writeTemp(t, "ts.pdf", b)); !strings.Contains(pdfsigSection(out, 1), "Signature is Valid.") {
		t.Errorf("pdfsig on a timestamped letter:\n%s", out)
	}
}

// TestTSADownOptional: with the TSA down and not required, the letter goes
// out after the short wait, signed but untimestamped, and says so.
func TestTSADownOptional(t *testing.T) {
	ts := newTestTSA(t)
	ts.down.Store(true)
	tsa := ts.client(t, false, 300*time.Millisecond)
	s := testSigner(t, "ecdsa+sm2", SignerConfig{Certify: true, TSA: tsa})
	r, _ := NewRenderer(Options{Signer: s})
	b, res, err := r.RenderContext(t.Context(), nowLetter(KindBank, false))
	if err != nil {
		t.Fatalf("an optional TSA that is down must not stop the letter: %v", err)
	}
	if res.Timestamped || res.TSAError == nil || !strings.Contains(res.TSAError.Error(), "503") {
		t.Errorf("SignResult %+v, want flagged untimestamped with the TSA's error", res)
	}
	if ts.requests.Load() < 2 {
		t.Errorf("%d requests to the TSA, want retries", ts.requests.Load())
	}
	checks, _ := VerifySignatures(b)
	for i, c := range checks {
		if !c.Valid || c.TimeFromTSA {
			t.Errorf("signature %d: %+v, want valid with the local clock", i+1, c)
		}
	}
	st := tsa.Status()
	if st.Reachable() || st.Untimed != 1 || st.Failures == 0 || !strings.Contains(st.LastError, "503") {
		t.Errorf("TSA status %+v", st)
	}
}

// TestTSADownRequired: a required TSA makes the letter wait: it retries
// until the TSA answers, and gives no letter when the caller gives up.
func TestTSADownRequired(t *testing.T) {
	ts := newTestTSA(t)
	ts.failNext.Store(3)
	s := testSigner(t, "ecdsa", SignerConfig{Certify: true, TSA: ts.client(t, true, 0)})
	r, _ := NewRenderer(Options{Signer: s})
	b, res, err := r.RenderContext(t.Context(), nowLetter(KindBank, false))
	if err != nil || !res.Timestamped {
		t.Fatalf("required TSA back after 3 failures: %v, %+v", err, res)
	}
	if n := ts.requests.Load(); n != 4 {
		t.Errorf("%d TSA requests, want 4 (3 failed, 1 answered)", n)
	}
	if checks, _ := VerifySignatures(b); len(checks) != 1 || !checks[0].TimeFromTSA {
		t.Errorf("letter after retries: %+v", checks)
	}

	ts.down.Store(true)
	before := ts.requests.Load()
	ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
	defer cancel()
	b, _, err = r.RenderContext(ctx, nowLetter(KindBank, false))
	if err == nil || b != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("required TSA down: letter %d bytes, error %v; want none and the deadline", len(b), err)
	}
	if ts.requests.Load()-before < 2 {
		t.Error("the waiting letter did not retry the TSA")
	}
}

// TestTSAConcurrent: letters rendered at once ask the TSA at once; the TSA
// holds every request until all are in, which would never happen if the
// requests were made one after another.
func TestTSAConcurrent(t *testing.T) {
	const n = 6
	ts := newTestTSA(t)
	var mu sync.Mutex
	arrived, all := 0, make(chan struct{})
	ts.gate = func() {
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(20 * time.Second):
		}
	}
	s := testSigner(t, "ecdsa", SignerConfig{TSA: ts.client(t, true, 0)})
	r, _ := NewRenderer(Options{Signer: s})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			l := nowLetter(KindBank, false)
			l.GuaranteeNo = fmt.Sprintf("BH2024030100%03d", i)
			if _, res, err := r.RenderContext(t.Context(), l); err != nil || !res.Timestamped {
				errs <- fmt.Errorf("letter %d: %v %+v", i, err, res)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	select {
	case <-all:
	default:
		t.Errorf("only %d of %d TSA requests were in flight together", arrived, n)
	}
}
