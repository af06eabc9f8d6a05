package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Report prints what the simulator does and sees, and collects every
// deviation from the protocol it finds, in plain words for integration
// engineers (Chinese, with the spec's field names).
type Report struct {
	mu       sync.Mutex
	w        io.Writer
	quiet    bool // steps are not printed (load mode prints a progress bar instead)
	problems []string
	notes    []string
	passed   int
	failed   int
}

// NewReport prints to w.
func NewReport(w io.Writer) *Report { return &Report{w: w} }

// Step prints one step of a scenario.
func (r *Report) Step(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.quiet {
		fmt.Fprintf(r.w, format+"\n", args...)
	}
}

// Problem records a deviation and prints it at once.
func (r *Report) Problem(format string, args ...any) {
	r.record(&r.problems, "✘ 问题", fmt.Sprintf(format, args...))
}

// Note records an observation that is not a deviation from the platform
// protocol (e.g. about the admin API) and prints it at once.
func (r *Report) Note(format string, args ...any) {
	r.record(&r.notes, "⚠ 注意", fmt.Sprintf(format, args...))
}

// record appends msg to list and prints it at once under its heading.
func (r *Report) record(list *[]string, heading, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*list = append(*list, msg)
	if !r.quiet {
		fmt.Fprintf(r.w, "    %s：%s\n", heading, indentRest(msg))
	}
}

// Check records the outcome of one conformance check: nil passes.
func (r *Report) Check(id, title string, err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		r.passed++
		if !r.quiet {
			fmt.Fprintf(r.w, "  ✔ %-7s %s\n", id, title)
		}
		return true
	}
	r.failed++
	msg := fmt.Sprintf("%s %s：%s", id, title, err)
	r.problems = append(r.problems, msg)
	if !r.quiet {
		fmt.Fprintf(r.w, "  ✘ %-7s %s\n            %s\n", id, title, indentRest(err.Error()))
	}
	return false
}

// Problems returns every deviation recorded so far.
func (r *Report) Problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.problems...)
}

// Counts returns the checks passed and failed.
func (r *Report) Counts() (passed, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.passed, r.failed
}

// Summary prints the list of deviations (or that there were none) and
// returns how many there were.
func (r *Report) Summary(w io.Writer) int {
	r.mu.Lock()
	notes := append([]string(nil), r.notes...)
	r.mu.Unlock()
	if len(notes) > 0 {
		fmt.Fprintf(w, "注意（不属于交易平台接口的问题，不影响结果）：\n")
		for _, n := range notes {
			fmt.Fprintf(w, "  ⚠ %s\n", indentRest(n))
		}
	}
	probs := r.Problems()
	if len(probs) == 0 {
		fmt.Fprintln(w, "未发现协议问题。")
		return 0
	}
	fmt.Fprintf(w, "发现 %d 个问题：\n", len(probs))
	for i, p := range probs {
		fmt.Fprintf(w, "%3d. %s\n", i+1, indentRest(p))
	}
	return len(probs)
}

func indentRest(s string) string { return strings.ReplaceAll(s, "\n", "\n            ") }

// SetQuiet stops printing steps and problems as they come (they are still
// collected).
func (r *Report) SetQuiet(q bool) {
	r.mu.Lock()
	r.quiet = q
	r.mu.Unlock()
}
