package pdf

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/crypto/ocsp"
)

// LTVConfig configures the fetching of revocation data.
type LTVConfig struct {
	// Timeout bounds one fetch (a CRL or an OCSP response); 0: 3 s.
	Timeout time.Duration
	// MaxAge is the longest a fetched CRL or OCSP response is reused (a
	// CRL's nextUpdate may end it sooner); 0: 1 h. A failed fetch is
	// retried after a tenth of it.
	MaxAge time.Duration
	// Client makes the requests; nil: http.DefaultClient.
	Client *http.Client
}

// LTV gathers the long-term validation data of letters: the signers'
// certificate chains, the CRLs their distribution points name and the OCSP
// responses of the responders they name. Fetches are bounded by a timeout
// and cached; a letter never waits longer than one timeout per source, and
// a source that failed is not asked again for a while. Safe for concurrent
// use.
type LTV struct {
	cfg    LTVConfig
	client *http.Client
	mu     sync.Mutex
	cache  map[string]*ltvEntry
	// The last failed fetch, for the console.
	lastErr   string
	lastErrAt time.Time
}

// LastError returns the last failed fetch of revocation data and when it
// happened; empty when none failed.
func (l *LTV) LastError() (string, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastErr, l.lastErrAt
}

type ltvEntry struct {
	ready   chan struct{} // closed once data/err are set
	data    []byte
	err     error
	expires time.Time
}

// NewLTV makes an LTV with an empty cache.
func NewLTV(c LTVConfig) *LTV {
	if c.Timeout <= 0 {
		c.Timeout = 3 * time.Second
	}
	if c.MaxAge <= 0 {
		c.MaxAge = time.Hour
	}
	l := &LTV{cfg: c, client: c.Client, cache: map[string]*ltvEntry{}}
	if l.client == nil {
		l.client = http.DefaultClient
	}
	return l
}

// Material returns the certificates, CRLs and OCSP responses for the
// chains of certs (each a leaf followed by its issuers). Revocation data
// that cannot be fetched is left out and reported in errs.
func (l *LTV) Material(ctx context.Context, chains [][]*smx509.Certificate) (certs, crls, ocsps [][]byte, errs []error) {
	seen := map[string]bool{}
	add := func(list *[][]byte, b []byte) {
		if !seen[string(b)] {
			seen[string(b)] = true
			*list = append(*list, b)
		}
	}
	for _, chain := range chains {
		for i, c := range chain {
			add(&certs, c.Raw)
			for _, u := range c.CRLDistributionPoints {
				b, err := l.get(ctx, "crl "+u, func(ctx context.Context) ([]byte, time.Time, error) { return l.fetchCRL(ctx, u) })
				if err != nil {
					errs = append(errs, err)
					continue
				}
				add(&crls, b)
				break
			}
			if i+1 < len(chain) && len(c.OCSPServer) > 0 {
				issuer := chain[i+1]
				for _, u := range c.OCSPServer {
					b, err := l.get(ctx, "ocsp "+u+" "+c.SerialNumber.String(), func(ctx context.Context) ([]byte, time.Time, error) {
						return l.fetchOCSP(ctx, u, c, issuer)
					})
					if err != nil {
						errs = append(errs, err)
						continue
					}
					add(&ocsps, b)
					break
				}
			}
		}
	}
	return certs, crls, ocsps, errs
}

// get returns the cached value of key or fetches it, once for all callers
// waiting on the same key.
func (l *LTV) get(ctx context.Context, key string, fetch func(context.Context) ([]byte, time.Time, error)) ([]byte, error) {
	l.mu.Lock()
	e := l.cache[key]
	if e != nil {
		select {
		case <-e.ready:
			if time.Now().After(e.expires) {
				e = nil
			}
		default:
		}
	}
	if e == nil {
		e = &ltvEntry{ready: make(chan struct{})}
		l.cache[key] = e
		l.mu.Unlock()
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.Timeout)
		data, until, err := fetch(fctx)
		cancel()
		e.data, e.err = data, err
		e.expires = time.Now().Add(l.cfg.MaxAge)
		if err != nil {
			e.expires = time.Now().Add(l.cfg.MaxAge / 10)
			l.mu.Lock()
			l.lastErr, l.lastErrAt = key+": "+err.Error(), time.Now()
			l.mu.Unlock()
		} else if !until.IsZero() && until.Before(e.expires) {
			e.expires = until
		}
		close(e.ready)
	} else {
		l.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, fmt.Errorf("%s: %w", key, e.err)
	}
	return e.data, nil
}

func (l *LTV) fetch(ctx context.Context, req *http.Request) ([]byte, error) {
	resp, err := l.client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 16<<20))
}

// fetchCRL gets a DER CRL and checks it parses; it is valid until its
// nextUpdate.
func (l *LTV) fetchCRL(ctx context.Context, url string) ([]byte, time.Time, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	b, err := l.fetch(ctx, req)
	if err != nil {
		return nil, time.Time{}, err
	}
	crl, err := smx509.ParseRevocationList(b)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("not a DER CRL: %w", err)
	}
	return b, crl.NextUpdate, nil
}

// fetchOCSP asks a responder about c. OCSP is only asked for RSA and ECDSA
// certificates (golang.org/x/crypto/ocsp); SM2 chains rely on CRLs.
func (l *LTV) fetchOCSP(ctx context.Context, url string, c, issuer *smx509.Certificate) ([]byte, time.Time, error) {
	xc, err1 := x509.ParseCertificate(c.Raw)
	xi, err2 := x509.ParseCertificate(issuer.Raw)
	if err := errors.Join(err1, err2); err != nil {
		return nil, time.Time{}, fmt.Errorf("OCSP not available for this certificate: %w", err)
	}
	q, err := ocsp.CreateRequest(xc, xi, nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(q))
	if err != nil {
		return nil, time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	b, err := l.fetch(ctx, req)
	if err != nil {
		return nil, time.Time{}, err
	}
	r, err := ocsp.ParseResponseForCert(b, xc, xi)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("OCSP response: %w", err)
	}
	return b, r.NextUpdate, nil
}

// writeDSS writes the document security store (ISO 32000-2 12.8.4.3) as
// object dss, its streams numbered from next, and returns the next unused
// number. Revocation data that could not be fetched is left out: the
// letter still goes out, with the chain.
func (l *LTV) writeDSS(ctx context.Context, w *objWriter, dss, next int, ids []*cmsIdentity) (int, error) {
	var chains [][]*smx509.Certificate
	for _, id := range ids {
		chains = append(chains, append([]*smx509.Certificate{id.cert}, id.chain...))
	}
	certs, crls, ocsps, _ := l.Material(ctx, chains)
	refs := func(list [][]byte) string {
		var b []byte
		for _, data := range list {
			w.begin(next)
			w.printf("<</Length %d>>stream\n", len(data))
			w.buf = append(w.buf, data...)
			w.str("\nendstream")
			w.end()
			b = fmt.Appendf(b, "%d 0 R ", next)
			next++
		}
		return string(bytes.TrimSpace(b))
	}
	c, r, o := refs(certs), refs(crls), refs(ocsps)
	w.begin(dss)
	w.printf("<</Type/DSS/Certs[%s]", c)
	if r != "" {
		w.printf("/CRLs[%s]", r)
	}
	if o != "" {
		w.printf("/OCSPs[%s]", o)
	}
	w.str(">>")
	w.end()
	return next, nil
}
