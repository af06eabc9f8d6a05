package main

import (
	"net/http"
	"path/filepath"
	"time"

	"github.com/baohangateway/baohan/outbound"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
)

// newDispatcher makes the outbox dispatcher of svc as configured, with its
// answer journal under data_dir/outbox. Its HTTP client keeps a connection
// per worker to each platform.
func newDispatcher(cfg Config, svc *service.Service) (*service.Dispatcher, error) {
	dc := service.DispatcherConfig{Workers: cfg.Workers.Notices, Lease: cfg.Workers.NoticeLease, Owner: service.DefaultOwner()}
	journal, err := store.OpenAnswerJournal(filepath.Join(cfg.DataDir, "outbox"), dc.Owner)
	if err != nil {
		return nil, err
	}
	dc.Journal = journal
	if dc.Workers <= 0 {
		dc.Workers = service.DefaultNoticeWorkers
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = dc.Workers
	client := &platform.Client{HTTP: &http.Client{Timeout: 30 * time.Second, Transport: transport}}
	sender := &outbound.Notices{Client: client, Accounts: cfg.Accounts(), Now: time.Now}
	return service.NewDispatcher(svc.DispatcherDeps(), sender, dc), nil
}
