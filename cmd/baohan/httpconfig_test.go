package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service/servicetest"
)

func TestHTTPConfigDefaultsReachTheServer(t *testing.T) {
	cfg := mustLoad(t, "", nil)
	srv := newServer(http.NotFoundHandler(), cfg.HTTP)
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 3*time.Minute || srv.WriteTimeout != 5*time.Minute ||
		srv.IdleTimeout != 2*time.Minute || srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("server bounds: header %s read %s write %s idle %s max header %d", srv.ReadHeaderTimeout, srv.ReadTimeout,
			srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	if cfg.HTTP.MaxUploadBytes != 20<<20 || cfg.HTTP.MaxUploads != 4 || cfg.Ops.Listen != "" {
		t.Errorf("defaults: %+v, ops %+v", cfg.HTTP, cfg.Ops)
	}
	cfg = mustLoad(t, writeFile(t, "b.yaml", "http:\n  read_timeout: 90s\n  write_timeout: 10m\n  max_upload_bytes: 5242880\nops:\n  listen: 127.0.0.1:9102\n"),
		append([]string{"BAOHAN_HTTP_MAX_UPLOADS=2", "BAOHAN_HTTP_IDLE_TIMEOUT=30s"}, ownSecrets...))
	srv = newServer(http.NotFoundHandler(), cfg.HTTP)
	if srv.ReadTimeout != 90*time.Second || srv.WriteTimeout != 10*time.Minute || srv.IdleTimeout != 30*time.Second ||
		cfg.HTTP.MaxUploadBytes != 5<<20 || cfg.HTTP.MaxUploads != 2 || cfg.Ops.Listen != "127.0.0.1:9102" {
		t.Errorf("configured: %+v, ops %+v", cfg.HTTP, cfg.Ops)
	}
}

func TestHTTPConfigValidate(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{[]string{"BAOHAN_HTTP_READ_TIMEOUT=1s"}, "config http.read_timeout"},
		{[]string{"BAOHAN_HTTP_WRITE_TIMEOUT=5s"}, "config http.write_timeout"},
		{[]string{"BAOHAN_HTTP_IDLE_TIMEOUT=0s"}, "config http.idle_timeout"},
		{[]string{"BAOHAN_HTTP_MAX_HEADER_BYTES=100"}, "config http.max_header_bytes"},
		{[]string{"BAOHAN_HTTP_MAX_UPLOAD_BYTES=1000"}, "config http.max_upload_bytes"},
		{[]string{"BAOHAN_HTTP_MAX_UPLOADS=0"}, "config http.max_uploads"},
		{[]string{"BAOHAN_OPS_LISTEN=9102"}, "config ops.listen"},
		{[]string{"BAOHAN_LISTEN=127.0.0.1:8080", "BAOHAN_OPS_LISTEN=127.0.0.1:8080"}, "config ops.listen: must differ"},
	}
	for _, tt := range tests {
		if _, err := LoadConfig("", tt.env); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want an error naming %q", tt.env, err, tt.want)
		}
	}
}

var opsListeningRE = regexp.MustCompile(`msg="ops listening" addr=(\S+)`)

// TestServeOpsListen: with ops.listen set, /metrics is served there and not
// on listen; the probes answer on both.
func TestServeOpsListen(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, "baohan.yaml", fmt.Sprintf(`
listen: 127.0.0.1:0
data_dir: %s
database: {driver: sqlite, dsn: %s}
platforms:
  - {name: 测试平台, appkey: %s, appsecret: %s, notify_url: "http://127.0.0.1:1/gbsapi"}
api: {tokens: [%s]}
ops: {listen: "127.0.0.1:0"}
`, dir, filepath.Join(dir, "baohan.db"), serveAppKey, serveAppSecret, serveToken))
	log := &servicetest.Log{}
	addr, stop := startServe(t, []string{"--config", cfg}, log)
	m := opsListeningRE.FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no ops listener in the log:\n%s", log)
	}
	ops := m[1]
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + ops + "/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") || !strings.Contains(body, "baohan_") {
		t.Errorf("ops /metrics: HTTP %d\n%.300s", code, body)
	}
	if code, _ := get("http://" + addr + "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on listen with ops.listen set: HTTP %d, want 404", code)
	}
	for _, base := range []string{addr, ops} {
		for _, path := range []string{"/healthz", "/readyz"} {
			if code, body := get("http://" + base + path); code != 200 {
				t.Errorf("%s%s: HTTP %d %s", base, path, code, body)
			}
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Get("http://" + ops + "/healthz"); err == nil {
		t.Error("the ops listener still answers after the stop")
	}
}
