// Package outbound is our side of the wire toward the platforms: the
// adapters that turn the service's outgoing notices (service.NoticeSender)
// and calls (service.PlatformCaller) into signed platform messages, posted
// with platform.Client to each platform's notify_url.
package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/baohangateway/baohan/internal/text"
	"strconv"
	"time"

	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

// Notices delivers the outbox's notices with the signed platform client:
// service.NoticeSender over platform.Client.
type Notices struct {
	Client   *platform.Client
	Accounts []platform.Account // the platforms we know, by appkey
	Now      func() time.Time   // the clock of the messages' timestamps
}

var _ service.NoticeSender = (*Notices)(nil)

// Send implements service.NoticeSender: it builds the message from the spec's
// table (every value a string, no empty optional field, appkey, a fresh
// timestamp and sign), posts it to the platform's notify_url/<iface> and
// classifies what came back.
func (s *Notices) Send(ctx context.Context, appkey, iface string, fields map[string]string) (service.SendResult, error) {
	acct := platform.FindAccount(s.Accounts, appkey)
	if acct == nil {
		return service.SendResult{Outcome: service.SendInvalid}, fmt.Errorf("交易平台 %q 未配置（platforms 中没有该 appkey），通知未发送", appkey)
	}
	spec, ok := platform.Lookup(iface, platform.Outbound)
	if !ok {
		return service.SendResult{Outcome: service.SendInvalid}, fmt.Errorf("没有名为 %q 的通知接口，通知未发送", iface)
	}
	ex, err := s.Client.Send(ctx, acct.NotifyURL, spec, fields, acct.Credentials(), s.Now())
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
			transport.StatusCode, text.Clip(transport.Location, 200), err)
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

// Caller sends the calls whose answer decides our state (§4.12
// giveupapply): service.PlatformCaller over platform.Client.
type Caller struct {
	Client   *platform.Client
	Accounts []platform.Account // the platforms we know, by appkey
	Now      func() time.Time   // the clock of the messages' timestamps
}

var _ service.PlatformCaller = (*Caller)(nil)

// Call implements service.PlatformCaller.
func (c *Caller) Call(ctx context.Context, appkey, iface string, fields map[string]string) (bool, string, error) {
	acct := platform.FindAccount(c.Accounts, appkey)
	if acct == nil {
		return false, "", fmt.Errorf("platform %q is not configured", appkey)
	}
	spec, ok := platform.Lookup(iface, platform.Outbound)
	if !ok {
		return false, "", fmt.Errorf("no outbound message %q", iface)
	}
	ex, err := c.Client.Send(ctx, acct.NotifyURL, spec, fields, acct.Credentials(), c.Now())
	if err != nil {
		return false, "", err
	}
	return ex.Reply.OK(), ex.Reply.Message, nil
}
