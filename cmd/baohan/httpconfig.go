package main

import (
	"net"
	"net/http"
	"time"

	"github.com/baohangateway/baohan/handler"
)

// OpsConfig places the operational endpoints.
type OpsConfig struct {
	// Listen, when set, is a second address (host:port) serving /metrics,
	// /healthz and /readyz; /metrics is then not served on listen.
	Listen string `yaml:"listen"`
}

// defaultHTTP is the HTTP edge's defaults: a letter download or a 20 MB
// upload on a slow link finishes well within the timeouts, a client that
// sends nothing is dropped.
func defaultHTTP() HTTPConfig {
	return HTTPConfig{
		ReadTimeout:    3 * time.Minute,
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		MaxUploadBytes: handler.DefaultMaxUpload,
		MaxUploads:     handler.DefaultUploads,
	}
}

// readHeaderTimeout bounds the request line and headers.
const readHeaderTimeout = 10 * time.Second

// validateServer checks the http keys of the server's bounds and ops.
func (c *Config) validateServer(bad func(key, format string, args ...any)) {
	h := c.HTTP
	if h.ReadTimeout < readHeaderTimeout || h.ReadTimeout > time.Hour {
		bad("http.read_timeout", "want 10s to 1h, got %s", h.ReadTimeout)
	}
	if h.WriteTimeout < 30*time.Second || h.WriteTimeout > time.Hour {
		bad("http.write_timeout", "want 30s to 1h, got %s", h.WriteTimeout)
	}
	if h.IdleTimeout < time.Second || h.IdleTimeout > time.Hour {
		bad("http.idle_timeout", "want 1s to 1h, got %s", h.IdleTimeout)
	}
	if h.MaxHeaderBytes < 8<<10 || h.MaxHeaderBytes > 1<<20 {
		bad("http.max_header_bytes", "want 8192 to 1048576, got %d", h.MaxHeaderBytes)
	}
	if h.MaxUploadBytes < 1<<20 || h.MaxUploadBytes > 200<<20 {
		bad("http.max_upload_bytes", "want 1048576 (1 MiB) to 209715200 (200 MiB), got %d", h.MaxUploadBytes)
	}
	if h.MaxUploads < 1 || h.MaxUploads > 64 {
		bad("http.max_uploads", "want 1 to 64, got %d", h.MaxUploads)
	}
	if c.Ops.Listen != "" {
		if _, port, err := net.SplitHostPort(c.Ops.Listen); err != nil {
			bad("ops.listen", "want host:port or empty, got %q", c.Ops.Listen)
		} else if c.Ops.Listen == c.Listen && port != "0" {
			bad("ops.listen", "must differ from listen (%s)", c.Listen)
		}
	}
}

// newServer is an HTTP server with the configured bounds.
func newServer(h http.Handler, cfg HTTPConfig) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
	}
}
