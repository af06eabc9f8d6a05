package handler

import (
	"html/template"
	"math/big"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

// The typed views of the console's pages: everything formatted for people
// (amounts as ¥20,000.00, times in Beijing time, codes as Chinese labels)
// before the templates see it.

// pageBase is what the layout reads on every page.
type pageBase struct {
	Title       string
	Nav         string
	Institution string
	Officer     *officerBadge // nil on the login page
	Menu        []menuItem
	CSRF        template.HTML
	Flash       string // a success message after a form
	Error       string // a page-level error (a bad filter)
	Portal      bool   // the bidder portal's simpler frame
	UploadLimit string // the largest file a form may upload, "20 MB"
}

type officerBadge struct {
	Name, Username, Role, RoleLabel string
}

type menuItem struct {
	Key, Label, URL string
	Active          bool
}

// consoleMenu is the navigation a role sees.
func consoleMenu(role, active string) []menuItem {
	items := []menuItem{
		{Key: "dashboard", Label: "工作台", URL: consolePrefix + "/dashboard"},
		{Key: "applications", Label: "业务队列", URL: consolePrefix + "/applications"},
		{Key: "proposals", Label: "待复核", URL: consolePrefix + "/proposals"},
		{Key: "notices", Label: "通知记录", URL: consolePrefix + "/notices"},
	}
	if role == service.RoleAdmin || role == service.RoleAuditor || role == service.RoleChecker {
		items = append(items,
			menuItem{Key: "audit", Label: "审计日志", URL: consolePrefix + "/audit"},
			menuItem{Key: "settings", Label: "参数设置", URL: consolePrefix + "/settings"})
	}
	if role == service.RoleAdmin || role == service.RoleAuditor {
		items = append(items, menuItem{Key: "officers", Label: "账户管理", URL: consolePrefix + "/officers"})
	}
	for i := range items {
		items[i].Active = items[i].Key == active
	}
	return items
}

type errorPage struct {
	pageBase
	Message string
}

// badge is a coloured label: a state, a status, a flag.
type badge struct {
	Label, Class string
}

func stateBadge(st service.State) badge {
	class := map[service.State]string{
		service.StateReceived: "b-wait", service.StateIssued: "b-info", service.StateQuitPending: "b-warn",
		service.StateRestored: "b-ok", service.StateClaimed: "b-danger", service.StatePaid: "b-dark",
		service.StateCancelled: "b-muted", service.StateWithdrawn: "b-muted", service.StateRejected: "b-muted",
		service.StateAbandoned: "b-muted",
	}[st]
	return badge{Label: st.Label(), Class: class}
}

func noticeBadge(st service.NoticeStatus) badge {
	class := map[service.NoticeStatus]string{service.NoticePending: "b-wait", service.NoticeDelivered: "b-ok", service.NoticeFailed: "b-danger"}[st]
	return badge{Label: st.Label(), Class: class}
}

func proposalBadge(st service.ProposalStatus) badge {
	class := map[service.ProposalStatus]string{service.ProposalPending: "b-wait", service.ProposalConfirmed: "b-ok",
		service.ProposalDeclined: "b-danger", service.ProposalWithdrawn: "b-muted"}[st]
	return badge{Label: st.Label(), Class: class}
}

func yuan(m service.Money) string { return "¥" + m.Yuan() }

// ratePercent shows a fee rate as a percentage: "0.005" is "0.5%".
func ratePercent(rate string) string {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(rate))
	if !ok {
		return rate
	}
	s := new(big.Rat).Mul(r, big.NewRat(100, 1)).FloatString(4)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// day is the Beijing date of t.
func day(t time.Time) string {
	s := service.BeijingTime(t)
	if len(s) >= 10 {
		return s[:10]
	}
	return s
}

// actorLabel names who acted: "zhangsan（经办）", "交易平台 finance_demo".
func actorLabel(a service.Actor) string {
	switch a.Kind {
	case service.ActorOfficer:
		if a.Role != "" {
			return a.Name + "（" + service.RoleLabel(a.Role) + "）"
		}
		return a.Name
	case service.ActorPlatform:
		if a.Name == "投标人门户" {
			return "投标人（门户）"
		}
		return "交易平台 " + a.Name
	case service.ActorAPI:
		return "接口 " + a.Name
	}
	return "系统"
}

// pager is a page of a list.
type pager struct {
	Total, Page, Pages int
	Prev, Next         string // URLs; "" at the ends
}

func newPager(total, page, size int, link func(page int) string) pager {
	pages := (total + size - 1) / size
	if pages < 1 {
		pages = 1
	}
	p := pager{Total: total, Page: page, Pages: pages}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// renderBadFilter shows the list page name with no rows and the error of its
// filter; base and pg are v's.
func (h *consoleKit) renderBadFilter(c *gin.Context, err error, name string, base *pageBase, pg *pager, size int, v any) {
	e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
	base.Error = e.Message
	*pg = newPager(0, 1, size, nil)
	render(c, h.Log, h.pages, e.Status, name, v)
}

// The queue.

type queuePage struct {
	pageBase
	Filter    queueFilter
	Tabs      []stateTab
	Rows      []queueRow
	Pager     pager
	Platforms []option
	States    []option
	FlagOpts  []option
}

type queueFilter struct {
	Q, Platform, State, Flag, Letter, From, To string
}

type stateTab struct {
	Label, URL string
	Count      int
	Active     bool
	Alert      bool // a tab that asks for attention (出函失败 with letters in it)
}

type option struct {
	Value, Label string
	Selected     bool
}

type queueRow struct {
	ID                         int64
	ApplyNo, Bidder, BidderNo  string
	Amount, Premium, Platform  string
	State                      badge
	Flags                      int
	Blocking                   bool
	AwaitingChecker            bool
	CreatedAt, BaohanNo, Payer string

	// A plaintext letter that failed (出函失败): why, how often, when it
	// is tried again, and whether this officer may propose a retry.
	LetterFailed   bool
	LetterError    string
	LetterAttempts int
	LetterNext     string
	CanRetryLetter bool
}
