package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness condition: the database answers, the schema is
// current, the notice dispatcher is alive.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Ops serves the probes and the metrics of the process.
type Ops struct {
	// Ready runs the readiness checks.
	Ready func(ctx context.Context) []Check
	// Gatherer is the registry scraped at /metrics; nil serves no metrics.
	Gatherer prometheus.Gatherer
}

// Register adds /healthz, /readyz and /metrics.
func (o *Ops) Register(r gin.IRouter) {
	r.GET("/healthz", func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", o.ready)
	if o.Gatherer != nil {
		h := promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})
		r.GET("/metrics", gin.WrapH(h))
	}
}

type readiness struct {
	Status string  `json:"status"`
	Checks []Check `json:"checks"`
}

func (o *Ops) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	checks := o.Ready(ctx)
	out := readiness{Status: "ready", Checks: checks}
	status := http.StatusOK
	for _, ch := range checks {
		if !ch.OK {
			out.Status, status = "not ready", http.StatusServiceUnavailable
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, out)
}

// RequestIDHeader carries a request's id, taken from a trusted proxy or made
// here, and echoed in the answer.
const RequestIDHeader = "X-Request-ID"

const requestIDKey = "baohan.request_id"

// RequestID gives every request an id for the logs.
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(requestIDKey, id)
		c.Header(RequestIDHeader, id)
		c.Next()
	}
}

// requestID returns the id RequestID gave the request, or "".
func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }
