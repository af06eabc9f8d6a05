package handler

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

// The console's and portal's pages are server-rendered from embedded
// templates; their one stylesheet and one small script are embedded too
// and served by us: a bank intranet has no internet.

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// assetsPrefix is where the embedded static files are served.
const assetsPrefix = "/assets/"

// RegisterAssets serves the console's and portal's static files at
// /assets/. Their URLs carry a digest of the content (?v=…), so browsers
// may keep them for a year.
func RegisterAssets(r gin.IRouter) {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	files := http.FileServer(http.FS(sub))
	serve := func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Request.URL.Path = c.Param("filepath")
		if strings.HasSuffix(c.Request.URL.Path, "/") {
			c.Status(http.StatusNotFound)
			return
		}
		files.ServeHTTP(c.Writer, c.Request)
	}
	r.GET(assetsPrefix+"*filepath", serve)
	r.HEAD(assetsPrefix+"*filepath", serve)
}

// assetURLs maps each static file to its URL with a digest of its content.
func assetURLs() map[string]string {
	urls := map[string]string{}
	_ = fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		urls[name] = assetsPrefix + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	return urls
}

// templateFuncs are the few helpers the templates use; everything else is
// formatted into the view structs.
func templateFuncs(assets map[string]string) template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return assets[name] },
		"yuan":  func(m service.Money) string { return "¥" + m.Yuan() },
		"time":  service.BeijingTime,
		"add":   func(a, b int) int { return a + b },
	}
}

// loadPages parses every page template with the layout and partials: a page
// is a file that defines "content"; the layout ("layout.html") and files
// starting with "_" are shared.
func loadPages() map[string]*template.Template {
	funcs := templateFuncs(assetURLs())
	shared := template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/_*.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t := template.Must(template.Must(shared.Clone()).ParseFS(templateFiles, n))
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages
}

// render writes a page with status. The page's template executes "layout".
func render(c *gin.Context, log *slog.Logger, pages map[string]*template.Template, status int, name string, data any) {
	t, ok := pages[name]
	if !ok {
		log.Error("no such page template", "page", name)
		e := internalError()
		c.String(e.Status, e.Message)
		return
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		log.Error("render page", "page", name, "error", err)
		e := internalError()
		c.String(e.Status, e.Message)
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	_, _ = c.Writer.WriteString(b.String())
}

// pageHeaders are the headers of every console and portal page: no caching
// (pages show personal and business data), no framing, no content from
// elsewhere, and no Referer beyond our origin (the portal's URL is its key).
func pageHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	c.Next()
}

// secureCookies says whether cookies must be Secure: the request came over
// TLS or the public URL is https (TLS ends at a reverse proxy).
func secureCookies(c *gin.Context, publicURL string) bool {
	return c.Request.TLS != nil || strings.HasPrefix(strings.ToLower(publicURL), "https:")
}

// consoleKit is what every console page shares: rendering a page and its
// errors, the session and role middleware, and the CSRF refusal. The page
// groups (consoleAccounts, consoleCases, consoleActions, consoleSettings)
// each hold a pointer to the one kit that Console.Register makes.
type consoleKit struct {
	Accounts    ConsoleAccounts // authenticates sessions; the accounts pages use it too
	Log         *slog.Logger
	PublicURL   string
	Institution string
	Now         Clock    // never nil
	Uploads     *Uploads // never nil

	pages map[string]*template.Template
}

// authenticate finds the officer of the session cookie, or sends the
// browser to the login page (and back here after it). An officer who must
// change the password may only do that.
func (h *consoleKit) authenticate(c *gin.Context) {
	token, _ := c.Cookie(sessionCookie)
	o, sess, err := h.Accounts.Authenticate(c.Request.Context(), token)
	if err != nil {
		if service.ErrorCode(err) == service.EINTERNAL {
			h.fail(c, err)
			c.Abort()
			return
		}
		next := ""
		if c.Request.Method == http.MethodGet {
			next = c.Request.URL.RequestURI()
		}
		loc := consolePrefix + "/login"
		if next != "" {
			loc += "?next=" + url.QueryEscape(next)
		}
		if token != "" {
			h.clearSessionCookie(c)
		}
		c.Redirect(http.StatusSeeOther, loc)
		c.Abort()
		return
	}
	c.Set(officerKey, o)
	c.Set(sessionKey, sess)
	if o.MustChangePassword && !strings.HasPrefix(c.FullPath(), consolePrefix+"/account") && c.FullPath() != consolePrefix+"/logout" {
		c.Redirect(http.StatusSeeOther, consolePrefix+"/account")
		c.Abort()
		return
	}
	c.Next()
}

// requireRole lets only officers with one of roles through.
func (h *consoleKit) requireRole(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		o := officerOf(c)
		for _, r := range roles {
			if o.Role == r {
				c.Next()
				return
			}
		}
		h.fail(c, service.Errorf(service.EFORBIDDEN, "您的角色（%s）无权进行此操作", service.RoleLabel(o.Role)))
		c.Abort()
	}
}

func officerOf(c *gin.Context) *service.Officer {
	v, _ := c.Get(officerKey)
	o, _ := v.(*service.Officer)
	return o
}

func sessionOf(c *gin.Context) *service.Session {
	v, _ := c.Get(sessionKey)
	s, _ := v.(*service.Session)
	return s
}

func (h *consoleKit) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: consolePrefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureCookies(c, h.PublicURL)})
}

// base is the part of every page's view that the layout reads.
func (h *consoleKit) base(c *gin.Context, title, nav string) pageBase {
	b := pageBase{Title: title, Nav: nav, Institution: h.Institution, CSRF: csrfField(c), UploadLimit: byteSize(h.Uploads.MaxBytes())}
	if o := officerOf(c); o != nil {
		b.Officer = &officerBadge{Name: o.Name(), Username: o.Username, Role: o.Role, RoleLabel: service.RoleLabel(o.Role)}
		b.Menu = consoleMenu(o.Role, nav)
	}
	if msg, ok := doneMessages[c.Query("done")]; ok {
		b.Flash = msg
	}
	return b
}

// fail shows a service error as a page: the message for the officer,
// "系统内部错误" (and one log line) for anything internal.
func (h *consoleKit) fail(c *gin.Context, err error) {
	e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
	v := errorPage{pageBase: h.base(c, "出错了", ""), Message: e.Message}
	render(c, h.Log, h.pages, e.Status, "error", &v)
}

// formError puts the message of a failed form's err beside the form and
// returns the page's status; nil is no error (200). Internal errors are
// logged here, once.
func (h *consoleKit) formError(c *gin.Context, form *actionForm, err error) int {
	if err == nil {
		return http.StatusOK
	}
	e := showError(h.Log, err, "request_id", requestID(c), "path", c.Request.URL.Path)
	form.Error = e.Message
	return e.Status
}

// consoleBinding is what a console form's token belongs to: the officer's
// session (none on the login page).
func consoleBinding(c *gin.Context) string {
	s, _ := c.Cookie(sessionCookie)
	return "console\x00" + s
}

// refused answers a form refused before it was read: a missing or wrong
// CSRF token or origin (403), a body too large (413) or of the wrong type
// (415), no upload slot free (503).
func (h *consoleKit) refused(c *gin.Context, err *bodyError) {
	h.Log.Info("form refused", "request_id", requestID(c), "path", c.Request.URL.Path, "status", err.Status, "reason", refusalReason(err))
	title := "请求被拒绝"
	if err.Status != http.StatusForbidden {
		title = "无法处理该请求"
	}
	setRetryAfter(c, err)
	v := errorPage{pageBase: h.base(c, title, ""), Message: err.Error()}
	render(c, h.Log, h.pages, err.Status, "error", &v)
}
