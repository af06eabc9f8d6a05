package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/baohangateway/baohan/pdf"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
)

// openStore opens the configured database and applies pending migrations.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.Database.Driver, cfg.Database.DSN, store.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("database migration: %w", err)
	}
	return st, nil
}

// Files of the development signing certificate in the data directory.
const (
	devCertFile   = "dev-signing-cert.pem"
	devKeyFile    = "dev-signing-key.pem"
	devCACertFile = "dev-signing-ca.pem"
)

// loadSigner reads the configured signing certificates and keys, or the
// development certificate from the data directory, making it at first
// start.
func loadSigner(cfg Config, log *slog.Logger, m *service.Metrics) (*pdf.Signer, error) {
	sc := cfg.Signing
	c := pdf.SignerConfig{Certify: sc.Certify, LTV: pdf.NewLTV(pdf.LTVConfig{})}
	if sc.TSAURL != "" {
		tsa, err := pdf.NewTSA(pdf.TSAConfig{URL: sc.TSAURL, Required: sc.TSARequired, OnAttempt: m.TSAAttempt})
		if err != nil {
			return nil, fmt.Errorf("signing.tsa_url: %w", err)
		}
		c.TSA = tsa
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tsa.Probe(ctx); err != nil {
				log.Warn("the time-stamping authority does not answer", "tsa_url", sc.TSAURL, "tsa_required", sc.TSARequired, "err", err)
			}
		}()
	}
	if sc.CertFile == "" {
		return devSigner(cfg, log, c)
	}
	var err error
	if c.CertPEM, err = os.ReadFile(sc.CertFile); err != nil {
		return nil, fmt.Errorf("signing.cert_file: %w", err)
	}
	if sc.KeyPasswordFile != "" {
		pw, err := os.ReadFile(sc.KeyPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("signing.key_password_file: %w", err)
		}
		c.KeyPassword = []byte(strings.TrimRight(string(pw), "\r\n"))
	}
	if sc.PKCS11.Module != "" {
		if c.Key, err = openPKCS11(sc.PKCS11); err != nil {
			return nil, fmt.Errorf("signing.pkcs11: %w", err)
		}
	} else if c.KeyPEM, err = os.ReadFile(sc.KeyFile); err != nil {
		return nil, fmt.Errorf("signing.key_file: %w", err)
	}
	if sc.SM2CertFile != "" {
		if c.SM2CertPEM, err = os.ReadFile(sc.SM2CertFile); err != nil {
			return nil, fmt.Errorf("signing.sm2_cert_file: %w", err)
		}
		if c.SM2KeyPEM, err = os.ReadFile(sc.SM2KeyFile); err != nil {
			return nil, fmt.Errorf("signing.sm2_key_file: %w", err)
		}
	}
	signer, err := pdf.NewSigner(c)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	warnExpiry(signer, log, time.Now())
	for _, c := range signer.Certificates() {
		m.SigningCertificate(c.Subject.CommonName, c.SerialNumber.Text(16), c.NotAfter)
	}
	return signer, nil
}

// expiryWarning is how long before a signing certificate expires the log
// and the console warn.
const expiryWarning = 30 * 24 * time.Hour

// warnExpiry logs a warning for each certificate that expires soon.
func warnExpiry(s *pdf.Signer, log *slog.Logger, now time.Time) {
	for _, c := range s.Certificates() {
		if left := c.NotAfter.Sub(now); left < expiryWarning {
			log.Warn("signing certificate expires soon: renew it, letters signed after expiry do not verify",
				"subject", c.Subject.CommonName, "serial", c.SerialNumber.Text(16),
				"not_after", c.NotAfter.Format(time.RFC3339), "days_left", int(left.Hours()/24))
		}
	}
}

// devSigner loads the development certificate from the data directory,
// making it at first start.
func devSigner(cfg Config, log *slog.Logger, c pdf.SignerConfig) (*pdf.Signer, error) {
	certPath, keyPath := filepath.Join(cfg.DataDir, devCertFile), filepath.Join(cfg.DataDir, devKeyFile)
	certPEM, err := os.ReadFile(certPath)
	if err == nil {
		if c.KeyPEM, err = os.ReadFile(keyPath); err != nil {
			return nil, fmt.Errorf("development signing key: %w", err)
		}
		c.CertPEM = certPEM
		signer, err := pdf.NewSigner(c)
		if err != nil {
			return nil, fmt.Errorf("development signing certificate %s: %w", certPath, err)
		}
		log.Warn("letters are signed with a DEVELOPMENT certificate (not legally valid); configure signing.cert_file and signing.key_file for production", "cert", certPath)
		return signer, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	_, cred, err := pdf.GenerateDevSigner(cfg.Institution.Name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{devKeyFile, cred.KeyPEM, 0o600}, {devCertFile, cred.CertPEM, 0o644}, {devCACertFile, cred.CACertPEM, 0o644}} {
		if err := os.WriteFile(filepath.Join(cfg.DataDir, f.name), f.data, f.mode); err != nil {
			return nil, err
		}
	}
	c.CertPEM, c.KeyPEM = cred.CertPEM, cred.KeyPEM
	signer, err := pdf.NewSigner(c)
	if err != nil {
		return nil, err
	}
	log.Warn("CREATED A DEVELOPMENT SIGNING CERTIFICATE: letters are signed with it and marked as not legally valid; configure signing.cert_file and signing.key_file for production",
		"cert", certPath, "ca", filepath.Join(cfg.DataDir, devCACertFile))
	return signer, nil
}

// newService builds the domain service on st.
func newService(cfg Config, st *store.Store, log *slog.Logger, caller service.PlatformCaller) (*service.Service, *pdf.Signer, error) {
	uw, err := cfg.underwriting()
	if err != nil {
		return nil, nil, err
	}
	threshold, err := cfg.checkerThreshold()
	if err != nil {
		return nil, nil, err
	}
	metrics := service.NewMetrics(st)
	signer, err := loadSigner(cfg, log, metrics)
	if err != nil {
		return nil, nil, err
	}
	inst := service.Institution{Name: cfg.Institution.Name, Kind: service.InstitutionKind(cfg.Institution.Kind),
		Address: cfg.Institution.Address, Code: cfg.Institution.Code}
	fallback, err := fallbackFont(cfg)
	if err != nil {
		return nil, nil, err
	}
	renderer, err := pdf.NewRenderer(pdf.Options{Signer: signer, FixedText: inst.Name + inst.Address, FallbackFont: fallback})
	if err != nil {
		return nil, nil, fmt.Errorf("letters.fallback_font %s: %w", cfg.Letters.FallbackFont, err)
	}
	platforms := cfg.PlatformInfos()
	svc := service.New(service.Config{
		Metrics: metrics,
		Store:   st,
		Renderer: &service.PDFLetters{Renderer: renderer, Signer: signer, Institution: inst, PublicURL: cfg.PublicURL,
			Log: log, Metrics: metrics, Certify: cfg.Signing.Certify},
		Caller:       caller,
		LetterCPUs:   runtime.GOMAXPROCS(0),
		Log:          log,
		Institution:  inst,
		Underwriting: uw,
		Platforms:    platforms,
		PublicURL:    cfg.PublicURL,
		PortalTTL:    cfg.Portal.LinkTTL,

		CheckerThreshold: threshold,
		SessionIdle:      cfg.Console.SessionIdle,
		SessionMax:       cfg.Console.SessionMax,
	})
	return svc, signer, nil
}

// fallbackFont reads letters.fallback_font; nil when none is set.
func fallbackFont(cfg Config) ([]byte, error) {
	if cfg.Letters.FallbackFont == "" {
		return nil, nil
	}
	b, err := os.ReadFile(cfg.Letters.FallbackFont)
	if err != nil {
		return nil, fmt.Errorf("letters.fallback_font: %w", err)
	}
	return b, nil
}

// letterWorkers is how many plaintext letters are in hand at once: one per
// CPU, or four per CPU with a TSA, so that letters waiting for their
// timestamps do not leave the CPUs idle. The renderer's CPU slots keep the
// letters being laid out and signed to one per CPU (more cost memory and
// collector time, and made the storm with a local TSA 1.3 × slower).
func letterWorkers(cfg Config) int {
	if cfg.Workers.Letters > 0 {
		return cfg.Workers.Letters
	}
	if cfg.Signing.TSAURL != "" {
		return 4 * runtime.GOMAXPROCS(0)
	}
	return runtime.GOMAXPROCS(0)
}

func newHTTPClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }
