package main

import (
	"os"
	"testing"
	"time"
)

// TestProcessCPU: the storm's CPU accounting counts a busy loop, from /proc
// and from getrusage alike.
func TestProcessCPU(t *testing.T) {
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self0 := selfCPU()
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); {
	}
	after, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self := selfCPU() - self0
	if d := after - before; d < 150*time.Millisecond || self < 150*time.Millisecond {
		t.Errorf("300 ms of busy loop counted as %v (/proc) and %v (getrusage)", d, self)
	}
	if _, err := processCPU(0); err == nil {
		t.Error("processCPU(0): no error")
	}
}
