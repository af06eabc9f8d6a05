package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service/servicetest"
)

// TestGracefulShutdownDuringBurst stops the gateway (as SIGTERM does) in the
// middle of a burst of approvals: every request that reached it gets its
// whole answer, later ones are refused at the door, and after a restart on
// the same database every approval's notice arrives — none lost.
func TestGracefulShutdownDuringBurst(t *testing.T) {
	fp := newCountingPlatform(t)
	dir := t.TempDir()
	cfg := writeFile(t, "baohan.yaml", fmt.Sprintf(`
listen: 127.0.0.1:0
public_url: http://gateway.test
data_dir: %s
database: {driver: sqlite, dsn: %s}
platforms:
  - {name: 测试平台, appkey: %s, appsecret: %s, notify_url: %q}
api: {tokens: [%s]}
`, dir, filepath.Join(dir, "baohan.db"), serveAppKey, serveAppSecret, fp.URL+"/gbsapi", serveToken))
	log := &servicetest.Log{}
	addr, stop := startServe(t, []string{"--config", cfg}, log)
	g := &gateway{t: t, base: "http://" + addr, log: log}

	const n = 80
	nos := make([]string, n)
	for i := range n {
		nos[i] = fmt.Sprintf("TBaoHanSHUT%s%04d", time.Now().Format("150405"), i)
		if r := g.call("baohanapply", applyFields(nos[i])); r.Code != 1 {
			t.Fatalf("apply: %+v", r)
		}
	}

	// A new connection per request: a request is either taken in by the
	// server, and then answered in full, or refused at the door.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var (
		mu       sync.Mutex
		approved = map[string]bool{}
		refused  int
		answered int
	)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	stopped := make(chan error, 1)
	for i := range n {
		if i == n/2 {
			go func() { stopped <- stop() }()
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, _ := http.NewRequest("POST", g.base+"/admin/api/applications/"+nos[i]+"/approve",
				jsonBody(map[string]string{"payername": "吉林省昇喆建筑工程有限公司", "payeraccount": "22050161000800000123"}))
			req.Header.Set("Authorization", "Bearer "+serveToken)
			resp, err := client.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				// Refused at the door, or reset while still in the listen
				// queue: the server never took the request in. Whether it
				// did is checked after the restart.
				refused++
				return
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Errorf("approve %s: incomplete answer: %v", nos[i], err)
				return
			}
			answered++
			if resp.StatusCode == http.StatusOK {
				approved[nos[i]] = true
			}
		}()
	}
	wg.Wait()
	if err := <-stopped; err != nil {
		t.Fatalf("serve did not stop cleanly: %v", err)
	}
	t.Logf("%d approvals answered before the stop, %d refused after it", answered, refused)
	if answered == 0 || refused == 0 {
		t.Fatalf("the stop did not fall inside the burst (%d answered, %d refused)", answered, refused)
	}

	// Restart and approve the rest. An approval that got no answer must not
	// have taken effect (409 now would mean it was done and its answer cut
	// off); then every approval's notice arrives.
	addr, _ = startServe(t, []string{"--config", cfg}, log)
	g.base = "http://" + addr
	for _, no := range nos {
		if !approved[no] {
			if st, body := g.admin("POST", "/admin/api/applications/"+no+"/approve",
				map[string]string{"payername": "吉林省昇喆建筑工程有限公司", "payeraccount": "22050161000800000123"}); st != 200 {
				t.Errorf("approve %s after the restart: %d %v (the first approval was cut off after it took effect)", no, st, body)
			}
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		notices, _ := fp.count("baohannotice/")
		if notices == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	notices, deliveries := fp.count("baohannotice/")
	if notices != n || deliveries != n {
		t.Fatalf("%d of %d notices arrived in %d deliveries, want each once", notices, n, deliveries)
	}
}

func jsonBody(v any) *bytes.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}
