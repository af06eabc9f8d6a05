package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service/servicetest"
)

// TestKilledWhilePlatformFails follows the timeline of a field report: ten
// approvals while the platform answers HTTP 503, SIGKILL about 1.5 s later
// (notices claimed and being retried), the platform back, the gateway
// restarted on the same database. Every notice arrives, and none that the
// platform accepted is sent again: not at the restart, not when the dead
// process's claims run out.
func TestKilledWhilePlatformFails(t *testing.T) {
	const (
		apps  = 10
		lease = 4 * time.Second
	)
	bin := buildBaohan(t)
	plat := newStubPlatform(t)
	plat.delay = 100 * time.Millisecond
	plat.setMode(stub503)
	dir := t.TempDir()
	cfg := crashConfig(t, dir, plat.NotifyURL(), lease)
	log := &servicetest.Log{}
	p := startProcess(t, bin, cfg, log)
	applyNos := make([]string, apps)
	for i := range applyNos {
		applyNos[i] = fmt.Sprintf("TBaoHanFAIL2026120216%07d", i)
		if err := p.apply(applyNos[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, no := range applyNos {
		if st, err := p.approve(no); err != nil || st != http.StatusOK {
			t.Fatalf("approve %s: HTTP %d, %v", no, st, err)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	p.kill()
	failed := len(plat.received())
	plat.setMode(stubOK)
	restart := time.Now()
	p = startProcess(t, bin, cfg, log)

	// Every notice delivered in the record, then past the dead process's
	// claims (a lease and a poll more) and a retry or two after them.
	delivered := func() int {
		n := 0
		for _, no := range applyNos {
			st, app, err := p.admin("GET", "/admin/api/applications/"+no, nil)
			if err != nil || st != http.StatusOK {
				continue
			}
			if ns, _ := app["notices"].([]any); len(ns) == 1 && ns[0].(map[string]any)["status"] == "delivered" {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(60 * time.Second); delivered() < apps && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if n := delivered(); n < apps {
		t.Errorf("%d of %d notices delivered in the record a minute after the restart", n, apps)
	}
	for time.Since(restart) < 3*lease {
		time.Sleep(100 * time.Millisecond)
	}
	got := map[string]int{}
	for _, r := range plat.received()[failed:] {
		if r.Answer == stubOK {
			got[r.Params["applyno"]]++
		}
	}
	for _, no := range applyNos {
		if got[no] != 1 {
			t.Errorf("%s: accepted %d times after the restart, want once", no, got[no])
		}
	}
	t.Logf("%d attempts answered 503 before the kill", failed)
	p.stop()
	if t.Failed() {
		lines := strings.Split(log.String(), "\n")
		for _, l := range lines {
			if strings.Contains(l, "notice") {
				t.Log(l)
			}
		}
	}
}
