package handler

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
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
