package handler

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// The console's and the portal's forms are protected in two layers, both
// checked before the form is read:
//
//  1. net/http's CrossOriginProtection refuses what a browser marks as
//     cross-site (Sec-Fetch-Site, or an Origin that is neither the Host nor
//     the public URL's origin, scheme included, for proxies that rewrite
//     Host).
//  2. A token in every form: the HMAC-SHA256, under the console secret, of a
//     random value in the browser's baohan_csrf cookie and of what the page
//     belongs to (the officer's session, or the portal link). A site that
//     can plant a cookie still cannot make a token for someone else's
//     session, and tokens are compared in constant time. Each page gets
//     the MAC masked with a fresh pad, so pages never repeat it.
//
// Small forms are URL-encoded and read in full (bounded); an upload form
// must carry the token as its first part, so that the token is checked
// before the file is read.

const (
	csrfCookie    = "baohan_csrf"
	csrfFieldName = "csrf_token"
	csrfTokenKey  = "baohan.csrf_token" // the gin context's token for the page
	csrfCookieAge = 12 * 60 * 60
	csrfRawBytes  = 32
	uploadKey     = "baohan.upload" // the gin context's *multipart.Reader of an upload
)

// csrfRefused is the message of a refused form.
const csrfRefused = "表单已失效或来源无法验证（CSRF 校验未通过）：请返回上一页，刷新后重新提交。"

// formGuard protects the forms of the console or the portal.
type formGuard struct {
	key       []byte
	publicURL string
	cop       *http.CrossOriginProtection
	bind      func(c *gin.Context) string // what a token belongs to besides the cookie
	fail      func(c *gin.Context, err *bodyError)
}

// newFormGuard makes the guard of one group of pages. secret is the console
// secret (32 bytes); bind names what a page's forms belong to; fail shows a
// refusal.
func newFormGuard(secret []byte, publicURL string, bind func(*gin.Context) string, fail func(*gin.Context, *bodyError)) *formGuard {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host) // scheme and host parsed: always valid
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("baohan console csrf v1"))
	return &formGuard{key: mac.Sum(nil), publicURL: publicURL, cop: cop, bind: bind, fail: fail}
}

// mac is the secret of the cookie value raw for binding.
func (g *formGuard) mac(raw, binding string) []byte {
	mac := hmac.New(sha256.New, g.key)
	mac.Write([]byte(raw))
	mac.Write([]byte{0})
	mac.Write([]byte(binding))
	return mac.Sum(nil)
}

// token is a form token of the cookie value raw for binding: the MAC masked
// with a fresh random pad (pad, pad XOR mac), so that no two pages carry the
// same bytes and a compressed page cannot be probed for it (BREACH).
func (g *formGuard) token(raw, binding string) string {
	m := g.mac(raw, binding)
	b := make([]byte, 2*len(m))
	_, _ = rand.Read(b[:len(m)]) // never fails (crypto/rand)
	for i := range m {
		b[len(m)+i] = b[i] ^ m[i]
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// unmask returns the MAC a token carries, or nil when it is malformed.
func unmask(token string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 2*sha256.Size {
		return nil
	}
	m := make([]byte, sha256.Size)
	for i := range m {
		m[i] = b[i] ^ b[sha256.Size+i]
	}
	return m
}

// cookie returns the browser's CSRF cookie value, setting a new one when the
// request has none (or a malformed one).
func (g *formGuard) cookie(c *gin.Context) string {
	if v, err := c.Cookie(csrfCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(v); err == nil && len(b) == csrfRawBytes {
			return v
		}
	}
	b := make([]byte, csrfRawBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", MaxAge: csrfCookieAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureCookies(c, g.publicURL)})
	return v
}

// issue gives the request its page token, for the forms its page shows.
func (g *formGuard) issue(c *gin.Context) {
	c.Set(csrfTokenKey, g.token(g.cookie(c), g.bind(c)))
	c.Next()
}

// safe reports whether method changes nothing (no check, no body read).
func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// check protects routes whose POSTs are small URL-encoded forms: origin,
// then the form (bounded, never multipart), then the token.
func (g *formGuard) check(c *gin.Context) {
	if safe(c.Request.Method) {
		c.Next()
		return
	}
	if err := g.cop.Check(c.Request); err != nil {
		g.refuse(c, newBodyError(http.StatusForbidden, err, csrfRefused))
		return
	}
	if err := readForm(c, maxFormBody); err != nil {
		g.refuse(c, err)
		return
	}
	if !g.valid(c, c.Request.PostForm.Get(csrfFieldName)) {
		g.refuse(c, newBodyError(http.StatusForbidden, errBadToken, csrfRefused))
		return
	}
	c.Next()
}

// upload protects an upload route: origin, then a slot of u and the
// multipart body's first part, which must be the token. The handler reads
// the rest with uploadOf.
func (g *formGuard) upload(u *Uploads) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := g.cop.Check(c.Request); err != nil {
			g.refuse(c, newBodyError(http.StatusForbidden, err, csrfRefused))
			return
		}
		mr, release, berr := u.begin(c)
		if berr != nil {
			g.refuse(c, berr)
			return
		}
		defer release()
		part, err := mr.NextPart()
		if err != nil {
			g.refuse(c, readError("上传的表单", u.MaxBytes(), err))
			return
		}
		tok, err := io.ReadAll(io.LimitReader(part, 512))
		if err != nil {
			g.refuse(c, readError("上传的表单", u.MaxBytes(), err))
			return
		}
		if part.FormName() != csrfFieldName || !g.valid(c, string(tok)) {
			g.refuse(c, newBodyError(http.StatusForbidden, errBadToken, csrfRefused))
			return
		}
		c.Set(uploadKey, mr)
		c.Next()
	}
}

// valid reports whether got is the token of the request's cookie and page.
func (g *formGuard) valid(c *gin.Context, got string) bool {
	raw, err := c.Cookie(csrfCookie)
	m := unmask(got)
	if err != nil || m == nil {
		return false
	}
	return hmac.Equal(m, g.mac(raw, g.bind(c)))
}

func (g *formGuard) refuse(c *gin.Context, err *bodyError) {
	g.fail(c, err)
	c.Abort()
}

// errBadToken is the logged reason of a missing or wrong token.
var errBadToken = errors.New("CSRF token missing or wrong")

// csrfField is the hidden form field of the request's CSRF token; empty on
// a page whose request was not given one.
func csrfField(c *gin.Context) template.HTML {
	tok := c.GetString(csrfTokenKey)
	if tok == "" {
		return ""
	}
	return template.HTML(`<input type="hidden" name="` + csrfFieldName + `" value="` + template.HTMLEscapeString(tok) + `">`)
}
