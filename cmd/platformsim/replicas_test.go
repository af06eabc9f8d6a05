package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service/servicetest"
)

// fakeReplica stands in for one replica of a gateway: it accepts every
// platform request, approves through the admin API, sends no notice, and
// records which requests of which application reached it.
type fakeReplica struct {
	mu  sync.Mutex
	got map[string][]string // applyno → "baohanapply", "approve", "baohanrestore"
}

func (f *fakeReplica) record(applyNo, what string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got[applyNo] = append(f.got[applyNo], what)
}

func (f *fakeReplica) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		if r.Method != http.MethodPost { // the preflight
			_, _ = w.Write([]byte(`{"code":0,"message":"请求方法应为 POST"}`))
			return
		}
		var p map[string]string
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.record(p["applyno"], strings.TrimPrefix(r.URL.Path, "/api/"))
		_, _ = w.Write([]byte(`{"code":1,"message":"成功"}`))
	case strings.HasPrefix(r.URL.Path, "/admin/api/applications/"):
		applyNo, action, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/admin/api/applications/"), "/")
		if action == "" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"ENOTFOUND","message":"申请不存在"}`))
			return
		}
		f.record(applyNo, action)
		_ = json.NewEncoder(w).Encode(map[string]string{"applyno": applyNo, "status": "issued", "baohanno": "BH" + applyNo, "cost": "100.00"})
	default:
		http.NotFound(w, r)
	}
}

// listen returns a listener for the simulator's notices on port 0.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// Load mode with two replicas sends application i to replica i mod 2, every
// request of an application to the same replica.
func TestLoadSpreadsOverReplicas(t *testing.T) {
	replicas := []*fakeReplica{{got: map[string][]string{}}, {got: map[string][]string{}}}
	var bases []string
	for _, f := range replicas {
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		bases = append(bases, srv.URL)
	}
	const n = 10
	summary := filepath.Join(t.TempDir(), "load.json")
	// No notice ever comes: each wait gives up after -wait and counts as an
	// error, which is all this test allows.
	args := []string{"load", "-n", "10", "-c", "4", "-gateway", strings.Join(bases, ","), "-wait", "100ms",
		"-pdfsig=false", "-json", summary}
	var out servicetest.Log
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, args, &out, &out, listen(t)); !errors.Is(err, errDeviations) {
		t.Fatalf("run = %v, want errDeviations (no notices)\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "网关副本 2 个") || !strings.Contains(out.String(), bases[1]) {
		t.Errorf("the intro does not list both replicas:\n%s", out.String())
	}
	want := []string{"baohanapply", "approve", "baohanrestore"}
	seen := map[string]int{}
	for i, f := range replicas {
		if len(f.got) != n/2 {
			t.Errorf("replica %d got %d applications, want %d", i, len(f.got), n/2)
		}
		for applyNo, got := range f.got {
			if !slices.Equal(got, want) {
				t.Errorf("replica %d got %v for %s, want %v", i, got, applyNo, want)
			}
			seen[applyNo]++
		}
	}
	for applyNo, k := range seen {
		if k != 1 {
			t.Errorf("%s reached %d replicas, want 1", applyNo, k)
		}
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	var sum LoadSummary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Replicas != 2 || sum.Applications != n {
		t.Errorf("summary: replicas %d, applications %d; want 2, %d", sum.Replicas, sum.Applications, n)
	}
}

// Only load mode takes several gateways.
func TestReplicasOnlyInLoadMode(t *testing.T) {
	for _, mode := range []string{"demo", "conformance"} {
		var out servicetest.Log
		err := run(context.Background(), []string{mode, "-gateway", "http://127.0.0.1:1,http://127.0.0.1:2"}, &out, &out, listen(t))
		if err == nil || !strings.Contains(err.Error(), "-gateway") || !strings.Contains(err.Error(), "load") {
			t.Errorf("%s with two gateways: err = %v, want a refusal naming -gateway and load mode", mode, err)
		}
	}
	var out servicetest.Log
	err := run(context.Background(), []string{"load", "-gateway", "http://127.0.0.1:1,ftp://x"}, &out, &out, listen(t))
	if err == nil || !strings.Contains(err.Error(), `"ftp://x"`) {
		t.Errorf("load with a non-http replica: err = %v, want it named", err)
	}
}
