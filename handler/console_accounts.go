package handler

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/pquerna/otp"

	"github.com/baohangateway/baohan/service"
)

// The console's accounts: the login page, login and logout, the officer's
// own account (password, TOTP) and the officers page.

// consoleAccounts serves the login, the account and the officers pages.
type consoleAccounts struct {
	*consoleKit
	// addrs throttles login failures by client address (newAddrBackoff);
	// the service throttles them by user name.
	addrs *service.Backoff
}

type loginPage struct {
	pageBase
	Username, Next, Error string
	AskTOTP               bool
}

// safeNext is where to go after login: a console path, never elsewhere.
func safeNext(next string) string {
	if strings.HasPrefix(next, consolePrefix+"/") && !strings.ContainsAny(next, "\\\r\n") && !strings.HasPrefix(next, consolePrefix+"/login") {
		return next
	}
	return consolePrefix + "/dashboard"
}

func (h *consoleAccounts) loginPage(c *gin.Context) {
	token, _ := c.Cookie(sessionCookie)
	if token != "" {
		if _, _, err := h.Accounts.Authenticate(c.Request.Context(), token); err == nil {
			c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
			return
		}
	}
	v := loginPage{pageBase: h.base(c, "登录", ""), Next: c.Query("next")}
	render(c, h.Log, h.pages, http.StatusOK, "login", &v)
}

func (h *consoleAccounts) login(c *gin.Context) {
	v := loginPage{pageBase: h.base(c, "登录", ""), Username: strings.TrimSpace(c.PostForm("username")), Next: c.PostForm("next")}
	ip, now := c.ClientIP(), h.Now()
	if wait := h.addrs.Wait(ip, now); wait > 0 {
		// Whoever else shares the address waits at most this long: refusals
		// do not lengthen the wait.
		c.Header("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		v.Error = fmt.Sprintf("来自您所在地址的登录失败次数过多：请 %s后再试", service.WaitText(wait))
		render(c, h.Log, h.pages, http.StatusTooManyRequests, "login", &v)
		return
	}
	l, err := h.Accounts.Login(c.Request.Context(), service.LoginInput{Username: v.Username, Password: c.PostForm("password"),
		TOTPCode: c.PostForm("totp"), IP: ip, UserAgent: c.Request.UserAgent()})
	if err != nil {
		e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
		if e.Code == service.EFORBIDDEN {
			h.addrs.Fail(ip, now)
		}
		v.Error = e.Message
		v.AskTOTP = strings.Contains(v.Error, "动态口令")
		render(c, h.Log, h.pages, e.Status, "login", &v)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: l.Token, Path: consolePrefix,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureCookies(c, h.PublicURL)})
	if l.Officer.MustChangePassword {
		c.Redirect(http.StatusSeeOther, consolePrefix+"/account")
		return
	}
	c.Redirect(http.StatusSeeOther, safeNext(v.Next))
}

func (h *consoleAccounts) logout(c *gin.Context) {
	if err := h.Accounts.Logout(c.Request.Context(), officerOf(c), sessionOf(c)); err != nil {
		h.fail(c, err)
		return
	}
	h.clearSessionCookie(c)
	c.Redirect(http.StatusSeeOther, consolePrefix+"/login")
}

// newAddrBackoff throttles console login failures by client address: the
// tenth starts a wait of 1 s, each further one doubles it, up to 15
// minutes. Behind a reverse proxy the client address is X-Forwarded-For's
// only when http.trusted_proxies names the proxy; otherwise every login
// would share the proxy's address.
func newAddrBackoff() *service.Backoff {
	return &service.Backoff{Free: 9, First: time.Second, Max: 15 * time.Minute, Forget: time.Hour}
}

// The officer's own account.

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

func (h *consoleAccounts) account(c *gin.Context) {
	h.showAccount(c, actionForm{}, nil)
}

func (h *consoleAccounts) showAccount(c *gin.Context, form actionForm, err error) {
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
func (h *consoleAccounts) totpView(e *service.TOTPEnrollment) *totpView {
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

func (h *consoleAccounts) changePassword(c *gin.Context) {
	err := h.Accounts.ChangePassword(c.Request.Context(), officerOf(c), sessionOf(c),
		c.PostForm("current"), c.PostForm("new"), c.PostForm("confirm"))
	if err != nil {
		h.showAccount(c, actionForm{Action: "password"}, err)
		return
	}
	done(c, consolePrefix+"/account", "password")
}

func (h *consoleAccounts) beginTOTP(c *gin.Context) {
	if _, err := h.Accounts.BeginTOTP(c.Request.Context(), officerOf(c)); err != nil {
		h.showAccount(c, actionForm{Action: "totp"}, err)
		return
	}
	c.Redirect(http.StatusSeeOther, consolePrefix+"/account#totp")
}

func (h *consoleAccounts) confirmTOTP(c *gin.Context) {
	if err := h.Accounts.ConfirmTOTP(c.Request.Context(), officerOf(c), c.PostForm("code")); err != nil {
		h.showAccount(c, actionForm{Action: "totp"}, err)
		return
	}
	done(c, consolePrefix+"/account", "totp_on")
}

func (h *consoleAccounts) disableTOTP(c *gin.Context) {
	if err := h.Accounts.DisableTOTP(c.Request.Context(), officerOf(c), c.PostForm("password")); err != nil {
		h.showAccount(c, actionForm{Action: "totp_disable"}, err)
		return
	}
	done(c, consolePrefix+"/account", "totp_off")
}

// The officers.

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

func (h *consoleAccounts) officers(c *gin.Context) {
	h.showOfficers(c, service.NewOfficer{Role: service.RoleMaker}, actionForm{}, nil)
}

func (h *consoleAccounts) showOfficers(c *gin.Context, nw service.NewOfficer, form actionForm, err error) {
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

func (h *consoleAccounts) createOfficer(c *gin.Context) {
	in := service.NewOfficer{Username: c.PostForm("username"), DisplayName: c.PostForm("display_name"), Role: c.PostForm("role"),
		Password: c.PostForm("password")}
	if _, err := h.Accounts.CreateOfficer(c.Request.Context(), officerOf(c).Actor(), in); err != nil {
		h.showOfficers(c, in, actionForm{Action: "create"}, err)
		return
	}
	done(c, consolePrefix+"/officers", "officer_created")
}

func (h *consoleAccounts) updateOfficer(c *gin.Context) {
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
