package handler

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

// The console's case pages (GET): the dashboard, the queue, the
// application page, the notices and the proposals; the audit trail is in
// console_audit.go, the application page's view in
// console_application_view.go.

// consoleCases serves the pages that read applications, notices,
// proposals and the audit trail.
type consoleCases struct {
	*consoleKit
	Cases     ConsoleCases
	Proposals ConsoleProposals // the proposals page lists them
	Setup     ConsoleSetup     // the dashboard's signing panel
	Platforms []service.PlatformInfo
}

// The dashboard.

type dashboardPage struct {
	pageBase
	Updated  string
	Cards    []kpiCard
	Exposure meter
	Notices  noticeHealth
	States   []stateTab
	Chart    chartView
	Rules    []ruleView
	Signing  *signingPanel
}

type kpiCard struct {
	Label, Value, Sub, URL, Class string
}

type meter struct {
	Used, Limit, Percent string
	Width                int // 0 to 100
	Class                string
	NoLimit              bool
}

type noticeHealth struct {
	Pending, Failed, Delivered int
	Oldest, Class, Summary     string
}

type ruleView struct{ Label, Value string }

func (h *consoleCases) dashboard(c *gin.Context) {
	d, err := h.Cases.Dashboard(c.Request.Context())
	if err != nil {
		h.fail(c, err)
		return
	}
	v := dashboardPage{pageBase: h.base(c, "工作台", "dashboard"), Updated: service.BeijingTime(d.Now)}
	received := d.States[service.StateReceived]
	v.Cards = []kpiCard{
		{Label: "今日收到申请", Value: strconv.Itoa(d.Today.Applications), Sub: fmt.Sprintf("今日出函 %d 笔", d.Today.Issued),
			URL: consolePrefix + "/applications?from=" + d.Today.Day},
		{Label: "本月收到申请", Value: strconv.Itoa(d.Month.Applications), Sub: fmt.Sprintf("本月出函 %d 笔", d.Month.Issued),
			URL: consolePrefix + "/applications?from=" + d.Month.Day},
		{Label: "本月出函金额", Value: yuan(d.Month.IssuedAmount), Sub: "今日 " + yuan(d.Today.IssuedAmount)},
		{Label: "本月保费收入", Value: yuan(d.Month.Premium), Sub: "今日 " + yuan(d.Today.Premium)},
		{Label: "待审核申请", Value: strconv.Itoa(received), Sub: fmt.Sprintf("待复核提议 %d 件", d.PendingProposals),
			URL: consolePrefix + "/applications?state=received", Class: map[bool]string{true: "attn"}[received > 0]},
		{Label: "未结理赔", Value: strconv.Itoa(d.OpenClaims), Sub: "索赔金额 " + yuan(d.OpenClaimAmount),
			URL: consolePrefix + "/applications?state=claimed", Class: map[bool]string{true: "alert"}[d.OpenClaims > 0]},
	}
	v.Exposure = meter{Used: yuan(d.Exposure), NoLimit: d.ExposureLimit == 0}
	if d.ExposureLimit > 0 {
		pct := float64(d.Exposure) * 100 / float64(d.ExposureLimit)
		v.Exposure.Limit, v.Exposure.Percent = yuan(d.ExposureLimit), fmt.Sprintf("%.1f%%", pct)
		v.Exposure.Width = min(100, int(pct+0.5))
		switch {
		case pct >= 90:
			v.Exposure.Class = "bad"
		case pct >= 75:
			v.Exposure.Class = "warn"
		}
	}
	v.Notices = noticeHealth{Pending: d.Notices[service.NoticePending], Failed: d.Notices[service.NoticeFailed],
		Delivered: d.Notices[service.NoticeDelivered], Oldest: service.BeijingTime(d.OldestUndelivered), Class: "ok", Summary: "全部送达"}
	switch {
	case v.Notices.Failed > 0:
		v.Notices.Class, v.Notices.Summary = "bad", fmt.Sprintf("%d 条发送失败，需处理", v.Notices.Failed)
	case v.Notices.Pending > 0 && h.Now().Sub(d.OldestUndelivered) > 10*time.Minute:
		v.Notices.Class, v.Notices.Summary = "warn", "有通知超过 10 分钟未送达"
	case v.Notices.Pending > 0:
		v.Notices.Class, v.Notices.Summary = "ok", fmt.Sprintf("%d 条发送中", v.Notices.Pending)
	}
	for _, st := range service.States {
		if n := d.States[st]; n > 0 {
			v.States = append(v.States, stateTab{Label: st.Label(), Count: n, URL: consolePrefix + "/applications?state=" + string(st)})
		}
	}
	v.Chart = dailyChart(d.Days)
	uw := d.Settings.Underwriting
	v.Rules = []ruleView{
		{"费率", ratePercent(uw.Rate)}, {"最低保费", yuan(uw.MinPremium)},
		{"单笔上限", limitText(uw.MaxAmount)}, {"复核金额阈值", limitText(d.Settings.CheckerThreshold)},
		{"保函有效期", fmt.Sprintf("%d 天", uw.ValidityDays)}, {"禁止承保", fmt.Sprintf("%d 家", len(uw.BlockedBidders))},
	}
	v.Signing = signingView(h.Setup.SigningStatus())
	render(c, h.Log, h.pages, http.StatusOK, "dashboard", &v)
}

func limitText(m service.Money) string {
	if m == 0 {
		return "未设置"
	}
	return yuan(m)
}

// The queue.

const queuePageSize = 30

// parseDay reads a yyyy-mm-dd date (Beijing time) of a filter.
func parseDay(label, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, platform.Beijing)
	if err != nil {
		return time.Time{}, service.Errorf(service.EINVALID, "%s「%s」格式错误：应为 yyyy-mm-dd，如 2026-01-31", label, s)
	}
	return t, nil
}

func pageNumber(c *gin.Context) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 10000)
}

func (h *consoleCases) queue(c *gin.Context) {
	v := queuePage{pageBase: h.base(c, "业务队列", "applications")}
	f := queueFilter{Q: strings.TrimSpace(c.Query("q")), Platform: c.Query("platform"), State: c.Query("state"),
		Flag: c.Query("flag"), Letter: c.Query("letter"), From: c.Query("from"), To: c.Query("to")}
	v.Filter = f
	page := pageNumber(c)
	filter := service.ApplicationFilter{Query: f.Q, Platform: f.Platform, Offset: (page - 1) * queuePageSize, Limit: queuePageSize}
	if f.State != "" {
		filter.States = []service.State{service.State(f.State)}
	}
	switch f.Flag {
	case "yes", "no":
		flagged := f.Flag == "yes"
		filter.Flagged = &flagged
	}
	if f.Letter == "failed" { // 出函失败: plaintext letters whose last attempt failed
		filter.LetterFailed = true
	}
	var err error
	if filter.From, err = parseDay("起始日期", f.From); err == nil {
		var to time.Time
		if to, err = parseDay("截止日期", f.To); err == nil && !to.IsZero() {
			filter.To = to.AddDate(0, 0, 1) // the whole last day
		}
	}
	link := func(mod func(q url.Values)) string {
		q := url.Values{}
		for k, val := range map[string]string{"q": f.Q, "platform": f.Platform, "state": f.State, "flag": f.Flag, "letter": f.Letter, "from": f.From, "to": f.To} {
			if val != "" {
				q.Set(k, val)
			}
		}
		mod(q)
		if len(q) == 0 {
			return consolePrefix + "/applications"
		}
		return consolePrefix + "/applications?" + q.Encode()
	}
	for _, p := range h.Platforms {
		v.Platforms = append(v.Platforms, option{Value: p.AppKey, Label: p.Name, Selected: p.AppKey == f.Platform})
	}
	for _, st := range service.States {
		v.States = append(v.States, option{Value: string(st), Label: st.Label(), Selected: string(st) == f.State})
	}
	v.FlagOpts = []option{{"yes", "有风险提示", f.Flag == "yes"}, {"no", "无风险提示", f.Flag == "no"}}
	if err != nil {
		h.renderBadFilter(c, err, "queue", &v.pageBase, &v.Pager, queuePageSize, &v)
		return
	}
	q, err := h.Cases.Queue(c.Request.Context(), filter)
	if err != nil {
		h.fail(c, err)
		return
	}
	all := 0
	for _, n := range q.Counts {
		all += n
	}
	v.Tabs = append(v.Tabs, stateTab{Label: "全部", Count: all, Active: f.State == "" && !filter.LetterFailed,
		URL: link(func(q url.Values) { q.Del("state"); q.Del("letter") })})
	for _, st := range service.States {
		st := st
		v.Tabs = append(v.Tabs, stateTab{Label: st.Label(), Count: q.Counts[st], Active: f.State == string(st) && !filter.LetterFailed,
			URL: link(func(q url.Values) { q.Set("state", string(st)); q.Del("letter") })})
	}
	v.Tabs = append(v.Tabs, stateTab{Label: "出函失败", Count: q.LetterFailed, Active: filter.LetterFailed, Alert: q.LetterFailed > 0,
		URL: link(func(q url.Values) { q.Del("state"); q.Set("letter", "failed") })})
	o := officerOf(c)
	work := o != nil && (o.Role == service.RoleMaker || o.Role == service.RoleChecker)
	for _, a := range q.Applications {
		row := queueRow{ID: a.ID, ApplyNo: a.ApplyNo, Bidder: a.BidderName, BidderNo: a.BidderCode, Amount: yuan(a.Amount),
			Premium: yuan(a.Premium), Platform: h.Cases.PlatformName(a.Platform), State: stateBadge(a.State), Flags: len(a.Flags),
			Blocking: len(a.BlockingFlags()) > 0, AwaitingChecker: q.PendingApproval[a.ID], CreatedAt: service.BeijingTime(a.CreatedAt),
			BaohanNo: a.BaohanNo}
		if a.PayerAccount != "" {
			row.Payer = "已确认"
		}
		if a.LetterFailed() {
			row.LetterFailed, row.LetterError, row.LetterAttempts = true, a.PlainError, a.PlainAttempts
			row.LetterNext = service.BeijingTime(a.PlainNextAt)
			row.CanRetryLetter = work && !q.PendingApproval[a.ID]
		}
		v.Rows = append(v.Rows, row)
	}
	v.Pager = newPager(q.Total, page, queuePageSize, func(p int) string {
		return link(func(q url.Values) { q.Set("page", strconv.Itoa(p)) })
	})
	render(c, h.Log, h.pages, http.StatusOK, "queue", &v)
}

// The application page.

func pathID(c *gin.Context, name, label string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, service.Errorf(service.ENOTFOUND, "%s编号「%s」无效", label, c.Param(name))
	}
	return id, nil
}

func (h *consoleCases) application(c *gin.Context) {
	h.showApplication(c, actionForm{}, nil)
}

// showApplication renders the application page, with the form that failed
// and its error when err is not nil.
func (h *consoleCases) showApplication(c *gin.Context, form actionForm, err error) {
	status := h.formError(c, &form, err)
	id, perr := pathID(c, "id", "申请")
	if perr != nil {
		h.fail(c, perr)
		return
	}
	cf, lerr := h.Cases.CaseFile(c.Request.Context(), id)
	if lerr != nil {
		h.fail(c, lerr)
		return
	}
	v := applicationPage{appPage: appPage{pageBase: h.base(c, "业务流水号 "+cf.Application.ApplyNo, "applications"), Form: form}}
	h.fillApp(&v.appPage, cf, officerOf(c))
	v.Calls = callLines(cf.Audit)
	render(c, h.Log, h.pages, status, "application", &v)
}

// The notices.

type noticesPage struct {
	pageBase
	Status                     string
	Tabs                       []stateTab
	Rows                       []noticeLine
	Pager                      pager
	Failed, Pending, Delivered int
	Oldest                     string
	Form                       actionForm
}

const noticePageSize = 30

func (h *consoleCases) notices(c *gin.Context) {
	h.showNotices(c, actionForm{}, nil)
}

func (h *consoleCases) showNotices(c *gin.Context, form actionForm, err error) {
	status := h.formError(c, &form, err)
	v := noticesPage{pageBase: h.base(c, "通知记录", "notices"), Status: c.Query("status"), Form: form}
	page := pageNumber(c)
	f := service.NoticeFilter{Offset: (page - 1) * noticePageSize, Limit: noticePageSize}
	switch st := service.NoticeStatus(v.Status); st {
	case service.NoticeFailed, service.NoticePending, service.NoticeDelivered:
		f.Statuses = []service.NoticeStatus{st}
	default:
		v.Status = ""
	}
	l, lerr := h.Cases.NoticeLog(c.Request.Context(), f)
	if lerr != nil {
		h.fail(c, lerr)
		return
	}
	v.Failed, v.Pending, v.Delivered = l.Stats[service.NoticeFailed], l.Stats[service.NoticePending], l.Stats[service.NoticeDelivered]
	v.Oldest = service.BeijingTime(l.OldestUndelivered)
	for _, t := range []struct {
		st    string
		label string
		n     int
	}{{"", "全部", v.Failed + v.Pending + v.Delivered}, {"failed", "发送失败", v.Failed}, {"pending", "待发送", v.Pending}, {"delivered", "已送达", v.Delivered}} {
		u := consolePrefix + "/notices"
		if t.st != "" {
			u += "?status=" + t.st
		}
		v.Tabs = append(v.Tabs, stateTab{Label: t.label, Count: t.n, URL: u, Active: t.st == v.Status})
	}
	o := officerOf(c)
	work := o.Role == service.RoleMaker || o.Role == service.RoleChecker
	for _, n := range l.Notices {
		v.Rows = append(v.Rows, h.noticeLineOf(n, l.ApplyNos[n.ApplicationID], l.PendingResend[n.ID], work))
	}
	v.Pager = newPager(l.Total, page, noticePageSize, func(p int) string {
		q := url.Values{"page": {strconv.Itoa(p)}}
		if v.Status != "" {
			q.Set("status", v.Status)
		}
		return consolePrefix + "/notices?" + q.Encode()
	})
	render(c, h.Log, h.pages, status, "notices", &v)
}

// The proposals.

type proposalsPage struct {
	pageBase
	All   bool
	Tabs  []stateTab
	Rows  []proposalView
	Pager pager
	Form  actionForm
}

func (h *consoleCases) proposals(c *gin.Context) {
	h.showProposals(c, actionForm{}, nil)
}

func (h *consoleCases) showProposals(c *gin.Context, form actionForm, err error) {
	status := h.formError(c, &form, err)
	v := proposalsPage{pageBase: h.base(c, "待复核", "proposals"), All: c.Query("all") == "1", Form: form}
	page := pageNumber(c)
	f := service.ProposalFilter{Offset: (page - 1) * queuePageSize, Limit: queuePageSize}
	if !v.All {
		f.Statuses = []service.ProposalStatus{service.ProposalPending}
	}
	list, total, lerr := h.Proposals.FindProposals(c.Request.Context(), f)
	if lerr != nil {
		h.fail(c, lerr)
		return
	}
	v.Tabs = []stateTab{{Label: "待复核", URL: consolePrefix + "/proposals", Active: !v.All},
		{Label: "全部提议", URL: consolePrefix + "/proposals?all=1", Active: v.All}}
	o := officerOf(c)
	for _, p := range list {
		v.Rows = append(v.Rows, proposalViewOf(p, o))
	}
	v.Pager = newPager(total, page, queuePageSize, func(p int) string {
		u := consolePrefix + "/proposals?page=" + strconv.Itoa(p)
		if v.All {
			u += "&all=1"
		}
		return u
	})
	render(c, h.Log, h.pages, status, "proposals", &v)
}
