package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeFile writes content to name in a fresh temporary directory and
// returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustLoad loads the configuration or fails the test.
func mustLoad(t *testing.T, path string, env []string) Config {
	t.Helper()
	cfg, err := LoadConfig(path, env)
	if err != nil {
		t.Fatalf("LoadConfig(%q, %q): %v", path, env, err)
	}
	return cfg
}

// twoPlatforms is a complete configuration file; %s is the path of the
// second platform's appsecret file.
const twoPlatforms = `
listen: 0.0.0.0:8443
public_url: https://baohan.bank.example.com
database:
  driver: mysql
  dsn: baohan:db-pass-5678@tcp(db:3306)/baohan?parseTime=true
platforms:
  - name: 吉林省公共资源交易一体化平台
    appkey: finance_jilin
    appsecret: jilin-secret-0001
    notify_url: https://ggzy.jl.gov.cn/gbsapi
  - name: 长春市公共资源交易中心
    appkey: finance_changchun
    appsecret_file: %s
    notify_url: http://cc.example.com/api/
api:
  tokens: [token-aaaa-1111, token-bbbb-2222]
  token_names: [运维, 监控]
inbound:
  max_body_bytes: 2097152
  timestamp_window: 10m
log:
  format: json
  level: debug
`

func twoPlatformsFile(t *testing.T) string {
	t.Helper()
	secret := writeFile(t, "changchun.secret", "  changchun-secret-0002\n")
	return writeFile(t, "baohan.yaml", fmt.Sprintf(twoPlatforms, secret))
}

func TestLoadConfigFile(t *testing.T) {
	cfg := mustLoad(t, twoPlatformsFile(t), nil)
	tests := []struct {
		key       string
		got, want any
	}{
		{"listen", cfg.Listen, "0.0.0.0:8443"},
		{"public_url", cfg.PublicURL, "https://baohan.bank.example.com"},
		{"database.driver", cfg.Database.Driver, "mysql"},
		{"database.dsn", cfg.Database.DSN, "baohan:db-pass-5678@tcp(db:3306)/baohan?parseTime=true"},
		{"len(platforms)", len(cfg.Platforms), 2},
		{"platforms[0].name", cfg.Platforms[0].Name, "吉林省公共资源交易一体化平台"},
		{"platforms[0].appkey", cfg.Platforms[0].AppKey, "finance_jilin"},
		{"platforms[0].appsecret", cfg.Platforms[0].AppSecret, "jilin-secret-0001"},
		{"platforms[0].notify_url", cfg.Platforms[0].NotifyURL, "https://ggzy.jl.gov.cn/gbsapi"},
		{"platforms[1].appkey", cfg.Platforms[1].AppKey, "finance_changchun"},
		{"platforms[1].appsecret (from the file, trimmed)", cfg.Platforms[1].AppSecret, "changchun-secret-0002"},
		{"platforms[1].notify_url", cfg.Platforms[1].NotifyURL, "http://cc.example.com/api/"},
		{"api.tokens", cfg.API.Tokens, []string{"token-aaaa-1111", "token-bbbb-2222"}},
		{"api.token_names", cfg.API.TokenNames, []string{"运维", "监控"}},
		{"inbound.max_body_bytes", cfg.Inbound.MaxBodyBytes, int64(2 << 20)},
		{"inbound.timestamp_window", cfg.Inbound.TimestampWindow, 10 * time.Minute},
		{"log.format", cfg.Log.Format, "json"},
		{"log.level", cfg.Log.Level, "debug"},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s got %#v, want %#v", tt.key, tt.got, tt.want)
		}
	}

	accts := cfg.Accounts()
	if len(accts) != 2 || accts[1].AppKey != "finance_changchun" || accts[1].AppSecret != "changchun-secret-0002" ||
		accts[0].Name != "吉林省公共资源交易一体化平台" || accts[0].NotifyURL != "https://ggzy.jl.gov.cn/gbsapi" {
		t.Errorf("Accounts() got %+v", accts)
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	for _, tt := range []struct {
		desc string
		path func(t *testing.T) string
	}{
		{"no file", func(*testing.T) string { return "" }},
		// A file fills in every key it leaves out; the demo secrets among
		// them need setting (TestDemoSecretsOnlyInTheDemo).
		{"empty file", func(t *testing.T) string { return writeFile(t, "empty.yaml", "") }},
		{"comments only", func(t *testing.T) string { return writeFile(t, "c.yaml", "# nothing set\n") }},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			cfg := mustLoad(t, tt.path(t), ownSecrets)
			want := defaultConfig()
			want.Platforms[0].AppSecret, want.API.Tokens = "own-secret-0001", []string{"own-token-0001"}
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("got %+v\nwant the defaults %+v", cfg, want)
			}
		})
	}
	def := defaultConfig()
	if err := def.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
	if def.Inbound.TimestampWindow != 30*time.Minute || def.Inbound.MaxBodyBytes != 1<<20 {
		t.Errorf("inbound defaults got %+v", def.Inbound)
	}
}

// ownSecrets replaces both demo secrets of the embedded defaults.
var ownSecrets = []string{"BAOHAN_PLATFORMS_0_APPSECRET=own-secret-0001", "BAOHAN_API_TOKENS=own-token-0001"}

func TestLoadConfigFileWithoutPlatformsKeepsTheDemo(t *testing.T) {
	cfg := mustLoad(t, writeFile(t, "b.yaml", "listen: 127.0.0.1:9000\n"), ownSecrets)
	if cfg.Listen != "127.0.0.1:9000" {
		t.Errorf("listen got %q", cfg.Listen)
	}
	want := defaultConfig().Platforms
	want[0].AppSecret = "own-secret-0001"
	if !reflect.DeepEqual(cfg.Platforms, want) {
		t.Errorf("platforms got %+v, want the demo platform with its own secret", cfg.Platforms)
	}
}

// The demo appsecret and admin token work only without a file and on
// loopback; otherwise the start is refused naming each key to set.
func TestDemoSecretsOnlyInTheDemo(t *testing.T) {
	ownPlatform := `
platforms:
  - name: 吉林省公共资源交易一体化平台
    appkey: finance_jilin
    appsecret: jilin-secret-0001
    notify_url: https://ggzy.jl.gov.cn/gbsapi
`
	const (
		secretKey = "config platforms[0].appsecret: the embedded demo appsecret is never accepted"
		tokenKey  = "config api.tokens[0]: the embedded demo admin token is never accepted"
	)
	tests := []struct {
		desc    string
		file    string // "": no file
		env     []string
		want    []string // what the error says; none: accepted
		refused []string // keys the error must not name
	}{
		{"no file, loopback", "", nil, nil, nil},
		{"no file, localhost", "", []string{"BAOHAN_LISTEN=localhost:8080"}, nil, nil},
		{"no file, IPv6 loopback", "", []string{"BAOHAN_LISTEN=[::1]:8080"}, nil, nil},
		{"no file, every interface", "", []string{"BAOHAN_LISTEN=0.0.0.0:8080"},
			[]string{secretKey, tokenKey, "listen (0.0.0.0:8080) is not a loopback address", "BAOHAN_PLATFORMS_0_APPSECRET", "BAOHAN_API_TOKENS"}, nil},
		{"no file, empty host", "", []string{"BAOHAN_LISTEN=:8080"}, []string{secretKey, tokenKey}, nil},
		{"no file, a LAN address, own token", "", []string{"BAOHAN_LISTEN=10.1.2.3:8080", "BAOHAN_API_TOKENS=own-token-0001"},
			[]string{secretKey}, []string{"api.tokens"}},
		{"no file, a LAN address, own secrets", "", append([]string{"BAOHAN_LISTEN=10.1.2.3:8080"}, ownSecrets...), nil, nil},
		{"empty file", "\n", nil, []string{secretKey, tokenKey, "with a configuration file"}, nil},
		{"platforms but no api section", ownPlatform, nil, []string{tokenKey, "api.tokens (or BAOHAN_API_TOKENS)"}, []string{"appsecret"}},
		{"platforms, token from the environment", ownPlatform, []string{"BAOHAN_API_TOKENS=own-token-0001"}, nil, nil},
		{"the demo token written out", ownPlatform + "api:\n  tokens: [own-token-0001, change-me-too]\n", nil,
			[]string{"config api.tokens[1]: the embedded demo admin token"}, []string{"api.tokens[0]"}},
		{"the demo token from the environment", ownPlatform, []string{"BAOHAN_API_TOKENS=change-me-too"}, []string{tokenKey}, nil},
		{"api but no platforms", "api:\n  tokens: [own-token-0001]\n", nil,
			[]string{secretKey, "platforms[0].appsecret_file or BAOHAN_PLATFORMS_0_APPSECRET"}, []string{"api.tokens"}},
		{"the demo appsecret written out", "platforms:\n  - {name: P, appkey: k, appsecret: change-me, notify_url: https://p.example.com/gbsapi}\napi:\n  tokens: [own-token-0001]\n",
			nil, []string{secretKey}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, "baohan.yaml", tt.file)
			}
			_, err := LoadConfig(path, tt.env)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want it accepted", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want an error saying %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			for _, r := range tt.refused {
				if strings.Contains(err.Error(), r) {
					t.Errorf("error %q names %q, which is set", err, r)
				}
			}
		})
	}
}

func TestLoadConfigEnv(t *testing.T) {
	env := []string{
		"PATH=/usr/bin",
		"HOME=/root",
		"BAOHAN_LISTEN=127.0.0.1:9999",
		"BAOHAN_DATABASE_DSN=baohan:env-pass@tcp(db2:3306)/baohan",
		"BAOHAN_PLATFORMS_0_APPSECRET=secret-from-env",
		"BAOHAN_PLATFORMS_1_NOTIFY_URL=https://cc2.example.com/api",
		"BAOHAN_API_TOKENS= token-env-aaaa , token-env-bbbb,,",
		"BAOHAN_INBOUND_TIMESTAMP_WINDOW=5m",
		"BAOHAN_INBOUND_MAX_BODY_BYTES=4096",
		"BAOHAN_LOG_LEVEL=warn",
		"BAOHAN_TEST_MYSQL_DSN=ignored:by@tcp(test)/config",
	}
	cfg := mustLoad(t, twoPlatformsFile(t), env)
	tests := []struct {
		key       string
		got, want any
	}{
		{"listen", cfg.Listen, "127.0.0.1:9999"},
		{"database.dsn", cfg.Database.DSN, "baohan:env-pass@tcp(db2:3306)/baohan"},
		{"database.driver (file)", cfg.Database.Driver, "mysql"},
		{"platforms[0].appsecret", cfg.Platforms[0].AppSecret, "secret-from-env"},
		{"platforms[0].appkey (file)", cfg.Platforms[0].AppKey, "finance_jilin"},
		{"platforms[1].notify_url", cfg.Platforms[1].NotifyURL, "https://cc2.example.com/api"},
		{"platforms[1].appsecret (file)", cfg.Platforms[1].AppSecret, "changchun-secret-0002"},
		{"api.tokens", cfg.API.Tokens, []string{"token-env-aaaa", "token-env-bbbb"}},
		{"inbound.timestamp_window", cfg.Inbound.TimestampWindow, 5 * time.Minute},
		{"inbound.max_body_bytes", cfg.Inbound.MaxBodyBytes, int64(4096)},
		{"log.level", cfg.Log.Level, "warn"},
		{"log.format (file)", cfg.Log.Format, "json"},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s got %#v, want %#v", tt.key, tt.got, tt.want)
		}
	}
}

func TestLoadConfigEnvCommaList(t *testing.T) {
	// "a,b" is a list of two; both are too short to be tokens.
	cfg, err := LoadConfig("", []string{"BAOHAN_API_TOKENS=a,b"})
	if got, want := cfg.API.Tokens, []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("api.tokens got %q, want %q", got, want)
	}
	for _, key := range []string{"api.tokens[0]", "api.tokens[1]"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("got %v, want an error naming %s", err, key)
		}
	}
}

func TestLoadConfigEnvAppendsAPlatform(t *testing.T) {
	env := []string{
		"BAOHAN_PLATFORMS_1_NAME=第二平台",
		"BAOHAN_PLATFORMS_1_APPKEY=finance_second",
		"BAOHAN_PLATFORMS_1_APPSECRET=second-secret",
		"BAOHAN_PLATFORMS_1_NOTIFY_URL=https://second.example.com/gbsapi",
	}
	cfg := mustLoad(t, "", env)
	if len(cfg.Platforms) != 2 {
		t.Fatalf("got %d platforms, want 2", len(cfg.Platforms))
	}
	want := PlatformConfig{Name: "第二平台", AppKey: "finance_second", AppSecret: "second-secret", NotifyURL: "https://second.example.com/gbsapi"}
	if !reflect.DeepEqual(cfg.Platforms[1], want) {
		t.Errorf("platforms[1] got %+v, want %+v", cfg.Platforms[1], want)
	}
	if !reflect.DeepEqual(cfg.Platforms[0], defaultConfig().Platforms[0]) {
		t.Errorf("platforms[0] got %+v, want the demo platform", cfg.Platforms[0])
	}
}

func TestLoadConfigEnvRefused(t *testing.T) {
	tests := []struct {
		env  string
		want []string
	}{
		{"BAOHAN_LISTN=127.0.0.1:1", []string{"BAOHAN_LISTN", "no such configuration key"}},
		{"BAOHAN_PLATFORMS_0_APPSCRET=x", []string{"BAOHAN_PLATFORMS_0_APPSCRET", "no such configuration key"}},
		{"BAOHAN_PLATFORMS_5_APPKEY=x", []string{"BAOHAN_PLATFORMS_5_APPKEY", "no such configuration key"}},
		{"BAOHAN_DATABASE=x", []string{"BAOHAN_DATABASE", "no such configuration key"}},
		{"BAOHAN_INBOUND_TIMESTAMP_WINDOW=5", []string{"BAOHAN_INBOUND_TIMESTAMP_WINDOW", "duration"}},
		{"BAOHAN_INBOUND_MAX_BODY_BYTES=1MB", []string{"BAOHAN_INBOUND_MAX_BODY_BYTES", "whole number"}},
	}
	for _, tt := range tests {
		_, err := LoadConfig("", []string{tt.env})
		if err == nil {
			t.Errorf("LoadConfig with %s: got nil, want an error", tt.env)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("LoadConfig with %s: error %q does not contain %q", tt.env, err, w)
			}
		}
	}
}

func TestLoadConfigFileRefused(t *testing.T) {
	tests := []struct {
		desc    string
		content string
		want    string
	}{
		{"unknown key", "listn: 127.0.0.1:1\n", "listn"},
		{"unknown nested key", "database:\n  drvier: mysql\n", "drvier"},
		{"bad duration", "inbound:\n  timestamp_window: soon\n", "line 2"},
		{"not YAML", "listen: [\n", "baohan.yaml"},
	}
	for _, tt := range tests {
		_, err := LoadConfig(writeFile(t, "baohan.yaml", tt.content), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.desc, err, tt.want)
		}
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: got %v, want an error naming it", err)
	}
	missing := filepath.Join(t.TempDir(), "no.secret")
	_, err := LoadConfig(writeFile(t, "s.yaml", fmt.Sprintf(twoPlatforms, missing)), nil)
	if err == nil || !strings.Contains(err.Error(), "platforms[1].appsecret_file") {
		t.Errorf("missing appsecret_file: got %v, want an error naming platforms[1].appsecret_file", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		desc string
		env  []string
		want string // the key the error names
	}{
		{"bad driver", []string{"BAOHAN_DATABASE_DRIVER=postgres"}, "config database.driver"},
		{"empty dsn", []string{"BAOHAN_DATABASE_DSN= "}, "config database.dsn"},
		{"empty appkey", []string{"BAOHAN_PLATFORMS_0_APPKEY="}, "config platforms[0].appkey"},
		{"duplicate appkey", []string{"BAOHAN_PLATFORMS_1_APPKEY=finance_jilin"}, "config platforms[1].appkey"},
		{"empty appsecret", []string{"BAOHAN_PLATFORMS_0_APPSECRET="}, "config platforms[0].appsecret"},
		{"empty name", []string{"BAOHAN_PLATFORMS_0_NAME="}, "config platforms[0].name"},
		{"notify_url not a URL", []string{"BAOHAN_PLATFORMS_0_NOTIFY_URL=ggzy.jl.gov.cn/gbsapi"}, "config platforms[0].notify_url"},
		{"notify_url ftp", []string{"BAOHAN_PLATFORMS_1_NOTIFY_URL=ftp://ggzy.jl.gov.cn/gbsapi"}, "config platforms[1].notify_url"},
		{"notify_url without host", []string{"BAOHAN_PLATFORMS_0_NOTIFY_URL=https:///gbsapi"}, "config platforms[0].notify_url"},
		{"short token", []string{"BAOHAN_API_TOKENS=token-long-enough,short"}, "config api.tokens[1]"},
		{"no token", []string{"BAOHAN_API_TOKENS="}, "config api.tokens"},
		{"too many token names", []string{"BAOHAN_API_TOKEN_NAMES=a,b,c"}, "config api.token_names"},
		{"listen without port", []string{"BAOHAN_LISTEN=127.0.0.1"}, "config listen"},
		{"relative public_url", []string{"BAOHAN_PUBLIC_URL=/baohan"}, "config public_url"},
		{"small max body", []string{"BAOHAN_INBOUND_MAX_BODY_BYTES=100"}, "config inbound.max_body_bytes"},
		{"negative window", []string{"BAOHAN_INBOUND_TIMESTAMP_WINDOW=-1m"}, "config inbound.timestamp_window"},
		{"log format", []string{"BAOHAN_LOG_FORMAT=xml"}, "config log.format"},
		{"log level", []string{"BAOHAN_LOG_LEVEL=trace"}, "config log.level"},
	}
	path := twoPlatformsFile(t)
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := LoadConfig(path, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}

	// Every problem is reported, not only the first.
	_, err := LoadConfig(path, []string{"BAOHAN_DATABASE_DRIVER=oracle", "BAOHAN_LOG_LEVEL=loud"})
	for _, key := range []string{"database.driver", "log.level", `"oracle"`, `"loud"`} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("got %v, want an error naming %s", err, key)
		}
	}

	// A file that empties the platform list is refused.
	_, err = LoadConfig(writeFile(t, "p.yaml", "platforms: []\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "config platforms") {
		t.Errorf("platforms: []: got %v, want an error naming platforms", err)
	}
}

func TestConfigMasked(t *testing.T) {
	cfg := mustLoad(t, twoPlatformsFile(t), nil)
	m := cfg.Masked()

	for i, p := range m.Platforms {
		if p.AppSecret != "******" {
			t.Errorf("platforms[%d].appsecret got %q, want ******", i, p.AppSecret)
		}
	}
	if !slices.Equal(m.API.Tokens, []string{"******", "******"}) {
		t.Errorf("api.tokens got %q", m.API.Tokens)
	}
	if got, want := m.Database.DSN, "baohan:******@tcp(db:3306)/baohan?parseTime=true"; got != want {
		t.Errorf("database.dsn got %q, want %q", got, want)
	}
	if m.Platforms[0].AppKey != "finance_jilin" || m.Listen != cfg.Listen || !slices.Equal(m.API.TokenNames, cfg.API.TokenNames) {
		t.Errorf("Masked changed what is not secret: %+v", m)
	}
	printed := fmt.Sprintf("%+v", m)
	for _, secret := range []string{"jilin-secret-0001", "changchun-secret-0002", "token-aaaa-1111", "token-bbbb-2222", "db-pass-5678"} {
		if strings.Contains(printed, secret) {
			t.Errorf("the masked config shows %q: %s", secret, printed)
		}
	}
	// The original is untouched.
	if cfg.Platforms[0].AppSecret != "jilin-secret-0001" || cfg.API.Tokens[0] != "token-aaaa-1111" || !strings.Contains(cfg.Database.DSN, "db-pass-5678") {
		t.Errorf("Masked modified the original: %+v", cfg)
	}
}

func TestMaskDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"baohan:pw@tcp(db:3306)/baohan", "baohan:******@tcp(db:3306)/baohan"},
		{"baohan:p@ss:w0rd@tcp(db:3306)/baohan", "baohan:******@tcp(db:3306)/baohan"},
		{"baohan@tcp(db:3306)/baohan", "baohan@tcp(db:3306)/baohan"},
		{"data/baohan.db", "data/baohan.db"},
		{"file:data/baohan.db?_pragma=busy_timeout(5000)", "file:data/baohan.db?_pragma=busy_timeout(5000)"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := maskDSN(tt.dsn); got != tt.want {
			t.Errorf("maskDSN(%q) got %q, want %q", tt.dsn, got, tt.want)
		}
	}
}
