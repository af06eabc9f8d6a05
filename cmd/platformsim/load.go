package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/baohangateway/baohan/platform"
)

// LoadSummary is what load mode measured; -json writes it for scripts.
type LoadSummary struct {
	Applications  int     `json:"applications"`
	Concurrency   int     `json:"concurrency"`
	Replicas      int     `json:"replicas"` // gateway processes the applications were spread over
	ApplySeconds  float64 `json:"apply_seconds"`
	ApplyPerSec   float64 `json:"apply_per_second"`
	ApproveSecs   float64 `json:"approve_seconds"` // approvals until the last baohannotice
	ApprovePerSec float64 `json:"approve_per_second"`
	StormSeconds  float64 `json:"storm_seconds"` // first baohanrestore sent → last restorenotice received
	StormPerSec   float64 `json:"storm_per_second"`
	RestoreAnswer Latency `json:"restore_answer_ms"`
	BaohanNotice  Latency `json:"baohannotice_latency_ms"`  // approval answered → notice received
	RestoreNotice Latency `json:"restorenotice_latency_ms"` // restore answered → notice received
	// CPU seconds spent during the storm by the gateway (with -gateway-pid)
	// and by the simulator itself: what the storm cost beside how long.
	GatewayCPU   float64 `json:"gateway_storm_cpu_seconds,omitempty"`
	SimulatorCPU float64 `json:"simulator_storm_cpu_seconds"`
	PeakRSSMB    float64 `json:"gateway_peak_rss_mb,omitempty"`
	PeakRSSAllMB float64 `json:"gateway_peak_rss_all_mb,omitempty"`
	Duplicates   int     `json:"duplicate_notices"` // notices received again for the same application (counted once)
	Errors       int     `json:"errors"`
	ErrorSamples []string
}

// Latency summarises durations in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	Max float64 `json:"max"`
}

func latency(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return Latency{N: len(ds), P50: ms(at(0.50)), P95: ms(at(0.95)), Max: ms(ds[len(ds)-1])}
}

func (l Latency) String() string {
	if l.N == 0 {
		return "—"
	}
	return fmt.Sprintf("%s / %s / %s", fmtMS(l.P50), fmtMS(l.P95), fmtMS(l.Max))
}

func fmtMS(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2f s", ms/1000)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// loadRun tracks one load run.
type loadRun struct {
	*Sim
	apps []*Application
	sum  LoadSummary

	mu         sync.Mutex
	approvedAt map[string]time.Time
	restoredAt map[string]time.Time
	bnLat      []time.Duration
	rnLat      []time.Duration
	bnCount    atomic.Int64
	rnCount    atomic.Int64
	lastRN     time.Time
	seen       map[string]bool // interface + applyno of the notices counted
	dups       int             // notices received again, not counted
	errs       []string
	samples    map[string]*Notice // first letter of each kind, kept for the text check
}

func (l *loadRun) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
}

// load applies for N guarantees, approves them all through the admin API,
// then opens every section at once (the bid-opening storm) and measures.
func (s *Sim) load(ctx context.Context, stderr io.Writer) error {
	s.rep.SetQuiet(true) // problems are listed at the end
	s.inbox.KeepPDF = false
	l := &loadRun{Sim: s, approvedAt: map[string]time.Time{}, restoredAt: map[string]time.Time{}, samples: map[string]*Notice{}, seen: map[string]bool{}}
	l.sum.Applications, l.sum.Concurrency, l.sum.Replicas = s.cfg.N, s.cfg.Concurrency, len(s.gws)
	s.inbox.OnNotice(l.onNotice)

	var secs []*Section
	for len(secs)*20 < s.cfg.N {
		secs = append(secs, s.gen.Sections(4)...)
	}
	for i := 0; i < s.cfg.N; i++ {
		a, err := s.gen.NewApplication(secs[i/20])
		if err != nil {
			return err
		}
		a.Replica = i % len(s.gws) // neighbours, and so each section, spread over the replicas
		l.apps = append(l.apps, a)
	}

	// 1. baohanapply.
	start := time.Now()
	l.parallel(ctx, stderr, "投保申请 baohanapply", func(a *Application) {
		if _, err := s.apply(ctx, a); err != nil {
			l.fail("%s baohanapply：%v", a.ApplyNo, err)
		}
	})
	l.sum.ApplySeconds = time.Since(start).Seconds()
	l.sum.ApplyPerSec = float64(s.cfg.N) / l.sum.ApplySeconds

	// 2. approval and baohannotice.
	start = time.Now()
	l.parallel(ctx, stderr, "审批出函 approve", func(a *Application) {
		v, err := s.approve(ctx, a)
		if err != nil {
			l.fail("%s 审批：%v", a.ApplyNo, err)
			return
		}
		l.mu.Lock()
		a.BaohanNo, a.Cost = v.BaohanNo, v.Cost
		l.approvedAt[a.ApplyNo] = time.Now()
		l.mu.Unlock()
	})
	approved := int64(len(l.approvedAt))
	l.waitNotices(ctx, stderr, "baohannotice", &l.bnCount, approved)
	l.sum.ApproveSecs = time.Since(start).Seconds()
	l.sum.ApprovePerSec = float64(approved) / l.sum.ApproveSecs

	// 3. the bid-opening storm.
	peakAll, _ := readHWM(s.cfg.GatewayPID)
	resetHWM(s.cfg.GatewayPID)
	var answers []time.Duration
	var amu sync.Mutex
	gwCPU0, _ := processCPU(s.cfg.GatewayPID)
	simCPU0 := selfCPU()
	start = time.Now()
	l.parallel(ctx, stderr, "开标 baohanrestore", func(a *Application) {
		if a.BaohanNo == "" {
			return
		}
		ans, err := s.gateway(a).Send(ctx, platform.BaohanRestore, s.restoreFields(a, a.Section.KeyB64))
		if err := accepted(ans, err); err != nil {
			l.fail("%s baohanrestore：%v", a.ApplyNo, err)
			return
		}
		amu.Lock()
		answers = append(answers, ans.Duration)
		amu.Unlock()
		l.mu.Lock()
		l.restoredAt[a.ApplyNo] = time.Now()
		l.mu.Unlock()
	})
	l.waitNotices(ctx, stderr, "restorenotice", &l.rnCount, int64(len(l.restoredAt)))
	l.mu.Lock()
	end := l.lastRN
	l.mu.Unlock()
	if end.IsZero() {
		end = time.Now()
	}
	l.sum.StormSeconds = end.Sub(start).Seconds()
	l.sum.SimulatorCPU = (selfCPU() - simCPU0).Seconds()
	if c, err := processCPU(s.cfg.GatewayPID); err == nil {
		l.sum.GatewayCPU = (c - gwCPU0).Seconds()
	}
	l.sum.StormPerSec = float64(l.rnCount.Load()) / l.sum.StormSeconds
	if peak, err := readHWM(s.cfg.GatewayPID); err == nil {
		l.sum.PeakRSSMB = peak
		l.sum.PeakRSSAllMB = max(peak, peakAll)
	}
	l.sum.RestoreAnswer = latency(answers)
	l.mu.Lock()
	l.sum.BaohanNotice, l.sum.RestoreNotice = latency(l.bnLat), latency(l.rnLat)
	l.sum.Duplicates = l.dups
	samples := l.samples
	l.mu.Unlock()

	// The first letter of each kind is read (pdftotext, pdfsig).
	for _, a := range l.apps {
		for iface, n := range samples {
			if n.ApplyNo != a.ApplyNo {
				continue
			}
			lc := cipherLetter(a)
			if iface == platform.RestoreNotice {
				lc = plainLetter(a)
			}
			if err := s.checkLetter(ctx, a, n, lc); err != nil {
				l.fail("%s %s：%v", a.ApplyNo, iface, err)
			}
		}
	}
	l.sum.ErrorSamples = append(l.errs, s.rep.Problems()...)
	l.sum.Errors = len(l.sum.ErrorSamples)
	l.print()
	if s.cfg.JSONOut != "" {
		b, _ := json.MarshalIndent(l.sum, "", "  ")
		if err := os.WriteFile(s.cfg.JSONOut, b, 0o644); err != nil {
			return err
		}
	}
	if l.sum.Errors > 0 {
		return errDeviations
	}
	return nil
}

func (l *loadRun) onNotice(n *Notice) {
	if !n.Accepted {
		return
	}
	now := n.Received
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.samples[n.Interface]; !ok && n.Params["baohanfile"] != "" {
		if pdf, err := decodeB64(n.Params["baohanfile"]); err == nil {
			n.PDF = pdf
			l.samples[n.Interface] = n
		}
	}
	delete(n.Params, "baohanfile") // 100 KB each: not kept
	// A notice sent again (by the same replica or another) is counted once,
	// so that it cannot stand in for one that never came.
	if n.ApplyNo != "" {
		key := n.Interface + " " + n.ApplyNo
		if l.seen[key] {
			l.dups++
			return
		}
		l.seen[key] = true
	}
	switch n.Interface {
	case platform.BaohanNotice:
		if t, ok := l.approvedAt[n.ApplyNo]; ok {
			l.bnLat = append(l.bnLat, now.Sub(t))
		}
		l.bnCount.Add(1)
	case platform.RestoreNotice:
		if t, ok := l.restoredAt[n.ApplyNo]; ok {
			l.rnLat = append(l.rnLat, now.Sub(t))
		}
		l.rnCount.Add(1)
		if now.After(l.lastRN) {
			l.lastRN = now
		}
	}
}

// parallel runs fn for every application with the configured concurrency,
// drawing a progress bar.
func (l *loadRun) parallel(ctx context.Context, stderr io.Writer, label string, fn func(a *Application)) {
	var done atomic.Int64
	jobs := make(chan *Application)
	var wg sync.WaitGroup
	for i := 0; i < l.cfg.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range jobs {
				fn(a)
				done.Add(1)
			}
		}()
	}
	stop := l.progress(stderr, label, &done, int64(len(l.apps)))
	for _, a := range l.apps {
		if ctx.Err() != nil {
			break
		}
		jobs <- a
	}
	close(jobs)
	wg.Wait()
	stop()
}

// waitNotices waits until want notices have been counted, or until none has
// come for the wait time.
func (l *loadRun) waitNotices(ctx context.Context, stderr io.Writer, label string, got *atomic.Int64, want int64) {
	stop := l.progress(stderr, "等待 "+label, got, want)
	defer stop()
	last, lastChange := got.Load(), time.Now()
	for got.Load() < want && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		if n := got.Load(); n != last {
			last, lastChange = n, time.Now()
		}
		if time.Since(lastChange) > l.cfg.Wait {
			l.fail("%d 份中只收到 %d 条 %s（%s 内没有新的通知）", want, got.Load(), label, l.cfg.Wait)
			return
		}
	}
}

// progress draws "label [#####.....] n/total rate/s" on stderr until stopped.
func (l *loadRun) progress(w io.Writer, label string, done *atomic.Int64, total int64) func() {
	start := time.Now()
	quit := make(chan struct{})
	finished := make(chan struct{})
	draw := func(final bool) {
		n := done.Load()
		const width = 30
		filled := 0
		if total > 0 {
			filled = int(min(n, total) * width / total)
		}
		rate := float64(n) / max(time.Since(start).Seconds(), 0.001)
		fmt.Fprintf(w, "\r%-24s [%s%s] %d/%d %6.1f/s %5.1fs", label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), n, total, rate, time.Since(start).Seconds())
		if final {
			fmt.Fprintln(w)
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				draw(true)
				return
			case <-t.C:
				draw(false)
			}
		}
	}()
	return func() { close(quit); <-finished }
}

func (l *loadRun) print() {
	s := l.sum
	w := tabwriter.NewWriter(l.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "\n指标\t结果")
	fmt.Fprintf(w, "申请数（并发）\t%d（%d）\n", s.Applications, s.Concurrency)
	if s.Replicas > 1 {
		fmt.Fprintf(w, "网关副本（共用一个数据库）\t%d 个，申请轮流分配\n", s.Replicas)
	}
	fmt.Fprintf(w, "baohanapply 吞吐\t%.1f 次/秒（用时 %.2f s）\n", s.ApplyPerSec, s.ApplySeconds)
	fmt.Fprintf(w, "审批出函到 baohannotice 全部送达\t%.1f 份/秒（用时 %.2f s）\n", s.ApprovePerSec, s.ApproveSecs)
	fmt.Fprintf(w, "baohannotice 延迟 p50/p95/max\t%s\n", s.BaohanNotice)
	fmt.Fprintf(w, "开标风暴：首个 baohanrestore → 最后一个 restorenotice\t%.2f s（%.1f 份/秒）\n", s.StormSeconds, s.StormPerSec)
	fmt.Fprintf(w, "baohanrestore 应答 p50/p95/max\t%s\n", s.RestoreAnswer)
	fmt.Fprintf(w, "restorenotice 延迟 p50/p95/max\t%s\n", s.RestoreNotice)
	if s.GatewayCPU > 0 {
		fmt.Fprintf(w, "开标期间 CPU：网关 / 模拟器\t%.2f s / %.2f s（每份保函 %.2f ms / %.2f ms）\n",
			s.GatewayCPU, s.SimulatorCPU, 1000*s.GatewayCPU/float64(max(s.Applications, 1)), 1000*s.SimulatorCPU/float64(max(s.Applications, 1)))
	}
	if s.PeakRSSMB > 0 {
		fmt.Fprintf(w, "网关峰值内存 VmHWM（开标期间 / 全程）\t%.0f MB / %.0f MB\n", s.PeakRSSMB, s.PeakRSSAllMB)
	}
	if s.Duplicates > 0 {
		fmt.Fprintf(w, "重复收到的通知（只计一次）\t%d\n", s.Duplicates)
	}
	fmt.Fprintf(w, "错误\t%d\n", s.Errors)
	w.Flush()
	for i, e := range s.ErrorSamples {
		if i == 20 {
			fmt.Fprintf(l.out, "  …… 另有 %d 个错误\n", len(s.ErrorSamples)-20)
			break
		}
		fmt.Fprintf(l.out, "  ✘ %s\n", e)
	}
}

// readHWM returns a process's peak resident memory (VmHWM) in MB.
func readHWM(pid int) (float64, error) {
	if pid <= 0 {
		return 0, errors.New("no pid")
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmHWM")
}

// resetHWM resets a process's peak memory to its current size (Linux
// clear_refs 5), so the storm's peak is measured on its own.
func resetHWM(pid int) {
	if pid > 0 {
		_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
	}
}

// processCPU is the CPU time (user and system) a process has used so far,
// from /proc/PID/stat.
func processCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, errors.New("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: fields are counted after
	// its closing parenthesis; utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("malformed stat")
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// this runs on.
const clockTicks = 100

// selfCPU is the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
