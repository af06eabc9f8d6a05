package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
	tests := []struct {
		env         []string
		wantPercent int
		wantLimit   int64
	}{
		{nil, gcPercent, memoryLimit},
		{[]string{"PATH=/bin", "GOGC="}, gcPercent, memoryLimit}, // empty: unset
		{[]string{"GOGC=50"}, 100, memoryLimit},
		{[]string{"GOMEMLIMIT=400MiB"}, gcPercent, math.MaxInt64},
		{[]string{"GOGC=off", "GOMEMLIMIT=1GiB"}, 100, math.MaxInt64},
	}
	for _, tt := range tests {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		tuneGC(tt.env)
		if got := debug.SetGCPercent(100); got != tt.wantPercent {
			t.Errorf("env %q: GC percent %d, want %d", tt.env, got, tt.wantPercent)
		}
		if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
			t.Errorf("env %q: memory limit %d, want %d", tt.env, got, tt.wantLimit)
		}
	}
}
