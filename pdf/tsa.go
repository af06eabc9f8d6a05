package pdf

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"

	"github.com/baohangateway/baohan/pdf/internal/rfc3161"
)

// tokenReserve is the room a timestamp token gets in a signature's
// /Contents until the TSA has sent one: the token holds the TSA's
// certificate chain, whose size we cannot know before. After that the room
// is the largest token seen plus a margin (TSA.room), so that a letter does
// not carry kilobytes of zeros that every reader, the database and the
// platform hash, encode and store (issue 12's storm measurement).
const tokenReserve = 12 << 10

// errTokenRoom says a timestamp token did not fit the room reserved for it;
// the letter is signed again with the room the token showed it needs.
var errTokenRoom = errors.New("sign: timestamp token larger than the room reserved for it")

// TSAConfig configures the RFC 3161 client.
type TSAConfig struct {
	URL string
	// Required makes letters wait for a timestamp as long as their context
	// allows; otherwise a letter goes out untimestamped after Wait.
	Required bool
	// Wait bounds the retries for one optional timestamp; 0: 5 s.
	Wait time.Duration
	// AttemptTimeout bounds one request; 0: 10 s.
	AttemptTimeout time.Duration
	// Client makes the requests; nil: one that keeps many connections to
	// the TSA open, so concurrent letters do not queue behind each other.
	Client *http.Client
	// OnAttempt, when set, is told each request's outcome (nil: success),
	// for metrics.
	OnAttempt func(err error)
}

// TSA requests signature timestamps (RFC 3161) from a time-stamping
// authority. It is safe for concurrent use: requests run in parallel.
type TSA struct {
	cfg      TSAConfig
	required bool
	client   *http.Client

	// maxToken is the size in bytes of the largest token received.
	maxToken atomic.Int64

	mu sync.Mutex
	st TSAStatus
}

// room is how many bytes a signature's /Contents keeps for a token: the
// largest token seen with a quarter and 512 bytes to spare (serial numbers,
// nonces and times vary in length), or tokenReserve before the first.
func (t *TSA) room() int {
	m := int(t.maxToken.Load())
	if m == 0 {
		return tokenReserve
	}
	return m + m/4 + 512
}

// noteToken records the size of a token received.
func (t *TSA) noteToken(n int) {
	for {
		m := t.maxToken.Load()
		if int64(n) <= m || t.maxToken.CompareAndSwap(m, int64(n)) {
			return
		}
	}
}

// TSAStatus is what the console shows of the TSA.
type TSAStatus struct {
	URL         string
	Required    bool
	LastOK      time.Time // last token received
	LastFailure time.Time
	LastError   string
	Failures    uint64 // failed requests since start
	Untimed     uint64 // signatures that went out without a timestamp
}

// Reachable says whether the last request succeeded.
func (s TSAStatus) Reachable() bool { return !s.LastOK.IsZero() && !s.LastOK.Before(s.LastFailure) }

// NewTSA checks the configuration and makes a client.
func NewTSA(c TSAConfig) (*TSA, error) {
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return nil, fmt.Errorf("pdf: TSA URL %q: must be http:// or https://", c.URL)
	}
	if c.Wait <= 0 {
		c.Wait = 5 * time.Second
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = 10 * time.Second
	}
	t := &TSA{cfg: c, required: c.Required, client: c.Client}
	if t.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		t.client = &http.Client{Transport: tr}
	}
	t.st = TSAStatus{URL: c.URL, Required: c.Required}
	return t, nil
}

// Status returns the client's state for the console.
func (t *TSA) Status() TSAStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st
}

func (t *TSA) record(err error) {
	t.mu.Lock()
	if err == nil {
		t.st.LastOK = time.Now()
	} else {
		t.st.LastFailure, t.st.LastError = time.Now(), err.Error()
		t.st.Failures++
	}
	t.mu.Unlock()
	if t.cfg.OnAttempt != nil {
		t.cfg.OnAttempt(err)
	}
}

// Probe asks the TSA for one timestamp (of a fixed test value) and records
// the outcome, so that the console knows whether the TSA is reachable
// before the first letter.
func (t *TSA) Probe(ctx context.Context) error {
	imprint := sha256.Sum256([]byte("Baohan Gateway TSA probe"))
	_, err := t.request(ctx, imprint[:])
	t.record(err)
	return err
}

// Timestamp returns a timestamp token over the SHA-256 of a signature
// value, retrying failed requests with growing pauses: until ctx ends when
// the TSA is required, for at most the configured wait otherwise.
func (t *TSA) Timestamp(ctx context.Context, signature []byte) ([]byte, error) {
	if !t.required {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.cfg.Wait)
		defer cancel()
	}
	imprint := sha256.Sum256(signature)
	pause := 50 * time.Millisecond
	for {
		tok, err := t.request(ctx, imprint[:])
		t.record(err)
		if err == nil {
			return tok, nil
		}
		select {
		case <-ctx.Done():
			if !t.required {
				t.mu.Lock()
				t.st.Untimed++
				t.mu.Unlock()
			}
			return nil, fmt.Errorf("TSA %s: no token (%w), last error: %v", t.cfg.URL, ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(2*pause, 2*time.Second)
	}
}

// request makes one attempt.
func (t *TSA) request(ctx context.Context, imprint []byte) ([]byte, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req, err := asn1.Marshal(rfc3161.TimeStampReq{
		Version:        1,
		MessageImprint: rfc3161.MessageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1Null}, HashedMessage: imprint},
		Nonce:          nonce,
		CertReq:        true,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, t.cfg.AttemptTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.URL, bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := t.client.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	var tr rfc3161.TimeStampResp
	if rest, err := asn1.Unmarshal(body, &tr); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("malformed TimeStampResp: %v", err)
	}
	if tr.Status.Status > 1 { // 0 granted, 1 grantedWithMods
		return nil, fmt.Errorf("TSA refused (status %d %s)", tr.Status.Status, strings.Join(tr.Status.StatusString, "; "))
	}
	if len(tr.Token.FullBytes) == 0 {
		return nil, errors.New("TSA granted but sent no token")
	}
	tst, err := ParseTimestampToken(tr.Token.FullBytes)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(tst.Imprint, imprint) {
		return nil, errors.New("token's message imprint is not ours")
	}
	if tst.Nonce == nil || tst.Nonce.Cmp(nonce) != 0 {
		return nil, errors.New("token's nonce is not ours")
	}
	t.noteToken(len(tr.Token.FullBytes))
	return tr.Token.FullBytes, nil
}

// Timestamp is a verified RFC 3161 timestamp token.
type Timestamp struct {
	Time       time.Time // genTime
	Imprint    []byte    // SHA-256 of what was timestamped
	Nonce      *big.Int
	Serial     *big.Int
	Authority  *smx509.Certificate // the TSA's signing certificate
	PolicyOID  asn1.ObjectIdentifier
	HashOID    asn1.ObjectIdentifier
	TokenBytes []byte
}

type tstAccuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint rfc3161.MessageImprint
	SerialNumber   *big.Int
	GenTime        asn1.RawValue // GeneralizedTime, maybe with fractions
	Accuracy       tstAccuracy   `asn1:"optional"`
	Ordering       bool          `asn1:"optional,default:false"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

// ParseTimestampToken parses a TimeStampToken and verifies the TSA's
// signature over its TSTInfo (not the TSA's certificate chain).
func ParseTimestampToken(token []byte) (*Timestamp, error) {
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return nil, fmt.Errorf("timestamp token: %w", err)
	}
	if err := p7.Verify(); err != nil {
		return nil, fmt.Errorf("timestamp token signature: %w", err)
	}
	var info tstInfo
	if rest, err := asn1.Unmarshal(p7.Content, &info); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("timestamp token: malformed TSTInfo: %v", err)
	}
	if info.GenTime.Tag != asn1.TagGeneralizedTime {
		return nil, errors.New("timestamp token: genTime is not a GeneralizedTime")
	}
	gen, err := time.Parse("20060102150405Z", string(info.GenTime.Bytes)) // accepts .fff after the seconds
	if err != nil {
		return nil, fmt.Errorf("timestamp token: genTime: %w", err)
	}
	return &Timestamp{
		Time: gen, Imprint: info.MessageImprint.HashedMessage, Nonce: info.Nonce, Serial: info.SerialNumber,
		Authority: p7.GetOnlySigner(), PolicyOID: info.Policy, HashOID: info.MessageImprint.HashAlgorithm.Algorithm,
		TokenBytes: token,
	}, nil
}
