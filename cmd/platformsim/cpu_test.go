package main

import (
	"os"
	"testing"
	"time"
)

// TestProcessCPU: the storm's CPU accounting counts a busy loop, from /proc
// and from getrusage alike. The loop runs until getrusage has counted 300 ms
// of CPU, not for 300 ms of wall time, so a loaded machine only makes it
// longer; /proc must then agree to within its clock ticks.
func TestProcessCPU(t *testing.T) {
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self0 := selfCPU()
	for deadline := time.Now().Add(time.Minute); selfCPU()-self0 < 300*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatalf("a minute of busy loop counted as %v by getrusage", selfCPU()-self0)
		}
	}
	after, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self := selfCPU() - self0
	if d := after - before; d < 250*time.Millisecond || d > self+100*time.Millisecond {
		t.Errorf("%v of busy loop (getrusage) counted as %v by /proc", self, d)
	}
	if _, err := processCPU(0); err == nil {
		t.Error("processCPU(0): no error")
	}
}
