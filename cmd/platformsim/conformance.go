package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/baohangateway/baohan/platform"
)

// conformance exercises every interface of §4 and every refusal the gateway
// must make, and returns errDeviations when anything deviates. Each check
// prints one line; the deviations are listed at the end.
func (s *Sim) conformance(ctx context.Context) error {
	c := &conf{Sim: s}
	if err := c.setup(); err != nil {
		return err
	}
	steps := []struct {
		title string
		fn    func(context.Context)
	}{
		{"报文、签名与时间戳（§3）", c.transport},
		{"投保申请与重发（§4.1）", c.applications},
		{"出函与 baohannotice（§4.2）", c.issue},
		{"字段表：必填、长度、格式、取值（§4）", c.fieldTable},
		{"开标前的拒绝与退保（§4.7、4.8、4.9、4.11）", c.beforeOpening},
		{"开标：还原保函与 restorenotice（§4.3、4.4）", c.opening},
		{"开标后：发票、注销、理赔（§4.5–4.10）", c.afterOpening},
		{"放弃与拒绝（§4.11、4.12、4.2 applystatus 0）", c.abandon},
		{"通知总检", c.notices},
	}
	for _, st := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.rep.Step("\n%s", st.title)
		st.fn(ctx)
	}
	passed, failed := s.rep.Counts()
	fmt.Fprintf(s.out, "\n检查 %d 项：通过 %d，未通过 %d；收到通知 %d 条。\n", passed+failed, passed, failed, len(s.inbox.All()))
	if s.rep.Summary(s.out) > 0 {
		return errDeviations
	}
	return nil
}

// conf holds the applications the conformance run works with.
type conf struct {
	*Sim
	secA, secB *Section
	// On section A: main (restore, invoice, claim), cancel (restore,
	// cancel), quitOK (withdrawn), quitNo (withdrawal refused, then
	// restored), target (field-table checks), issued (refusals once issued).
	main, cancel, quitOK, quitNo, target, issued *Application
	// On section B: giveup (4.11), ours (4.12 accepted), oursNo (4.12
	// refused by the platform), reject.
	giveup, ours, oursNo, reject *Application
	views                        map[*Application]*AppView
	failedOnce                   atomic.Bool
}

func (c *conf) setup() error {
	secs := c.gen.Sections(2)
	c.secA, c.secB = secs[0], secs[1]
	c.views = map[*Application]*AppView{}
	for _, p := range []struct {
		dst **Application
		sec *Section
	}{{&c.main, c.secA}, {&c.cancel, c.secA}, {&c.quitOK, c.secA}, {&c.quitNo, c.secA}, {&c.target, c.secA}, {&c.issued, c.secA},
		{&c.giveup, c.secB}, {&c.ours, c.secB}, {&c.oursNo, c.secB}, {&c.reject, c.secB}} {
		a, err := c.gen.NewApplication(p.sec)
		if err != nil {
			return err
		}
		*p.dst = a
	}
	// The platform's answers: the first baohannotice of quitNo meets an
	// unavailable platform (HTTP 503) and must be retried; the 4.12
	// giveupapply of oursNo is refused.
	c.inbox.SetPolicy(func(n *Notice) (int, platform.Reply) {
		switch {
		case n.Interface == platform.BaohanNotice && n.ApplyNo == c.quitNo.ApplyNo && !c.failedOnce.Swap(true):
			return http.StatusServiceUnavailable, platform.Reply{Code: 0, Message: "模拟交易平台暂时不可用"}
		case n.Interface == platform.GiveUp && n.ApplyNo == c.oursNo.ApplyNo:
			return http.StatusOK, platform.Reply{Code: 0, Message: "该投标人已使用此保函递交投标文件，不能放弃"}
		}
		return http.StatusOK, platform.Reply{Code: 1, Message: "成功"}
	})
	return nil
}

// fresh makes a new application on section A, not sent.
func (c *conf) fresh() *Application {
	a, err := c.gen.NewApplication(c.secA)
	if err != nil {
		panic(err) // SM4 with a 16-byte key cannot fail
	}
	return a
}

func (c *conf) applyReq(a *Application) Request {
	return Request{Iface: platform.BaohanApply, Fields: a.ApplyFields(c.cfg.PlatformCode)}
}

// notices: every notice received passed the inbox's checks.
func (c *conf) notices(ctx context.Context) {
	all := c.inbox.All()
	var errs []error
	count := map[string]int{}
	for _, n := range all {
		count[n.Interface]++
		for _, p := range n.Problems {
			errs = append(errs, errors.New(p))
		}
	}
	var parts []string
	for _, k := range sortedKeysInt(count) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, count[k]))
	}
	if len(errs) > 0 {
		// Already listed as they arrived; name them once here.
		c.rep.Check("N01", fmt.Sprintf("收到的 %d 条通知（%s）签名、时间戳、字段均正确", len(all), strings.Join(parts, " ")),
			fmt.Errorf("%d 条通知有问题（见上）", len(errs)))
		return
	}
	c.rep.Check("N01", fmt.Sprintf("收到的 %d 条通知（%s）签名、时间戳、字段均正确", len(all), strings.Join(parts, " ")), nil)
}

func sortedKeysInt(m map[string]int) []string {
	s := make(map[string]string, len(m))
	for k := range m {
		s[k] = ""
	}
	return sortedKeys(s)
}
