package pdf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baohangateway/baohan/pdf/pdftest"
	"github.com/emmansun/gmsm/pkcs7"
)

func newTestTSA(t *testing.T) *pdftest.TSA { return pdftest.NewTSA(t) }

func tsaClient(t *testing.T, ts *pdftest.TSA, required bool, wait time.Duration) *TSA {
	t.Helper()
	tsa, err := NewTSA(TSAConfig{URL: ts.URL, Required: required, Wait: wait, AttemptTimeout: 5 * time.Second})
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
	s := testSigner(t, "ecdsa+sm2", SignerConfig{Certify: true, TSA: tsaClient(t, ts, true, 0)})
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
		var info pdftest.TSTInfo
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
	ts.Down.Store(true)
	tsa := tsaClient(t, ts, false, 300*time.Millisecond)
	s := testSigner(t, "ecdsa+sm2", SignerConfig{Certify: true, TSA: tsa})
	r, _ := NewRenderer(Options{Signer: s})
	b, res, err := r.RenderContext(t.Context(), nowLetter(KindBank, false))
	if err != nil {
		t.Fatalf("an optional TSA that is down must not stop the letter: %v", err)
	}
	if res.Timestamped || res.TSAError == nil || !strings.Contains(res.TSAError.Error(), "503") {
		t.Errorf("SignResult %+v, want flagged untimestamped with the TSA's error", res)
	}
	if ts.Requests.Load() < 2 {
		t.Errorf("%d requests to the TSA, want retries", ts.Requests.Load())
	}
	checks, _ := VerifySignatures(b)
	for i, c := range checks {
		if !c.Valid || c.TimeFromTSA {
			t.Errorf("signature %d: %+v, want valid with the local clock", i+1, c)
		}
	}
	st := tsa.Status()
	if err := tsa.Probe(t.Context()); err == nil || st.Reachable() || st.Untimed != 1 || st.Failures == 0 || !strings.Contains(st.LastError, "503") {
		t.Errorf("TSA status %+v", st)
	}
}

// TestTSADownRequired: a required TSA makes the letter wait: it retries
// until the TSA answers, and gives no letter when the caller gives up.
func TestTSADownRequired(t *testing.T) {
	ts := newTestTSA(t)
	ts.FailNext.Store(3)
	s := testSigner(t, "ecdsa", SignerConfig{Certify: true, TSA: tsaClient(t, ts, true, 0)})
	r, _ := NewRenderer(Options{Signer: s})
	b, res, err := r.RenderContext(t.Context(), nowLetter(KindBank, false))
	if err != nil || !res.Timestamped {
		t.Fatalf("required TSA back after 3 failures: %v, %+v", err, res)
	}
	if n := ts.Requests.Load(); n != 4 {
		t.Errorf("%d TSA requests, want 4 (3 failed, 1 answered)", n)
	}
	if tsa := s.TSA(); tsa.Probe(t.Context()) != nil || !tsa.Status().Reachable() {
		t.Errorf("probe of a working TSA: %+v", tsa.Status())
	}
	if checks, _ := VerifySignatures(b); len(checks) != 1 || !checks[0].TimeFromTSA {
		t.Errorf("letter after retries: %+v", checks)
	}

	ts.Down.Store(true)
	before := ts.Requests.Load()
	ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
	defer cancel()
	b, _, err = r.RenderContext(ctx, nowLetter(KindBank, false))
	if err == nil || b != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("required TSA down: letter %d bytes, error %v; want none and the deadline", len(b), err)
	}
	if ts.Requests.Load()-before < 2 {
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
	ts.Gate = func() {
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
	s := testSigner(t, "ecdsa", SignerConfig{TSA: tsaClient(t, ts, true, 0)})
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

// TestTokenRoom: a letter keeps only the room its tokens need. Before the
// TSA has answered the room is tokenReserve; after, the largest token seen
// with a margin, so a timestamped letter is kilobytes smaller. A token that
// outgrows the room (here: the room forced too small) makes the letter be
// signed again with enough, not fail; both versions verify.
func TestTokenRoom(t *testing.T) {
	ts := newTestTSA(t)
	tsa := tsaClient(t, ts, true, 0)
	s := testSigner(t, "ecdsa+sm2", SignerConfig{Certify: true, TSA: tsa})
	r, err := NewRenderer(Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	render := func() []byte {
		t.Helper()
		b, res, err := r.RenderContext(t.Context(), nowLetter(KindBank, true))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Timestamped {
			t.Fatalf("SignResult %+v, want timestamped", res)
		}
		checks, _ := VerifySignatures(b)
		if len(checks) != 2 {
			t.Fatalf("%d signatures, want 2", len(checks))
		}
		for i, c := range checks {
			if !c.Valid || !c.TimeFromTSA {
				t.Errorf("signature %d: %+v, want valid with the TSA's time", i+1, c)
			}
		}
		return b
	}
	if got := tsa.room(); got != tokenReserve {
		t.Fatalf("room before any token %d, want %d", got, tokenReserve)
	}
	first := render()
	token := int(tsa.maxToken.Load())
	if token == 0 || tsa.room() >= tokenReserve || tsa.room() < token {
		t.Fatalf("after a letter: largest token %d, room %d", token, tsa.room())
	}
	second := render()
	// The first letter's first signature kept tokenReserve (its second
	// was made after the first token came): (tokenReserve - room) bytes
	// fewer, in hex.
	if saved := len(first) - len(second); saved < 2*(tokenReserve-tsa.room())-64 {
		t.Errorf("letter %d bytes before the first token, %d after: saved %d", len(first), len(second), saved)
	}
	t.Logf("token %d bytes, room %d; letter %d → %d bytes", token, tsa.room(), len(first), len(second))

	// The TSA's tokens grow past the room (a longer chain): the letter is
	// signed again, once, with room enough.
	ts.Grow.Store(12)
	before := ts.Requests.Load()
	render()
	if n := ts.Requests.Load() - before; n != 3 {
		t.Errorf("%d TSA requests for a letter signed again, want 3 (first signature twice, second once)", n)
	}
	// Tokens differ by a few bytes (serial, nonce, time).
	if grown, want := tsa.maxToken.Load(), int64(token+12*len(ts.CA.Raw)-16); grown < want {
		t.Errorf("largest token %d after the re-sign, want ≥ %d", grown, want)
	}
}

// TestSlotsFreedWhileTimestamping: with one slot, a letter waiting for its
// timestamp lets the next letter be made meanwhile: the TSA holds every
// answer until two requests are in, which only happens if the first letter
// gave its slot up.
func TestSlotsFreedWhileTimestamping(t *testing.T) {
	ts := newTestTSA(t)
	both := make(chan struct{})
	var once sync.Once
	var alone atomic.Bool
	ts.Gate = func() {
		if ts.Requests.Load() >= 2 {
			once.Do(func() { close(both) })
		}
		select {
		case <-both:
		case <-time.After(3 * time.Second):
			alone.Store(true)
		}
	}
	s := testSigner(t, "ecdsa", SignerConfig{Certify: true, TSA: tsaClient(t, ts, true, 0)})
	r, err := NewRenderer(Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	slots := NewSlots(1)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			ctx, release, err := slots.Take(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			defer release()
			if _, _, err := r.RenderContext(ctx, nowLetter(KindBank, true)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if alone.Load() {
		t.Fatal("the second letter never reached the TSA while the first waited for its token: the slot was not given up")
	}

	// Every slot taken: Take waits as long as its context allows.
	_, release, err := slots.Take(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := slots.Take(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Take with every slot taken: %v, want the context's deadline", err)
	}
	release()
	release() // twice: harmless
	if _, release, err := slots.Take(t.Context()); err != nil {
		t.Errorf("Take after release: %v", err)
	} else {
		release()
	}
}
