package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service/servicetest"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool trusting the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gateway test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServeTLSProbesAndMetrics runs the gateway on TLS and reads its probes
// and metrics while the counters move.
func TestServeTLSProbesAndMetrics(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	dir := t.TempDir()
	cfg := writeFile(t, "baohan.yaml", fmt.Sprintf(`
listen: 127.0.0.1:0
data_dir: %s
database: {driver: sqlite, dsn: %s}
platforms:
  - {name: 测试平台, appkey: %s, appsecret: %s, notify_url: "http://127.0.0.1:1/gbsapi"}
api: {tokens: [%s]}
tls: {cert_file: %s, key_file: %s}
`, dir, filepath.Join(dir, "baohan.db"), serveAppKey, serveAppSecret, serveToken, certFile, keyFile))
	log := &servicetest.Log{}
	addr, stop := startServe(t, []string{"--config", cfg}, log)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + addr
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	// Plain HTTP on the TLS port is not served.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil && resp.StatusCode == 200 {
		t.Fatal("plain HTTP answered on the TLS listener")
	}
	var ready struct {
		Status string
		Checks []struct {
			Name string
			OK   bool
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get("/readyz")
		json.Unmarshal([]byte(body), &ready)
		if code == 200 || time.Now().After(deadline) {
			if code != 200 || ready.Status != "ready" || len(ready.Checks) != 3 {
				t.Fatalf("/readyz: %d %s", code, body)
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// One accepted and one badly signed request move the counters.
	g := &gateway{t: t, base: base, log: log}
	http.DefaultTransport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
	t.Cleanup(func() { http.DefaultTransport.(*http.Transport).TLSClientConfig = nil })
	if r := g.call("baohanapply", applyFields("TBaoHanOPS0001")); r.Code != 1 {
		t.Fatalf("apply: %+v", r)
	}
	req, _ := http.NewRequest("POST", base+"/api/baohanapply", strings.NewReader(`{"appkey":"`+serveAppKey+`","sign":"00"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		`baohan_platform_requests_total{interface="baohanapply",outcome="accepted"} 1`,
		`baohan_platform_requests_total{interface="baohanapply",outcome="refused"} 1`,
		`baohan_signature_failures_total{platform="` + serveAppKey + `"} 1`,
		`baohan_notice_queue{status="pending"}`,
		`baohan_notice_oldest_undelivered_age_seconds`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, serveAppSecret) {
		t.Error("/metrics shows the appsecret")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
