package handler

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/pquerna/otp"

	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
)

// The console's own pages: the officer's account, the settings, the
// accounts, the audit trail.

type accountPage struct {
	pageBase
	Username, Name, RoleLabel, LastLogin string
	Must, TOTPOn                         bool
	Enroll                               *totpView
	Form                                 actionForm
}

type totpView struct {
	Secret string // grouped by four for typing
	QR     template.URL
}

func (h *Console) account(c *gin.Context) {
	h.showAccount(c, actionForm{}, nil)
}

func (h *Console) showAccount(c *gin.Context, form actionForm, err error) {
	status := h.formError(c, &form, err)
	o := officerOf(c)
	v := accountPage{pageBase: h.base(c, "我的账户", "account"), Username: o.Username, Name: o.Name(), RoleLabel: service.RoleLabel(o.Role),
		LastLogin: service.BeijingTime(o.LastLoginAt), Must: o.MustChangePassword, TOTPOn: o.TOTPSecret != "", Form: form}
	if e := h.Accounts.PendingTOTP(o); e != nil {
		v.Enroll = h.totpView(e)
	}
	render(c, h.Log, h.pages, status, "account", &v)
}

// totpView shows an enrollment: the secret and its QR code, made here as a
// PNG data URL (no outside service).
func (h *Console) totpView(e *service.TOTPEnrollment) *totpView {
	var groups []string
	for s := e.Secret; len(s) > 0; {
		n := min(4, len(s))
		groups, s = append(groups, s[:n]), s[n:]
	}
	v := &totpView{Secret: strings.Join(groups, " ")}
	key, err := otp.NewKeyFromURL(e.URL)
	if err != nil {
		h.Log.Error("totp url", "error", err)
		return v
	}
	img, err := key.Image(220, 220)
	if err != nil {
		h.Log.Error("totp qr code", "error", err)
		return v
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err == nil {
		v.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
	}
	return v
}

func (h *Console) changePassword(c *gin.Context) {
	err := h.Accounts.ChangePassword(c.Request.Context(), officerOf(c), sessionOf(c),
		c.PostForm("current"), c.PostForm("new"), c.PostForm("confirm"))
	if err != nil {
		h.showAccount(c, actionForm{Action: "password"}, err)
		return
	}
	done(c, consolePrefix+"/account", "password")
}

func (h *Console) beginTOTP(c *gin.Context) {
	if _, err := h.Accounts.BeginTOTP(c.Request.Context(), officerOf(c)); err != nil {
		h.showAccount(c, actionForm{Action: "totp"}, err)
		return
	}
	c.Redirect(http.StatusSeeOther, consolePrefix+"/account#totp")
}

func (h *Console) confirmTOTP(c *gin.Context) {
	if err := h.Accounts.ConfirmTOTP(c.Request.Context(), officerOf(c), c.PostForm("code")); err != nil {
		h.showAccount(c, actionForm{Action: "totp"}, err)
		return
	}
	done(c, consolePrefix+"/account", "totp_on")
}

func (h *Console) disableTOTP(c *gin.Context) {
	if err := h.Accounts.DisableTOTP(c.Request.Context(), officerOf(c), c.PostForm("password")); err != nil {
		h.showAccount(c, actionForm{Action: "totp_disable"}, err)
		return
	}
	done(c, consolePrefix+"/account", "totp_off")
}

// Settings.

type settingsPage struct {
	pageBase
	Form      service.SettingsInput
	Editable  bool
	FormError string
	Signing   *signingPanel
}

func (h *Console) settings(c *gin.Context) {
	v := settingsPage{pageBase: h.base(c, "参数设置", "settings"), Form: service.SettingsForm(h.Setup.Settings()),
		Editable: officerOf(c).Role == service.RoleAdmin, Signing: signingView(h.Setup.SigningStatus())}
	render(c, h.Log, h.pages, http.StatusOK, "settings", &v)
}

func (h *Console) updateSettings(c *gin.Context) {
	in := service.SettingsInput{Rate: c.PostForm("rate"), MinPremium: c.PostForm("min_premium"), MaxAmount: c.PostForm("max_amount"),
		ExposureLimit: c.PostForm("exposure_limit"), ValidityDays: c.PostForm("validity_days"),
		CheckerThreshold: c.PostForm("checker_threshold"), BlockedBidders: c.PostForm("blocked_bidders")}
	if _, err := h.Setup.UpdateSettings(c.Request.Context(), officerOf(c).Actor(), in); err != nil {
		e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
		v := settingsPage{pageBase: h.base(c, "参数设置", "settings"), Form: in, Editable: true, FormError: e.Message,
			Signing: signingView(h.Setup.SigningStatus())}
		render(c, h.Log, h.pages, e.Status, "settings", &v)
		return
	}
	done(c, consolePrefix+"/settings", "settings")
}

// Accounts.

type officersPage struct {
	pageBase
	Rows     []officerRow
	Roles    []option
	Editable bool
	New      service.NewOfficer
	Form     actionForm
}

type officerRow struct {
	ID                                                int64
	Username, Name, Role, RoleLabel                   string
	Status                                            badge
	TOTP, LastLogin, Locked, PasswordChanged, Created string
	Disabled, Self, MustChange                        bool
	RoleOpts                                          []option
}

func (h *Console) officers(c *gin.Context) {
	h.showOfficers(c, service.NewOfficer{Role: service.RoleMaker}, actionForm{}, nil)
}

func (h *Console) showOfficers(c *gin.Context, nw service.NewOfficer, form actionForm, err error) {
	status := h.formError(c, &form, err)
	me := officerOf(c)
	list, lerr := h.Accounts.ListOfficers(c.Request.Context(), me.Actor())
	if lerr != nil {
		h.fail(c, lerr)
		return
	}
	nw.Password = "" // never shown again
	v := officersPage{pageBase: h.base(c, "账户管理", "officers"), Editable: me.Role == service.RoleAdmin, New: nw, Form: form}
	roleOpts := func(selected string) []option {
		var out []option
		for _, r := range service.Roles {
			out = append(out, option{Value: r, Label: service.RoleLabel(r), Selected: r == selected})
		}
		return out
	}
	v.Roles = roleOpts(nw.Role)
	now := h.Now()
	for _, o := range list {
		row := officerRow{ID: o.ID, Username: o.Username, Name: o.DisplayName, Role: o.Role, RoleLabel: service.RoleLabel(o.Role),
			Status: badge{"正常", "b-ok"}, TOTP: "未启用", LastLogin: service.BeijingTime(o.LastLoginAt),
			PasswordChanged: day(o.PasswordChangedAt), Created: day(o.CreatedAt), Disabled: o.Disabled, Self: o.ID == me.ID,
			MustChange: o.MustChangePassword, RoleOpts: roleOpts(o.Role)}
		if o.TOTPSecret != "" {
			row.TOTP = "已启用"
		}
		switch {
		case o.Disabled:
			row.Status = badge{"已停用", "b-muted"}
		case now.Before(o.LockedUntil):
			row.Status = badge{"登录受限", "b-danger"} // failed logins: the next one must wait
			row.Locked = service.BeijingTime(o.LockedUntil)
		case o.MustChangePassword:
			row.Status = badge{"待改密", "b-wait"}
		}
		v.Rows = append(v.Rows, row)
	}
	render(c, h.Log, h.pages, status, "officers", &v)
}

func (h *Console) createOfficer(c *gin.Context) {
	in := service.NewOfficer{Username: c.PostForm("username"), DisplayName: c.PostForm("display_name"), Role: c.PostForm("role"),
		Password: c.PostForm("password")}
	if _, err := h.Accounts.CreateOfficer(c.Request.Context(), officerOf(c).Actor(), in); err != nil {
		h.showOfficers(c, in, actionForm{Action: "create"}, err)
		return
	}
	done(c, consolePrefix+"/officers", "officer_created")
}

func (h *Console) updateOfficer(c *gin.Context) {
	id, err := pathID(c, "id", "账户")
	if err != nil {
		h.fail(c, err)
		return
	}
	ch := service.OfficerChange{DisplayName: c.PostForm("display_name"), Role: c.PostForm("role"), Disabled: c.PostForm("disabled") == "1",
		Password: c.PostForm("password"), ResetTOTP: c.PostForm("reset_totp") == "1"}
	if _, err := h.Accounts.UpdateOfficer(c.Request.Context(), officerOf(c).Actor(), id, ch); err != nil {
		h.showOfficers(c, service.NewOfficer{Role: service.RoleMaker}, actionForm{Action: "update", ProposalID: id}, err)
		return
	}
	done(c, consolePrefix+"/officers", "officer_updated")
}

// The audit trail.

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

func (h *Console) audit(c *gin.Context) {
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
func (h *Console) auditCSV(c *gin.Context) {
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
