package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service/servicetest"
)

// buildBaohan builds the baohan binary into a temporary directory.
func buildBaohan(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		t.Fatalf("go not found: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "baohan")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a running `baohan serve`.
type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	log  *servicetest.Log
	done chan error
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startProcess starts `bin serve --config cfg` with env added to its
// environment and waits until it listens.
func startProcess(t *testing.T, bin, cfg string, log *servicetest.Log, env ...string) *process {
	t.Helper()
	p := &process{t: t, cmd: exec.Command(bin, "serve", "--config", cfg), log: log, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = io.Discard, log
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	start := len(log.String())
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := listeningRE.FindStringSubmatch(log.String()[start:]); m != nil {
			p.base = "http://" + m[1]
			return p
		}
		select {
		case err := <-p.done:
			t.Fatalf("baohan serve exited: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("baohan serve not listening after 20 s\n%s", log)
		}
	}
}

// kill sends SIGKILL and waits for the process to die.
func (p *process) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	<-p.done
}

// stop asks the process to stop (SIGTERM) and waits for a clean exit.
func (p *process) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("baohan serve after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		p.t.Error("baohan serve still running 30 s after SIGTERM")
		p.cmd.Process.Kill()
		<-p.done
	}
}

var crashClient = &http.Client{Timeout: 30 * time.Second}

// apply posts a signed baohanapply and wants code 1.
func (p *process) apply(applyNo string) error {
	r, err := p.applyReply(applyNo)
	if err != nil || r.Code != 1 {
		return fmt.Errorf("baohanapply %s: %+v %v", applyNo, r, err)
	}
	return nil
}

// admin calls the admin API; err is a transport error.
func (p *process) admin(method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+serveToken)
	resp, err := crashClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, out, nil
}

func (p *process) approve(applyNo string) (int, error) {
	st, _, err := p.admin("POST", "/admin/api/applications/"+applyNo+"/approve",
		map[string]string{"payername": noticeBidder, "payeraccount": "6222020200112233"})
	return st, err
}

// TestKilledDuringApprovals kills the gateway (SIGKILL) in the middle of a
// burst of approvals, while it is delivering their baohannotices, and
// restarts it on the same database: every approved application's notice
// arrives, none is lost, and the platform gets a notice twice only when the
// process died after the platform answered and before the answer reached
// the answer journal (data_dir/outbox): before the journal, 3 of about 10
// notices accepted at the kill were sent again; with it none in 4 runs on
// an idle machine.
func TestKilledDuringApprovals(t *testing.T) {
	const (
		apps     = 200
		killAt   = apps / 2 // approvals answered before the kill
		parallel = 16
		workers  = 8 // the default workers.notices
	)
	bin := buildBaohan(t)
	plat := newStubPlatform(t)
	plat.delay = 10 * time.Millisecond // sends take a while, so some are in flight at the kill
	dir := t.TempDir()
	cfg := crashConfig(t, dir, plat.NotifyURL(), 3*time.Second)
	log := &servicetest.Log{}
	p := startProcess(t, bin, cfg, log)

	applyNos := make([]string, apps)
	for i := range applyNos {
		applyNos[i] = fmt.Sprintf("TBaoHanKILL2026112712%07d", i)
	}
	forAll := func(fn func(applyNo string)) {
		var wg sync.WaitGroup
		work := make(chan string)
		for i := 0; i < parallel; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for no := range work {
					fn(no)
				}
			}()
		}
		for _, no := range applyNos {
			work <- no
		}
		close(work)
		wg.Wait()
	}
	forAll(func(no string) {
		if err := p.apply(no); err != nil {
			t.Error(err)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	// The burst of approvals; SIGKILL once half of them have been answered.
	var (
		mu       sync.Mutex
		answered = map[string]bool{} // approvals answered 200 before the kill
		killed   bool
	)
	forAll(func(no string) {
		mu.Lock()
		stop := killed
		mu.Unlock()
		if stop {
			return
		}
		st, err := p.approve(no)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case killed: // the answer may have come before the kill; it is not counted
		case err != nil || st != http.StatusOK:
			t.Errorf("approve %s before the kill: HTTP %d, %v", no, st, err)
		default:
			answered[no] = true
			if len(answered) == killAt {
				p.kill()
				killed = true
			}
		}
	})
	if !killed {
		t.Fatal("the process was not killed")
	}
	accepted, _ := plat.acceptedCount()
	t.Logf("killed after %d approvals answered, %d notices accepted by the platform", len(answered), accepted)

	// Restart on the same database; approve what was not answered (an
	// approval whose answer the kill cut off may have committed: 409).
	p = startProcess(t, bin, cfg, log)
	forAll(func(no string) {
		if answered[no] {
			return
		}
		st, err := p.approve(no)
		if err != nil || (st != http.StatusOK && st != http.StatusConflict) {
			t.Errorf("approve %s after the restart: HTTP %d, %v", no, st, err)
		}
	})

	// Wait for every notice to arrive and to be recorded as delivered: one
	// that the platform accepted just before the kill is recorded only when
	// the dead process's claim has run out and it is sent again. The record
	// is asked, not the log: the dead process logged deliveries it did not
	// live to record.
	recorded := map[string]bool{}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, distinct := plat.acceptedCount(); distinct < apps {
			continue
		}
		for _, no := range applyNos {
			if !recorded[no] && noticeDelivered(p, no) {
				recorded[no] = true
			}
		}
		if len(recorded) == apps {
			break
		}
	}
	plat.verify(t)
	got := map[string]int{}
	for _, r := range plat.received() {
		if r.Interface != "baohannotice" {
			t.Errorf("unexpected %s", r.Interface)
		}
		if r.Answer == stubOK {
			got[r.Params["applyno"]]++
		}
	}
	dups := 0
	for _, no := range applyNos {
		switch n := got[no]; {
		case n == 0 && answered[no]:
			t.Errorf("%s: approved with HTTP 200 before the kill, its baohannotice never arrived", no)
		case n == 0:
			t.Errorf("%s: approved, its baohannotice never arrived", no)
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("%d notices arrived, %d of them twice", len(got), dups)
	// Only a notice in flight at the kill can arrive twice: one the platform
	// accepted whose answer the gateway had not yet read and journaled. On an
	// idle machine that is rare (none in 4 runs); on a loaded one reading the
	// answer can wait some milliseconds, so the bound is the notices in
	// flight.
	if dups > workers {
		t.Errorf("%d notices arrived twice; only the %d being sent at the kill may", dups, workers)
	}

	// The record: each notice delivered, with exactly one accepted attempt.
	forAll(func(no string) {
		st, app, err := p.admin("GET", "/admin/api/applications/"+no, nil)
		if err != nil || st != http.StatusOK {
			t.Errorf("get %s: HTTP %d, %v", no, st, err)
			return
		}
		notices, _ := app["notices"].([]any)
		if app["status"] != "issued" || len(notices) != 1 {
			t.Errorf("%s: status %v, %d notices", no, app["status"], len(notices))
			return
		}
		n := notices[0].(map[string]any)
		ok := 0
		attempts, _ := n["attempts"].([]any)
		for _, a := range attempts {
			if a.(map[string]any)["code"] == "1" {
				ok++
			}
		}
		if n["status"] != "delivered" || ok != 1 {
			t.Errorf("%s: notice %v with %d accepted attempts of %d, want delivered with one", no, n["status"], ok, len(attempts))
		}
	})
	p.stop()
	logs := log.String()
	if strings.Contains(logs, noticeSecret) || strings.Contains(logs, serveToken) {
		t.Error("the log shows a secret")
	}
	if strings.Contains(logs, "JVBERi0") { // base64 of "%PDF-"
		t.Error("the log shows a baohanfile")
	}
	if n := strings.Count(logs, "msg=\"notice delivered\""); n < apps {
		t.Errorf("the log shows %d deliveries, want every one of %d", n, apps)
	}
}

// noticeDelivered reports whether the admin API shows applyNo's notices all
// delivered.
func noticeDelivered(p *process, applyNo string) bool {
	st, app, err := p.admin("GET", "/admin/api/applications/"+applyNo, nil)
	if err != nil || st != http.StatusOK {
		return false
	}
	notices, _ := app["notices"].([]any)
	for _, n := range notices {
		if n.(map[string]any)["status"] != "delivered" {
			return false
		}
	}
	return len(notices) > 0
}

// crashConfig writes the configuration of a gateway on SQLite in dir that
// sends its notices to notifyURL with claims of lease.
func crashConfig(t *testing.T, dir, notifyURL string, lease time.Duration) string {
	t.Helper()
	return writeFile(t, "baohan.yaml", fmt.Sprintf(`
listen: 127.0.0.1:0
public_url: http://gateway.test
data_dir: %s
database:
  driver: sqlite
  dsn: %s
platforms:
  - name: 测试平台
    appkey: %s
    appsecret: %s
    notify_url: %s
api:
  tokens: [%s]
institution:
  name: 吉林测试银行股份有限公司
  code: JLBH
workers:
  notice_lease: %s
`, dir, filepath.Join(dir, "baohan.db"), noticeAppKey, noticeSecret, notifyURL, serveToken, lease))
}
