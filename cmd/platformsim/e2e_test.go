package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/internal/text"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store/storetest"
)

// The end-to-end tests build the real gateway (cmd/baohan) with go build,
// run it as a process on SQLite and, with BAOHAN_TEST_MYSQL_DSN, on MariaDB,
// and play the platform against it with the conformance run.

const (
	e2eAppKey = "finance_e2e"
	e2eSecret = "e2e-secret-5f0c2a"
	e2eToken  = "e2e-admin-token-1234"
	e2ePublic = "http://gateway.test"
)

// buildGateway builds cmd/baohan into a temporary directory.
func buildGateway(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "baohan")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/baohangateway/baohan/cmd/baohan")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/baohan: %v\n%s", err, out)
	}
	return bin
}

// startGateway runs `baohan serve` on a config of its own and returns its
// base URL once it listens; the process is stopped (SIGINT) when the test
// ends and must exit cleanly.
func startGateway(t *testing.T, bin, driver, dsn, notifyURL string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "baohan.yaml")
	conf := fmt.Sprintf(`listen: 127.0.0.1:0
public_url: %s
data_dir: %s
database:
  driver: %s
  dsn: %q
platforms:
  - name: 模拟交易平台
    appkey: %s
    appsecret: %s
    notify_url: %s
api:
  tokens: [%s]
  token_names: [platformsim]
log:
  format: json
`, e2ePublic, filepath.Join(dir, "data"), driver, dsn, e2eAppKey, e2eSecret, notifyURL, e2eToken)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", cfg)
	cmd.Dir = dir
	for _, kv := range os.Environ() { // the gateway reads BAOHAN_* as configuration
		if !strings.HasPrefix(kv, "BAOHAN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	log := &servicetest.Log{}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			log.Write(append(append([]byte(nil), line...), '\n'))
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" && rec.Addr != "" {
				select {
				case addrc <- rec.Addr:
				default:
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("baohan serve did not exit cleanly: %v\n%s", err, text.Clip(log.String(), 4000))
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("baohan serve did not stop 30 s after SIGINT")
		}
		if strings.Contains(log.String(), e2eSecret) || strings.Contains(log.String(), e2eToken) {
			t.Errorf("the gateway's log shows a secret")
		}
	})
	select {
	case addr := <-addrc:
		return "http://" + addr
	case err := <-exited:
		t.Fatalf("baohan serve exited before listening: %v\n%s", err, log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("baohan serve not listening after 60 s\n%s", log.String())
	}
	return ""
}

// engines lists the databases the end-to-end run uses.
func engines(t *testing.T) []struct {
	name string
	open func(t *testing.T) (driver, dsn string)
} {
	e := []struct {
		name string
		open func(t *testing.T) (driver, dsn string)
	}{{"sqlite", func(t *testing.T) (string, string) { return "sqlite", filepath.Join(t.TempDir(), "baohan.db") }}}
	if dsn := os.Getenv(storetest.MySQLEnv); dsn != "" {
		e = append(e, struct {
			name string
			open func(t *testing.T) (driver, dsn string)
		}{"mysql", func(t *testing.T) (string, string) { return "mysql", storetest.MySQLDatabase(t, dsn) }})
	}
	return e
}

// simulate runs the simulator in mode against a fresh gateway and returns
// its output and error.
func simulate(t *testing.T, bin, driver, dsn string, extra ...string) (string, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, bin, driver, dsn, "http://"+ln.Addr().String()+"/gbsapi")
	args := append([]string{"conformance", "-gateway", base, "-public-url", e2ePublic,
		"-appkey", e2eAppKey, "-appsecret", e2eSecret, "-token", e2eToken, "-wait", "60s"}, extra...)
	var out servicetest.Log
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	err = run(ctx, args, &out, &out, ln)
	return out.String(), err
}

func TestConformanceAgainstGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the gateway")
	}
	bin := buildGateway(t)
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			driver, dsn := e.open(t)
			out, err := simulate(t, bin, driver, dsn)
			if err != nil {
				t.Fatalf("conformance run: %v\n%s", err, out)
			}
			for _, want := range []string{"未发现协议问题", "baohannotice", "restorenotice", "invoicenotice", "quitnotice", "giveupapply"} {
				if !strings.Contains(out, want) {
					t.Errorf("the output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	// A gateway that signs its notices with another secret than the platform
	// checks them with must fail the run loudly, naming the signature.
	t.Run("wrong notice signature", func(t *testing.T) {
		out, err := simulate(t, bin, "sqlite", filepath.Join(t.TempDir(), "baohan.db"), "-notice-secret", "not-the-gateways-secret", "-wait", "20s")
		if !errors.Is(err, errDeviations) {
			t.Fatalf("run = %v, want errDeviations\n%s", err, out)
		}
		for _, want := range []string{"签名校验失败（字段 sign）", "baohannotice", "giveupapply"} {
			if !strings.Contains(out, want) {
				t.Errorf("the output lacks %q:\n%s", want, out)
			}
		}
	})
}
