package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/pdf/pdftest"
	"github.com/baohangateway/baohan/platform"
)

// BenchmarkRestoreStorm measures the bid-opening pipeline in one process:
// b.N guarantees issued beforehand, then b.N baohanrestore at once, timed to
// the last restorenotice the (in-process) platform accepts. Profile it with
// -cpuprofile to see where the storm's time goes.
//
//	go test -run '^$' -bench RestoreStorm -benchtime 500x ./cmd/baohan
func BenchmarkRestoreStorm(b *testing.B) { restoreStorm(b, "") }

// BenchmarkRestoreStormTSA is the storm with every signature timestamped by
// a TSA in the same process (goal: at most 1.2 × BenchmarkRestoreStorm).
func BenchmarkRestoreStormTSA(b *testing.B) {
	restoreStorm(b, fmt.Sprintf("signing: {tsa_url: %q, tsa_required: true}\n", pdftest.NewTSA(b).URL))
}

// restoreStorm runs the storm with extra configuration appended.
func restoreStorm(b *testing.B, extra string) {
	var restored atomic.Int64
	var mu sync.Mutex
	done := make(chan struct{})
	want := int64(b.N)
	fp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		params, err := gmcrypto.ParamsFromJSON(body)
		if err != nil || !gmcrypto.Verify(params, serveAppSecret, params["sign"]) {
			w.WriteHeader(400)
			return
		}
		if r.URL.Path == "/gbsapi/restorenotice" {
			if restored.Add(1) == want {
				mu.Lock()
				close(done)
				mu.Unlock()
			}
		}
		fmt.Fprint(w, `{"code":1,"message":"成功"}`)
	}))
	defer fp.Close()
	dir := b.TempDir()
	cfgPath := writeFile(b, "baohan.yaml", fmt.Sprintf(`
listen: 127.0.0.1:0
data_dir: %s
database: {driver: sqlite, dsn: %s}
platforms:
  - {name: 测试平台, appkey: %s, appsecret: %s, notify_url: %q}
api: {tokens: [%s]}
log: {level: warn}
`, dir, filepath.Join(dir, "baohan.db"), serveAppKey, serveAppSecret, fp.URL+"/gbsapi", serveToken)+extra)
	log := &lockedBuffer{}
	addr, stop := startServe(b, []string{"--config", cfgPath}, log)
	defer stop()
	g := &gateway{t: b, base: "http://" + addr, log: log}

	// Issue b.N guarantees.
	type issued struct{ applyNo, baohanNo string }
	all := make([]issued, b.N)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range b.N {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			no := fmt.Sprintf("TBaoHanSTORM%08d%d", i, time.Now().UnixNano()%1000)
			if r := g.call("baohanapply", applyFields(no)); r.Code != 1 {
				b.Errorf("apply: %+v", r)
				return
			}
			st, app := g.admin("POST", "/admin/api/applications/"+no+"/approve", map[string]string{"payername": "吉林省昇喆建筑工程有限公司", "payeraccount": "22050161000800000123"})
			if st != 200 {
				b.Errorf("approve: %d %v", st, app)
				return
			}
			all[i] = issued{no, str(app, "baohanno")}
		}()
	}
	wg.Wait()
	time.Sleep(2 * time.Second) // let the baohannotices drain

	if path := os.Getenv("BAOHAN_STORM_PROFILE"); path != "" { // the storm alone, not the set-up
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	b.ResetTimer()
	start := time.Now()
	for _, is := range all {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := g.call("baohanrestore", map[string]string{"platformcode": "A3205650121", "applyno": is.applyNo, "baohanno": is.baohanNo,
				"kaibiaotime": platform.FormatTime(time.Now()), "key": "eyF5xYB3evZe2Ge+svjKAQ=="})
			if r.Code != 1 {
				b.Errorf("restore: %+v", r)
			}
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Minute):
		b.Fatalf("only %d of %d restorenotices after 10 min", restored.Load(), b.N)
	}
	b.StopTimer()
	el := time.Since(start)
	b.ReportMetric(el.Seconds(), "storm-s")
	b.ReportMetric(float64(b.N)/el.Seconds(), "letters/s")
}
