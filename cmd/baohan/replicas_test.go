package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store/storetest"
)

// countingPlatform accepts every correctly signed notice and counts them by
// interface and applyno, and how many of one notice were in flight at once.
type countingPlatform struct {
	*httptest.Server
	mu         sync.Mutex
	got        map[string]int // interface/applyno → deliveries
	inflight   map[string]int
	concurrent int // the most deliveries of one notice seen at the same time
	bad        int
}

func newCountingPlatform(t *testing.T) *countingPlatform {
	t.Helper()
	p := &countingPlatform{got: map[string]int{}, inflight: map[string]int{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		params, err := gmcrypto.ParamsFromJSON(body)
		key := strings.TrimPrefix(r.URL.Path, "/gbsapi/") + "/" + params["applyno"]
		p.mu.Lock()
		if err != nil || !gmcrypto.Verify(params, serveAppSecret, params["sign"]) {
			p.bad++
			p.mu.Unlock()
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		p.inflight[key]++
		p.concurrent = max(p.concurrent, p.inflight[key])
		p.mu.Unlock()
		time.Sleep(2 * time.Millisecond) // a platform takes a moment: overlaps show
		p.mu.Lock()
		p.inflight[key]--
		p.got[key]++
		p.mu.Unlock()
		fmt.Fprint(w, `{"code":1,"message":"成功"}`)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *countingPlatform) count(prefix string) (notices, deliveries int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, n := range p.got {
		if strings.HasPrefix(k, prefix) {
			notices++
			deliveries += n
		}
	}
	return notices, deliveries
}

// TestTwoReplicasOnMariaDB runs two gateway processes (the real binary) on
// one MariaDB under load: duplicate
// applications sent to both at once make one row, each notice is sent once
// and never by both at the same time, restores sent to either replica all
// get their plaintext letter, and both replicas do part of the work.
func TestTwoReplicasOnMariaDB(t *testing.T) {
	dsn := os.Getenv(storetest.MySQLEnv)
	if dsn == "" {
		t.Skip(storetest.MySQLEnv + " not set: replicas share a MySQL database")
	}
	db := storetest.MySQLDatabase(t, dsn)
	bin := buildBaohan(t)
	fp := newCountingPlatform(t)
	var replicas []*gateway
	for i := range 2 {
		dir := t.TempDir()
		if i == 1 { // one development certificate for both, as a shared signing.cert_file would be
			for _, f := range []string{devCertFile, devKeyFile, devCACertFile} {
				b, err := os.ReadFile(filepath.Join(replicas[0].dataDir, f))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, f), b, 0o600)
			}
		}
		cfg := writeFile(t, fmt.Sprintf("replica%d.yaml", i), fmt.Sprintf(`
listen: 127.0.0.1:0
public_url: http://gateway.test
data_dir: %s
database: {driver: mysql, dsn: %q}
platforms:
  - {name: 测试平台, appkey: %s, appsecret: %s, notify_url: %q}
api: {tokens: [%s]}
workers: {notices: 4, letters: 2}
`, dir, db, serveAppKey, serveAppSecret, fp.URL+"/gbsapi", serveToken))
		log := &servicetest.Log{}
		p := startProcess(t, bin, cfg, log)
		t.Cleanup(p.stop)
		replicas = append(replicas, &gateway{t: t, base: p.base, log: log, dataDir: dir})
	}

	const n = 60
	nos := make([]string, n)
	baohanNos := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		nos[i] = fmt.Sprintf("TBaoHanREPL%s%05d", time.Now().Format("150405"), i)
		// The same application to both replicas at once: one row, one answer.
		urls := make([]string, 2)
		for r := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := replicas[r].call("baohanapply", applyFields(nos[i]))
				if res.Code != 1 {
					t.Errorf("apply %s on replica %d: %+v", nos[i], r, res)
				}
				urls[r] = res.Data["redirecturl"]
			}()
		}
		wg.Wait()
		if urls[0] != urls[1] {
			t.Fatalf("%s answered differently by the replicas: %v", nos[i], urls)
		}
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, app := replicas[i%2].admin("POST", "/admin/api/applications/"+nos[i]+"/approve",
				map[string]string{"payername": "吉林省昇喆建筑工程有限公司", "payeraccount": "22050161000800000123"})
			if st != 200 {
				t.Errorf("approve %s: %d %v", nos[i], st, app)
			}
			baohanNos[i] = str(app, "baohanno")
		}()
	}
	wg.Wait()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := replicas[(i+1)%2].call("baohanrestore", map[string]string{"platformcode": "A3205650121", "applyno": nos[i],
				"baohanno": baohanNos[i], "kaibiaotime": platform.FormatTime(time.Now()), "key": "eyF5xYB3evZe2Ge+svjKAQ=="})
			if r.Code != 1 {
				t.Errorf("restore %s: %+v", nos[i], r)
			}
		}()
	}
	wg.Wait()

	deadline := time.Now().Add(60 * time.Second)
	for {
		notices, _ := fp.count("restorenotice/")
		if notices == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive now
	for _, iface := range []string{"baohannotice/", "restorenotice/"} {
		notices, deliveries := fp.count(iface)
		if notices != n || deliveries != n {
			t.Errorf("%s %d notices in %d deliveries, want %d once each", iface, notices, deliveries, n)
		}
	}
	fp.mu.Lock()
	concurrent, bad := fp.concurrent, fp.bad
	fp.mu.Unlock()
	if concurrent > 1 || bad > 0 {
		t.Errorf("one notice sent %d times at once; %d badly signed", concurrent, bad)
	}
	for i, g := range replicas {
		if !strings.Contains(g.log.String(), "notice delivered") {
			t.Errorf("replica %d delivered no notice: the work is not shared", i)
		}
		// The counters moved with the load, on each replica.
		code, _, metrics := g.get(g.base + "/metrics")
		for _, want := range []string{`baohan_platform_requests_total{interface="baohanapply",outcome="accepted"}`,
			`baohan_platform_requests_total{interface="baohanrestore",outcome="accepted"}`,
			`baohan_notice_attempts_total{interface="restorenotice",outcome="accepted"}`,
			`baohan_letter_render_seconds_count{kind="plain_letter"}`} {
			if code != 200 || !bytes.Contains(metrics, []byte(want)) {
				t.Errorf("replica %d: /metrics lacks %s", i, want)
			}
		}
	}
	if a, b := strings.Count(replicas[0].log.String(), "FIRST START"), strings.Count(replicas[1].log.String(), "FIRST START"); a+b != 1 {
		t.Errorf("first administrator created %d times", a+b)
	}
}
