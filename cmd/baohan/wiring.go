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
	"time"

	"github.com/baohangateway/baohan/pdf"
	"github.com/baohangateway/baohan/platform"
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

// loadSigner reads the configured signing certificate, or the development
// one from the data directory, making it at first start.
func loadSigner(cfg Config, log *slog.Logger) (*pdf.Signer, error) {
	if cfg.Signing.CertFile != "" {
		certPEM, err := os.ReadFile(cfg.Signing.CertFile)
		if err != nil {
			return nil, fmt.Errorf("signing.cert_file: %w", err)
		}
		keyPEM, err := os.ReadFile(cfg.Signing.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("signing.key_file: %w", err)
		}
		signer, err := pdf.LoadSigner(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		return signer, nil
	}
	certPath, keyPath := filepath.Join(cfg.DataDir, devCertFile), filepath.Join(cfg.DataDir, devKeyFile)
	certPEM, err := os.ReadFile(certPath)
	if err == nil {
		keyPEM, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, fmt.Errorf("development signing key: %w", err)
		}
		signer, err := pdf.LoadSigner(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("development signing certificate %s: %w", certPath, err)
		}
		log.Warn("letters are signed with a DEVELOPMENT certificate (not legally valid); configure signing.cert_file and signing.key_file for production", "cert", certPath)
		return signer, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	signer, cred, err := pdf.GenerateDevSigner(cfg.Institution.Name)
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
	signer, err := loadSigner(cfg, log)
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
	var platforms []service.PlatformInfo
	for _, p := range cfg.Platforms {
		platforms = append(platforms, service.PlatformInfo{AppKey: p.AppKey, Name: p.Name})
	}
	svc := service.New(service.Service{
		Metrics:      service.NewMetrics(st),
		Store:        st,
		Letters:      &service.PDFLetters{Renderer: renderer, Institution: inst, PublicURL: cfg.PublicURL},
		Caller:       caller,
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

// letterWorkers is how many plaintext letters are rendered at once.
func letterWorkers(cfg Config) int {
	if cfg.Workers.Letters > 0 {
		return cfg.Workers.Letters
	}
	return runtime.GOMAXPROCS(0)
}

// platformCaller sends the calls whose answer decides our state (§4.12).
type platformCaller struct {
	client   *platform.Client
	accounts []platform.Account
	now      func() time.Time
}

// Call implements service.PlatformCaller.
func (c *platformCaller) Call(ctx context.Context, appkey, iface string, fields map[string]string) (bool, string, error) {
	var acct *platform.Account
	for i := range c.accounts {
		if c.accounts[i].AppKey == appkey {
			acct = &c.accounts[i]
		}
	}
	if acct == nil {
		return false, "", fmt.Errorf("platform %q is not configured", appkey)
	}
	spec, ok := platform.Lookup(iface, platform.Outbound)
	if !ok {
		return false, "", fmt.Errorf("no outbound message %q", iface)
	}
	ex, err := c.client.Send(ctx, acct.NotifyURL, spec, fields, acct.Credentials(), c.now())
	if err != nil {
		return false, "", err
	}
	return ex.Reply.OK(), ex.Reply.Message, nil
}

func newHTTPClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// demoSecrets lists the configuration keys still holding the embedded demo
// secrets, which anyone reading the README knows.
func demoSecrets(cfg Config) []string {
	def := defaultConfig()
	var keys []string
	for i, p := range cfg.Platforms {
		if p.AppSecret == def.Platforms[0].AppSecret {
			keys = append(keys, fmt.Sprintf("platforms[%d].appsecret", i))
		}
	}
	for i, t := range cfg.API.Tokens {
		if t == def.API.Tokens[0] {
			keys = append(keys, fmt.Sprintf("api.tokens[%d]", i))
		}
	}
	return keys
}
