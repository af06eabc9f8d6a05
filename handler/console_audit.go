package handler

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

// The console's audit trail: the page and its CSV export (consoleCases).

type auditPage struct {
	pageBase
	Filter  auditFilter
	Actions []option
	Rows    []auditRow
	Pager   pager
	CSVURL  string
}

type auditFilter struct {
	ApplyNo, Actor, Action, From, To string
}

type auditRow struct {
	Time, ApplyNo, AppURL, Actor, Kind, Action, Detail string
}

const auditPageSize = 50

// auditQuery reads the audit page's filter.
func auditQuery(c *gin.Context) (auditFilter, service.AuditQuery, url.Values, error) {
	f := auditFilter{ApplyNo: strings.TrimSpace(c.Query("applyno")), Actor: strings.TrimSpace(c.Query("actor")),
		Action: c.Query("action"), From: c.Query("from"), To: c.Query("to")}
	q := service.AuditQuery{ApplyNo: f.ApplyNo, Actor: f.Actor, Action: f.Action}
	vals := url.Values{}
	for k, v := range map[string]string{"applyno": f.ApplyNo, "actor": f.Actor, "action": f.Action, "from": f.From, "to": f.To} {
		if v != "" {
			vals.Set(k, v)
		}
	}
	var err error
	if q.From, err = parseDay("起始日期", f.From); err != nil {
		return f, q, vals, err
	}
	to, err := parseDay("截止日期", f.To)
	if err == nil && !to.IsZero() {
		q.To = to.AddDate(0, 0, 1)
	}
	return f, q, vals, err
}

func (h *consoleCases) audit(c *gin.Context) {
	f, q, vals, err := auditQuery(c)
	v := auditPage{pageBase: h.base(c, "审计日志", "audit"), Filter: f, CSVURL: consolePrefix + "/audit.csv?" + vals.Encode()}
	for _, a := range service.AuditActions() {
		v.Actions = append(v.Actions, option{Value: a.Code, Label: a.Label, Selected: a.Code == f.Action})
	}
	if err != nil {
		h.renderBadFilter(c, err, "audit", &v.pageBase, &v.Pager, auditPageSize, &v)
		return
	}
	page := pageNumber(c)
	q.Offset, q.Limit = (page-1)*auditPageSize, auditPageSize
	events, total, err := h.Cases.FindAudit(c.Request.Context(), q)
	if err != nil {
		h.fail(c, err)
		return
	}
	for _, e := range events {
		row := auditRow{Time: service.BeijingTime(e.At), ApplyNo: e.ApplyNo, Actor: actorLabel(e.Actor),
			Kind: service.ActorKindLabel(e.Actor.Kind), Action: service.AuditActionLabel(e.Action), Detail: e.Detail}
		if e.ApplicationID != 0 {
			row.AppURL = appPath(e.ApplicationID)
		}
		v.Rows = append(v.Rows, row)
	}
	v.Pager = newPager(total, page, auditPageSize, func(p int) string {
		pv := url.Values{}
		for k, val := range vals {
			pv[k] = val
		}
		pv.Set("page", strconv.Itoa(p))
		return consolePrefix + "/audit?" + pv.Encode()
	})
	render(c, h.Log, h.pages, http.StatusOK, "audit", &v)
}

// maxCSVRows bounds an export.
const maxCSVRows = 100000

// auditCSV exports the audit trail the filter selects as CSV (UTF-8 with a
// byte order mark, so that spreadsheet programs read the Chinese).
func (h *consoleCases) auditCSV(c *gin.Context) {
	_, q, _, err := auditQuery(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	var rows [][]string
	for q.Offset = 0; q.Offset < maxCSVRows; q.Offset += 500 {
		q.Limit = 500
		events, _, err := h.Cases.FindAudit(c.Request.Context(), q)
		if err != nil {
			h.fail(c, err)
			return
		}
		for _, e := range events {
			rows = append(rows, []string{service.BeijingTime(e.At), e.ApplyNo, e.Actor.Name, service.ActorKindLabel(e.Actor.Kind),
				service.RoleLabel(e.Actor.Role), service.AuditActionLabel(e.Action), e.Detail})
		}
		if len(events) < q.Limit {
			break
		}
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"时间（北京时间）", "业务流水号", "操作人", "操作人类型", "角色", "操作", "详情"})
	for _, r := range rows {
		for i := range r {
			r[i] = csvSafe(r[i])
		}
		_ = w.Write(r)
	}
	w.Flush()
	name := fmt.Sprintf("审计日志-%s.csv", h.Now().In(platform.Beijing).Format("20060102-150405"))
	c.Header("Content-Disposition", "attachment; filename=\"audit.csv\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
