package servicetest

import (
	"context"
	"sync"
)

// Caller is a service.PlatformCaller that answers every call as told and
// records the fields of each.
type Caller struct {
	Accept  bool   // the platform's code 1
	Message string // the platform's message
	Err     error  // no answer was had

	mu    sync.Mutex
	calls []map[string]string
}

// Call implements service.PlatformCaller.
func (c *Caller) Call(_ context.Context, _, _ string, fields map[string]string) (bool, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fields)
	return c.Accept, c.Message, c.Err
}

// Calls returns the fields of the calls so far, in order.
func (c *Caller) Calls() []map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]string(nil), c.calls...)
}
