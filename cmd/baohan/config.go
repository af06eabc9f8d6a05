package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

// Config is the whole configuration: a YAML file, then BAOHAN_<PATH>
// environment variables over it (upper case, "_" between levels, list items by
// index: BAOHAN_PLATFORMS_0_APPSECRET; a list of strings as one comma-separated
// value: BAOHAN_API_TOKENS). Every key has a working default.
type Config struct {
	Listen    string           `yaml:"listen"`
	PublicURL string           `yaml:"public_url"`
	DataDir   string           `yaml:"data_dir"` // where generated files live (the development certificate)
	Database  DatabaseConfig   `yaml:"database"`
	Platforms []PlatformConfig `yaml:"platforms"`
	API       APIConfig        `yaml:"api"`
	Inbound   InboundConfig    `yaml:"inbound"`
	Log       LogConfig        `yaml:"log"`
	HTTP      HTTPConfig       `yaml:"http"`
	Ops       OpsConfig        `yaml:"ops"`
	TLS       TLSConfig        `yaml:"tls"`

	Institution  InstitutionConfig  `yaml:"institution"`
	Underwriting UnderwritingConfig `yaml:"underwriting"`
	Portal       PortalConfig       `yaml:"portal"`
	Signing      SigningConfig      `yaml:"signing"`
	Letters      LettersConfig      `yaml:"letters"`
	Workers      WorkersConfig      `yaml:"workers"`
	Console      ConsoleConfig      `yaml:"console"`
}

// ConsoleConfig tunes the officer console. The settings page may override
// checker_threshold, as it does the underwriting keys.
type ConsoleConfig struct {
	// Console approvals above this amount (yuan, "500000.00") need a second
	// officer; empty: off.
	CheckerThreshold string        `yaml:"checker_threshold"`
	SessionIdle      time.Duration `yaml:"session_idle"` // a session unused this long ends
	SessionMax       time.Duration `yaml:"session_max"`  // a session ends this long after login
}

// InstitutionConfig is who we are, as our letters say.
type InstitutionConfig struct {
	Name    string `yaml:"name"`
	Kind    string `yaml:"kind"` // bank | guarantor | insurer
	Address string `yaml:"address"`
	Code    string `yaml:"code"` // prefix of our guarantee numbers
}

// UnderwritingConfig holds the fee and the limits; amounts in yuan as
// strings ("100.00"), an empty limit is off.
type UnderwritingConfig struct {
	Rate           string   `yaml:"rate"`
	MinPremium     string   `yaml:"min_premium"`
	MaxAmount      string   `yaml:"max_amount"`
	ExposureLimit  string   `yaml:"exposure_limit"`
	BlockedBidders []string `yaml:"blocked_bidders"`
	ValidityDays   int      `yaml:"validity_days"`
}

// PortalConfig tunes the bidder portal.
type PortalConfig struct {
	LinkTTL time.Duration `yaml:"link_ttl"` // how long a redirecturl works
}

// SigningConfig is how letters are signed (README "Signing letters").
// No certificate: a development certificate is made at first start and
// kept in the data directory.
type SigningConfig struct {
	// CertFile: RSA 2048+ or ECDSA P-256, or an SM2 certificate (then SM2
	// is the only signature); its chain may follow it in the file.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// KeyPasswordFile holds the password of encrypted PKCS#8 keys (both
	// key files).
	KeyPasswordFile string `yaml:"key_password_file"`
	// SM2CertFile and SM2KeyFile add an SM2/SM3 signature beside the
	// RSA/ECDSA one.
	SM2CertFile string `yaml:"sm2_cert_file"`
	SM2KeyFile  string `yaml:"sm2_key_file"`
	// PKCS11 holds the RSA/ECDSA key in an HSM instead of key_file.
	PKCS11 PKCS11Config `yaml:"pkcs11"`
	// TSAURL is an RFC 3161 time-stamping authority; empty: no timestamps.
	TSAURL string `yaml:"tsa_url"`
	// TSARequired: letters wait for the TSA; otherwise, after a short
	// wait, a letter goes out untimestamped, logged and flagged.
	TSARequired bool `yaml:"tsa_required"`
	// Certify: the first signature certifies the letter (DocMDP, only
	// signatures may be added).
	Certify bool `yaml:"certify"`
}

// PKCS11Config names a key in a PKCS#11 token (an HSM, or SoftHSM2 for
// tests). The binary must be built with cgo for it (make build CGO_ENABLED=1).
type PKCS11Config struct {
	Module     string `yaml:"module"` // e.g. /usr/lib/softhsm/libsofthsm2.so
	TokenLabel string `yaml:"token_label"`
	KeyLabel   string `yaml:"key_label"`
	PinFile    string `yaml:"pin_file"`
}

// LettersConfig tunes how letters print what the platform sends.
type LettersConfig struct {
	// A TrueType font file (.ttf) whose glyphs are drawn for characters the
	// embedded font lacks (rare characters of the CJK extensions in a name).
	// Empty: such characters print as □ and the application is flagged.
	FallbackFont string `yaml:"fallback_font"`
}

// WorkersConfig sizes the background workers.
type WorkersConfig struct {
	Letters int `yaml:"letters"` // plaintext letters rendered at once; 0: one per CPU, four with a TSA
	Notices int `yaml:"notices"` // notices sent at once from the outbox, and as many fresh restorenotices; 0: 8
	// How long a claim on a notice lasts: a process that dies while sending
	// delays those notices by at most this long. 0: 1m.
	NoticeLease time.Duration `yaml:"notice_lease"`
}

// DatabaseConfig selects the database.
type DatabaseConfig struct {
	Driver string `yaml:"driver"` // sqlite | mysql
	DSN    string `yaml:"dsn"`
}

// PlatformConfig is one trading platform we are connected to.
type PlatformConfig struct {
	Name          string `yaml:"name"`
	AppKey        string `yaml:"appkey"`
	AppSecret     string `yaml:"appsecret"`
	AppSecretFile string `yaml:"appsecret_file"` // read the secret from this file instead
	NotifyURL     string `yaml:"notify_url"`
	// AllowedSources, when set, are the only addresses (IPs or CIDRs) the
	// platform's requests are accepted from.
	AllowedSources []string `yaml:"allowed_sources"`
}

// APIConfig protects the admin API.
type APIConfig struct {
	Tokens []string `yaml:"tokens"`
	// Names of the tokens, in the same order, as the audit trail shows them;
	// a token without a name is "API令牌#<n>".
	TokenNames []string `yaml:"token_names"`
}

// InboundConfig tunes the platform API.
type InboundConfig struct {
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	TimestampWindow time.Duration `yaml:"timestamp_window"` // how far a message's timestamp may be from our clock
	RateLimit       float64       `yaml:"rate_limit"`       // requests per second from one client address; 0: no limit
	RateBurst       int           `yaml:"rate_burst"`       // requests one address may send at once above the rate
}

// HTTPConfig tunes the HTTP edge.
type HTTPConfig struct {
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// X-Forwarded-For names the client (for logs and login throttling).
	// Empty: the connection's own address is the client's.
	TrustedProxies []string `yaml:"trusted_proxies"`

	// The server's bounds (httpconfig.go): see deploy/baohan.example.yaml.
	ReadTimeout    time.Duration `yaml:"read_timeout"`
	WriteTimeout   time.Duration `yaml:"write_timeout"`
	IdleTimeout    time.Duration `yaml:"idle_timeout"`
	MaxHeaderBytes int           `yaml:"max_header_bytes"`
	MaxUploadBytes int64         `yaml:"max_upload_bytes"`
	MaxUploads     int           `yaml:"max_uploads"`
}

// TLSConfig makes the gateway serve HTTPS itself.
type TLSConfig struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// LogConfig selects the log format and level.
type LogConfig struct {
	Format string `yaml:"format"` // text | json
	Level  string `yaml:"level"`  // debug | info | warn | error
}

// defaultConfig is what runs without a file: SQLite under ./data, a demo
// platform on localhost.
func defaultConfig() Config {
	return Config{
		Listen:    "127.0.0.1:8080",
		PublicURL: "http://127.0.0.1:8080",
		DataDir:   "data",
		Database:  DatabaseConfig{Driver: "sqlite", DSN: "data/baohan.db"},
		Platforms: []PlatformConfig{{
			Name:      "吉林省公共资源交易一体化平台",
			AppKey:    "finance_demo",
			AppSecret: "change-me",
			NotifyURL: "http://127.0.0.1:9090/gbsapi",
		}},
		API:     APIConfig{Tokens: []string{"change-me-too"}},
		Inbound: InboundConfig{MaxBodyBytes: 1 << 20, TimestampWindow: platform.DefaultWindow, RateLimit: 1000, RateBurst: 2000},
		Log:     LogConfig{Format: "text", Level: "info"},
		HTTP:    defaultHTTP(),

		Institution:  InstitutionConfig{Name: "示例银行股份有限公司", Kind: "bank", Code: "BH"},
		Underwriting: UnderwritingConfig{Rate: "0.005", MinPremium: "100.00", ValidityDays: 180},
		Portal:       PortalConfig{LinkTTL: 90 * 24 * time.Hour},
		Signing:      SigningConfig{Certify: true},
		Console:      ConsoleConfig{SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour},
	}
}

// LoadConfig reads the file at path (none: the defaults) and applies the
// environment (env, as os.Environ gives it), then validates. The embedded
// demo secrets are refused with a file or a listen address other than
// loopback (refuseDemoSecrets).
func LoadConfig(path string, env []string) (Config, error) {
	cfg := defaultConfig()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		// A file that lists platforms replaces the demo platform.
		cfg.Platforms = nil
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
		if cfg.Platforms == nil {
			cfg.Platforms = defaultConfig().Platforms
		}
	}
	if err := applyEnv(&cfg, env); err != nil {
		return cfg, err
	}
	for i := range cfg.Platforms {
		p := &cfg.Platforms[i]
		if p.AppSecretFile != "" {
			b, err := os.ReadFile(p.AppSecretFile)
			if err != nil {
				return cfg, fmt.Errorf("config platforms[%d].appsecret_file: %w", i, err)
			}
			p.AppSecret = strings.TrimSpace(string(b))
		}
	}
	return cfg, errors.Join(cfg.Validate(), refuseDemoSecrets(cfg, path != ""))
}

// Validate checks every key and names the one that is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "want host:port, got %q", c.Listen)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("public_url", "want an absolute http(s) URL, got %q", c.PublicURL)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must not be empty")
	}
	switch c.Database.Driver {
	case "sqlite", "mysql":
	default:
		bad("database.driver", "want sqlite or mysql, got %q", c.Database.Driver)
	}
	if strings.TrimSpace(c.Database.DSN) == "" {
		bad("database.dsn", "must not be empty")
	}
	if len(c.Platforms) == 0 {
		bad("platforms", "at least one platform is needed")
	}
	seen := map[string]bool{}
	for i, p := range c.Platforms {
		key := fmt.Sprintf("platforms[%d]", i)
		if strings.TrimSpace(p.Name) == "" {
			bad(key+".name", "must not be empty")
		}
		if strings.TrimSpace(p.AppKey) == "" {
			bad(key+".appkey", "must not be empty")
		} else if seen[p.AppKey] {
			bad(key+".appkey", "%q is used by another platform", p.AppKey)
		}
		seen[p.AppKey] = true
		if strings.TrimSpace(p.AppSecret) == "" {
			bad(key+".appsecret", "must not be empty (or give appsecret_file)")
		}
		if _, err := parseSources(p.AllowedSources); err != nil {
			bad(key+".allowed_sources", "%v", err)
		}
		if u, err := url.Parse(p.NotifyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(key+".notify_url", "want an absolute http(s) URL, got %q", p.NotifyURL)
		}
	}
	if len(c.API.Tokens) == 0 {
		bad("api.tokens", "at least one token is needed")
	}
	for i, t := range c.API.Tokens {
		if len(strings.TrimSpace(t)) < 8 {
			bad(fmt.Sprintf("api.tokens[%d]", i), "a token needs at least 8 characters")
		}
	}
	if len(c.API.TokenNames) > len(c.API.Tokens) {
		bad("api.token_names", "has %d names for %d tokens", len(c.API.TokenNames), len(c.API.Tokens))
	}
	if c.Inbound.MaxBodyBytes < 1024 {
		bad("inbound.max_body_bytes", "want at least 1024, got %d", c.Inbound.MaxBodyBytes)
	}
	if c.Inbound.RateLimit < 0 || c.Inbound.RateBurst < 0 || (c.Inbound.RateLimit > 0 && c.Inbound.RateBurst < 1) {
		bad("inbound.rate_limit", "want a rate ≥ 0 and, with a rate, a burst ≥ 1; got %v and %d", c.Inbound.RateLimit, c.Inbound.RateBurst)
	}
	if c.Inbound.TimestampWindow < 0 {
		bad("inbound.timestamp_window", "must not be negative")
	}
	switch c.Institution.Kind {
	case "bank", "guarantor", "insurer":
	default:
		bad("institution.kind", "want bank, guarantor or insurer, got %q", c.Institution.Kind)
	}
	if strings.TrimSpace(c.Institution.Name) == "" {
		bad("institution.name", "must not be empty")
	}
	if code := c.Institution.Code; code == "" || len(code) > 20 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		bad("institution.code", "want 1 to 20 upper-case letters or digits, got %q", code)
	}
	if _, err := c.underwriting(); err != nil {
		bad("underwriting", "%s", service.ErrorMessage(err))
	}
	if c.Portal.LinkTTL < time.Hour {
		bad("portal.link_ttl", "want at least 1h, got %s", c.Portal.LinkTTL)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		bad("tls", "cert_file and key_file go together")
	}
	for i, p := range c.HTTP.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				bad(fmt.Sprintf("http.trusted_proxies[%d]", i), "want an IP address or CIDR, got %q", p)
			}
		}
	}
	c.validateServer(bad)
	c.validateSigning(bad)
	if c.Workers.Letters < 0 {
		bad("workers.letters", "must not be negative")
	}
	if c.Workers.Notices < 0 {
		bad("workers.notices", "must not be negative")
	}
	if l := c.Workers.NoticeLease; l != 0 && (l < 2*time.Second || l > 10*time.Minute) {
		bad("workers.notice_lease", "want 2s to 10m (0: 1m), got %s", l)
	}
	if _, err := c.checkerThreshold(); err != nil {
		bad("console.checker_threshold", "want yuan such as 500000.00, got %q", c.Console.CheckerThreshold)
	}
	if d := c.Console.SessionIdle; d < time.Minute || d > 24*time.Hour {
		bad("console.session_idle", "want 1m to 24h, got %s", d)
	}
	if d := c.Console.SessionMax; d < c.Console.SessionIdle || d > 7*24*time.Hour {
		bad("console.session_max", "want from session_idle to 168h, got %s", d)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "want text or json, got %q", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "want debug, info, warn or error, got %q", c.Log.Level)
	}
	return errors.Join(errs...)
}

// underwriting converts the underwriting keys to the service's rules.
func (c *Config) underwriting() (service.Underwriting, error) {
	u := service.Underwriting{Rate: c.Underwriting.Rate, BlockedBidders: c.Underwriting.BlockedBidders, ValidityDays: c.Underwriting.ValidityDays}
	for _, m := range []struct {
		key string
		raw string
		dst *service.Money
	}{{"min_premium", c.Underwriting.MinPremium, &u.MinPremium}, {"max_amount", c.Underwriting.MaxAmount, &u.MaxAmount}, {"exposure_limit", c.Underwriting.ExposureLimit, &u.ExposureLimit}} {
		if strings.TrimSpace(m.raw) == "" {
			continue
		}
		v, err := service.ParseMoney(m.raw)
		if err != nil {
			return u, service.Errorf(service.EINVALID, "%s: want yuan such as 100.00, got %q", m.key, m.raw)
		}
		*m.dst = v
	}
	return u, u.Validate()
}

// checkerThreshold is console.checker_threshold in fen; 0 when off.
func (c *Config) checkerThreshold() (service.Money, error) {
	if strings.TrimSpace(c.Console.CheckerThreshold) == "" {
		return 0, nil
	}
	return service.ParseMoney(c.Console.CheckerThreshold)
}

// apiTokens returns the admin API's tokens with their audit names.
func (c *Config) apiTokens() []handler.APIToken {
	out := make([]handler.APIToken, len(c.API.Tokens))
	for i, t := range c.API.Tokens {
		name := fmt.Sprintf("API令牌#%d", i+1)
		if i < len(c.API.TokenNames) && strings.TrimSpace(c.API.TokenNames[i]) != "" {
			name = strings.TrimSpace(c.API.TokenNames[i])
		}
		out[i] = handler.APIToken{Name: name, Token: strings.TrimSpace(t)}
	}
	return out
}

// Accounts returns the platforms as the protocol layer knows them.
func (c *Config) Accounts() []platform.Account {
	out := make([]platform.Account, len(c.Platforms))
	for i, p := range c.Platforms {
		sources, _ := parseSources(p.AllowedSources) // checked by Validate
		out[i] = platform.Account{Name: p.Name, AppKey: p.AppKey, AppSecret: p.AppSecret, NotifyURL: p.NotifyURL, AllowedSources: sources}
	}
	return out
}

// PlatformInfos names the configured platforms for the service and the
// console: the one place they are made from the configuration.
func (c *Config) PlatformInfos() []service.PlatformInfo {
	var out []service.PlatformInfo
	for _, p := range c.Platforms {
		out = append(out, service.PlatformInfo{AppKey: p.AppKey, Name: p.Name})
	}
	return out
}

// Masked returns a copy fit for the log: secrets, tokens and the database
// password replaced.
func (c Config) Masked() Config {
	m := c
	m.Platforms = append([]PlatformConfig(nil), c.Platforms...)
	for i := range m.Platforms {
		if m.Platforms[i].AppSecret != "" {
			m.Platforms[i].AppSecret = "******"
		}
	}
	m.API.Tokens = make([]string, len(c.API.Tokens))
	for i := range m.API.Tokens {
		m.API.Tokens[i] = "******"
	}
	m.Database.DSN = maskDSN(c.Database.DSN)
	return m
}

// maskDSN hides the password of user:pass@tcp(...)/db.
func maskDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	creds := dsn[:at]
	if colon := strings.Index(creds, ":"); colon >= 0 {
		return creds[:colon] + ":******" + dsn[at:]
	}
	return dsn
}

// parseSources reads addresses and CIDRs as prefixes (an address is a /32 or
// /128).
func parseSources(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("want an IP address or CIDR, got %q", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
