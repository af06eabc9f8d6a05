package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
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

// TestKilledDuringApplies checks, on SQLite and (with BAOHAN_TEST_MYSQL_DSN)
// MariaDB, that every baohanapply answered with code 1 was committed before
// the answer left: the gateway is killed (SIGKILL) in the middle of a burst
// of applications and restarted on the same database, and each application
// answered before the kill is sent again. Its answer must be the one given
// before the kill, redirecturl included: that URL holds a portal token drawn
// at random when the application is created, so an application the kill had
// lost would be created anew and answered with another token.
//
// A process kill keeps what reached the kernel; that a commit also reached
// the disk is the engine's setting, which the store sets for SQLite
// (synchronous FULL, TestSQLiteDSN) and checks on MySQL at start-up
// (TestMySQLDurabilityWarnings).
func TestKilledDuringApplies(t *testing.T) {
	engines := map[string]func(t *testing.T) (string, string){
		"sqlite": func(t *testing.T) (string, string) {
			return "sqlite", filepath.Join(t.TempDir(), "baohan.db")
		},
	}
	if dsn := os.Getenv(storetest.MySQLEnv); dsn != "" {
		engines["mysql"] = func(t *testing.T) (string, string) { return "mysql", storetest.MySQLDatabase(t, dsn) }
	}
	bin := buildBaohan(t)
	for name, db := range engines {
		t.Run(name, func(t *testing.T) {
			driver, dsn := db(t)
			killedDuringApplies(t, bin, driver, dsn)
		})
	}
}

func killedDuringApplies(t *testing.T, bin, driver, dsn string) {
	const (
		apps     = 400
		killAt   = apps / 2
		parallel = 16
	)
	dir := t.TempDir()
	cfg := crashConfig(t, dir, "http://127.0.0.1:1/gbsapi", 3*time.Second)
	raw, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(raw), "driver: sqlite\n  dsn: "+filepath.Join(dir, "baohan.db"), fmt.Sprintf("driver: %s\n  dsn: %q", driver, dsn), 1)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	log := &servicetest.Log{}
	p := startProcess(t, bin, cfg, log)

	var (
		mu       sync.Mutex
		answered = map[string]string{} // applyno → redirecturl answered before the kill
		killed   bool
	)
	work := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < parallel; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for no := range work {
				mu.Lock()
				stop := killed
				mu.Unlock()
				if stop {
					continue
				}
				r, err := p.applyReply(no)
				mu.Lock()
				switch {
				case killed: // the answer may have come before the kill; it is not counted
				case err != nil || r.Code != 1:
					t.Errorf("baohanapply %s before the kill: %+v, %v", no, r, err)
				default:
					answered[no] = r.Data["redirecturl"]
					if len(answered) == killAt {
						p.kill()
						killed = true
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < apps; i++ {
		work <- fmt.Sprintf("TBaoHanKILLAPPLY%s%08d", driver[:2], i)
	}
	close(work)
	wg.Wait()
	if !killed {
		t.Fatal("the process was not killed")
	}

	p = startProcess(t, bin, cfg, log)
	defer p.stop()
	for no, before := range answered {
		r, err := p.applyReply(no)
		switch {
		case err != nil || r.Code != 1:
			t.Errorf("%s answered code 1 before the kill; sent again after the restart: %+v, %v", no, r, err)
		case r.Data["redirecturl"] != before || before == "":
			t.Errorf("%s: answered %q before the kill and %q after: the application answered before the kill was not kept", no, before, r.Data["redirecturl"])
		}
	}
	t.Logf("%s: killed after %d applications answered; each answered the same after the restart", driver, len(answered))
}

// applyReply posts a signed baohanapply and returns the platform reply.
func (p *process) applyReply(applyNo string) (platform.Reply, error) {
	params := map[string]string{"appkey": noticeAppKey, "timestamp": platform.FormatTime(time.Now()), "platformcode": "A3205650121",
		"applyno": applyNo, "biddername": noticeBidder, "biddercode": "91220101MA17XYZ12K", "bzjamount": "20000.00",
		"biaoduanno": v2No, "biaoduanname": v2Name, "zbr": v2Zbr, "zbrorgnum": v2Org}
	params["sign"] = gmcrypto.Sign(params, noticeSecret)
	body, _ := json.Marshal(params)
	var r platform.Reply
	resp, err := crashClient.Post(p.base+"/api/baohanapply", platform.ContentType, bytes.NewReader(body))
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return r, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	err = json.NewDecoder(resp.Body).Decode(&r)
	return r, err
}
