package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
)

// noticeSender delivers the outbox's notices with the signed platform client:
// service.NoticeSender over platform.Client.
type noticeSender struct {
	client   *platform.Client
	accounts []platform.Account
	now      func() time.Time
}

var _ service.NoticeSender = (*noticeSender)(nil)

// Send implements service.NoticeSender: it builds the message from the spec's
// table (every value a string, no empty optional field, appkey, a fresh
// timestamp and sign), posts it to the platform's notify_url/<iface> and
// classifies what came back.
func (s *noticeSender) Send(ctx context.Context, appkey, iface string, fields map[string]string) (service.SendResult, error) {
	var acct *platform.Account
	for i := range s.accounts {
		if s.accounts[i].AppKey == appkey {
			acct = &s.accounts[i]
		}
	}
	if acct == nil {
		return service.SendResult{Outcome: service.SendInvalid}, fmt.Errorf("交易平台 %q 未配置（platforms 中没有该 appkey），通知未发送", appkey)
	}
	spec, ok := platform.Lookup(iface, platform.Outbound)
	if !ok {
		return service.SendResult{Outcome: service.SendInvalid}, fmt.Errorf("没有名为 %q 的通知接口，通知未发送", iface)
	}
	ex, err := s.client.Send(ctx, acct.NotifyURL, spec, fields, acct.Credentials(), s.now())
	var res service.SendResult
	if ex != nil {
		res.HTTPStatus, res.Duration = ex.StatusCode, ex.Duration
	}
	var (
		transport *platform.TransportError
		malformed *platform.MalformedReplyError
	)
	switch {
	case err == nil:
		res.Code, res.Message = strconv.Itoa(ex.Reply.Code), ex.Reply.Message
		res.Outcome = service.SendRefused
		if ex.Reply.OK() {
			res.Outcome = service.SendAccepted
		}
	case errors.As(err, &transport) && transport.Timeout():
		res.Outcome = service.SendTimeout
	case errors.As(err, &transport) && transport.StatusCode >= 300 && transport.StatusCode < 400:
		// Never followed: the notice is signed for notify_url and goes
		// nowhere else. A failed attempt, retried on the schedule.
		res.Outcome = service.SendHTTPError
		err = fmt.Errorf("交易平台返回重定向 HTTP %d（Location: %q），未跟随：通知只发往配置的 notify_url，请与平台核对地址：%w",
			transport.StatusCode, clipLocation(transport.Location), err)
	case errors.As(err, &transport) && transport.StatusCode != 0:
		res.Outcome = service.SendHTTPError
		// A platform may explain an HTTP error in a reply body; keep its
		// words for the officer.
		var r platform.Reply
		if json.Unmarshal(bytes.TrimSpace(ex.Response), &r) == nil {
			res.Message = r.Message
		}
	case errors.As(err, &transport):
		res.Outcome = service.SendUnreachable
	case errors.As(err, &malformed):
		res.Outcome = service.SendMalformed
	default: // the fields break the spec: a fault of ours
		res.Outcome = service.SendInvalid
		err = fmt.Errorf("报文不符合接口规范，未发送：%w", err)
	}
	return res, err
}

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
	sender := &noticeSender{client: client, accounts: cfg.Accounts(), now: time.Now}
	return svc.NewDispatcher(sender, dc), nil
}

// clipLocation keeps a redirect's Location short enough for the record.
func clipLocation(loc string) string {
	if r := []rune(loc); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return loc
}
