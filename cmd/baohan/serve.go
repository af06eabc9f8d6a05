package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/outbound"
	"github.com/baohangateway/baohan/platform"
)

// newLogger makes the process logger as configured.
func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadConfigFlag parses --config and loads the configuration.
func loadConfigFlag(name string, args, env []string, stderr io.Writer) (Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML); none: embedded defaults")
	if err := fs.Parse(args); err != nil {
		return Config{}, fs, errUsage
	}
	cfg, err := LoadConfig(*path, env)
	return cfg, fs, err
}

// cmdServe runs until ctx is done. ready, when not nil, is told the address
// the server listens on (tests listen on port 0).
func cmdServe(ctx context.Context, args, env []string, stdout, stderr io.Writer, ready func(addr string)) error {
	cfg, _, err := loadConfigFlag("serve", args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	log.Info("configuration", "config", fmt.Sprintf("%+v", cfg.Masked()))
	if keys := demoSecrets(cfg); len(keys) > 0 {
		log.Warn("RUNNING WITH THE DEMO SECRETS of the embedded defaults, accepted only without --config on a loopback address: set your own before connecting a real platform or core system", "keys", keys)
	}

	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	accounts := cfg.Accounts()
	caller := &outbound.Caller{Client: &platform.Client{HTTP: newHTTPClient()}, Accounts: accounts, Now: time.Now}
	svc, _, err := newService(cfg, st, log, caller)
	if err != nil {
		return err
	}

	reg, err := newRegistry(st, svc.Metrics)
	if err != nil {
		return err
	}
	dispatcher, err := newDispatcher(cfg, svc)
	if err != nil {
		return err
	}

	engine := handler.NewEngine(log)
	if err := engine.SetTrustedProxies(cfg.HTTP.TrustedProxies); err != nil {
		return fmt.Errorf("config http.trusted_proxies: %w", err)
	}
	// The probes are served on listen; /metrics there too, or only on
	// ops.listen when that is set.
	checks := readiness(st, dispatcher, time.Second)
	var opsEngine *gin.Engine
	if cfg.Ops.Listen != "" {
		(&handler.Ops{Ready: checks}).Register(engine)
		opsEngine = handler.NewEngine(log)
		(&handler.Ops{Ready: checks, Gatherer: reg}).Register(opsEngine)
	} else {
		(&handler.Ops{Ready: checks, Gatherer: reg}).Register(engine)
	}
	api := &handler.PlatformAPI{
		Receiver: &platform.Receiver{Accounts: accounts, Direction: platform.Inbound, Window: cfg.Inbound.TimestampWindow},
		Service:  svc.Guarantees,
		Log:      log,
		Now:      time.Now,
		MaxBody:  cfg.Inbound.MaxBodyBytes,
		Metrics:  svc.Metrics,
	}
	if cfg.Inbound.RateLimit > 0 {
		api.Limiter = handler.NewSourceLimiter(cfg.Inbound.RateLimit, cfg.Inbound.RateBurst)
	}
	api.Register(engine)
	admin := &handler.AdminAPI{Cases: svc.Views, Decisions: svc.Guarantees, Letters: svc.Letters, Tokens: cfg.apiTokens(), Log: log}
	admin.Register(engine)
	public := &handler.Public{Service: svc.Public, Issuer: cfg.Institution.Name, Log: log,
		Uploads: handler.NewUploads(cfg.HTTP.MaxUploadBytes, cfg.HTTP.MaxUploads)}
	public.Register(engine)
	if err := setUpConsole(ctx, cfg, svc, engine, log); err != nil {
		return err
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	workers.Add(1)
	go func() {
		defer workers.Done()
		svc.Letters.RunLetterWorkers(workCtx, letterWorkers(cfg), 5*time.Second)
	}()
	workers.Add(1)
	go func() {
		defer workers.Done()
		svc.RunConsoleUpkeep(workCtx, time.Minute)
	}()
	workers.Add(1)
	go func() {
		defer workers.Done()
		dispatcher.Run(workCtx) // drains and releases its claims when workCtx ends
	}()
	defer func() {
		stopWork()
		workers.Wait()
	}()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	srv := newServer(engine, cfg.HTTP)
	if cfg.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("config tls: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	if opsEngine != nil {
		opsLn, err := net.Listen("tcp", cfg.Ops.Listen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen ops.listen %s: %w", cfg.Ops.Listen, err)
		}
		opsSrv := newServer(opsEngine, cfg.HTTP)
		servers = append(servers, opsSrv)
		go func() { errc <- opsSrv.Serve(opsLn) }()
		log.Info("ops listening", "addr", opsLn.Addr().String(), "paths", "/metrics /healthz /readyz")
	}
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "tls", cfg.TLS.CertFile != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	var failed error
	select {
	case failed = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := []error{failed}
	for _, s := range servers {
		errs = append(errs, s.Shutdown(shutCtx))
	}
	for range len(servers) - btoi(failed != nil) {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
