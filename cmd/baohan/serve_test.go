package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service/servicetest"
)

const (
	serveAppKey    = "finance_serve"
	serveAppSecret = "serve-secret-7f3a9c"
	serveToken     = "serve-token-abcdef"
)

// serveConfig writes a configuration listening on a free port, with its data
// in a temporary directory.
func serveConfig(t *testing.T, listen string) string {
	t.Helper()
	dir := t.TempDir()
	return writeFile(t, "baohan.yaml", fmt.Sprintf(`
listen: %s
data_dir: %s
database:
  driver: sqlite
  dsn: %s
platforms:
  - name: 测试平台
    appkey: %s
    appsecret: %s
    notify_url: http://127.0.0.1:1/gbsapi
api:
  tokens: [%s]
`, listen, dir, filepath.Join(dir, "baohan.db"), serveAppKey, serveAppSecret, serveToken))
}

// startServe runs cmdServe until the test ends; it returns the address and
// a function that stops the server and returns cmdServe's result.
func startServe(t testing.TB, args []string, stderr *servicetest.Log) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- cmdServe(ctx, args, nil, &bytes.Buffer{}, stderr, func(a string) { addrc <- a })
	}()
	select {
	case addr = <-addrc:
	case err := <-errc:
		cancel()
		t.Fatalf("cmdServe returned before it was ready: %v\n%s", err, stderr)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("cmdServe not ready after 10s\n%s", stderr)
	}
	var once sync.Once
	var result error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-errc:
			case <-time.After(10 * time.Second):
				result = fmt.Errorf("cmdServe did not return 10s after cancel")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return addr, stop
}

func TestServe(t *testing.T) {
	var stderr servicetest.Log
	addr, stop := startServe(t, []string{"--config", serveConfig(t, "127.0.0.1:0")}, &stderr)
	if host, port, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("ready got address %q, want 127.0.0.1 and a real port", addr)
	}

	params := map[string]string{
		"appkey":       serveAppKey,
		"timestamp":    platform.FormatTime(time.Now()),
		"platformcode": "A3205650121",
		"applyno":      "TBaoHanGBWBH2022022314223517227",
		"biddername":   "江苏国泰测试用单位新疆4建",
		"biddercode":   "123456789987654332",
		"biaoduanno":   "ZQTlFtJoYGGph9ER3ft7rOynfKUgdTF2gGqvpgvv9fk=",
		"biaoduanname": "22yLFrP+hxQKOJe71oMF4Q==",
		"bzjamount":    "20000.00",
		"zbr":          "XhKYCAmA6IqQvH/eDuTabVrzVPeTmWLluA0X4fkU00k=",
	}
	post := func(p map[string]string) (code int, message string) {
		t.Helper()
		body, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post("http://"+addr+"/api/baohanapply", platform.ContentType, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a struct {
			Code    *int   `json:"code"`
			Message string `json:"message"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.Code == nil || resp.StatusCode != 200 {
			t.Fatalf("answer: HTTP %d, %+v, %v", resp.StatusCode, a, err)
		}
		return *a.Code, a.Message
	}

	signedParams := maps.Clone(params)
	signedParams["sign"] = gmcrypto.Sign(params, serveAppSecret)
	if code, msg := post(signedParams); code != 1 {
		t.Errorf("signed baohanapply: got code %d %q, want 1", code, msg)
	}
	badParams := maps.Clone(params)
	badParams["sign"] = gmcrypto.Sign(params, "not-the-secret")
	if code, msg := post(badParams); code != 0 || !strings.Contains(msg, "sign") {
		t.Errorf("badly signed baohanapply: got code %d %q, want 0 naming sign", code, msg)
	}

	if err := stop(); err != nil {
		t.Errorf("cmdServe after cancel: got %v, want nil", err)
	}
	if _, err := http.Post("http://"+addr+"/api/baohanapply", platform.ContentType, strings.NewReader("{}")); err == nil {
		t.Errorf("the server still answers after it stopped")
	}

	logs := stderr.String()
	for _, w := range []string{"listening", "TBaoHanGBWBH2022022314223517227", "shutting down"} {
		if !strings.Contains(logs, w) {
			t.Errorf("log does not contain %q:\n%s", w, logs)
		}
	}
	for _, secret := range []string{serveAppSecret, serveToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("log shows the secret %q:\n%s", secret, logs)
		}
	}
}

func TestServeRefuses(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		desc string
		args []string
		env  []string
		want string
	}{
		{"bad config", []string{"--config", serveConfig(t, "127.0.0.1:0")}, []string{"BAOHAN_LOG_LEVEL=loud"}, "log.level"},
		{"missing config", []string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, nil, "none.yaml"},
		{"port in use", []string{"--config", serveConfig(t, busy.Addr().String())}, nil, "listen " + busy.Addr().String()},
		// A file without an api section leaves no demo token live.
		{"file without api.tokens", []string{"--config", writeFile(t, "noapi.yaml", "listen: 127.0.0.1:0\nplatforms:\n  - {name: P, appkey: k, appsecret: own-secret-0001, notify_url: \"http://127.0.0.1:1/gbsapi\"}\n")},
			nil, "config api.tokens[0]: the embedded demo admin token is never accepted with a configuration file"},
		{"demo secrets on every interface", nil, []string{"BAOHAN_LISTEN=0.0.0.0:0"}, "config platforms[0].appsecret: the embedded demo appsecret is never accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var stderr servicetest.Log
			err := cmdServe(ctx, tt.args, tt.env, &bytes.Buffer{}, &stderr, func(string) { t.Errorf("ready called") })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}

	// An unknown flag is a usage error through run.
	err = run(context.Background(), []string{"serve", "--port", "1"}, nil, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	if err != errUsage {
		t.Errorf("serve --port: got %v, want errUsage", err)
	}
}
