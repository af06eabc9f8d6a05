package handler

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/service"
)

//go:embed publicpages/*.html
var publicPages embed.FS

// PublicService is what the public pages need: verification and downloads.
type PublicService interface {
	Verify(ctx context.Context, baohanNo, checkCode string) (*service.Verification, error)
	VerifyDocument(ctx context.Context, r io.Reader) (*service.Verification, error)
	Download(ctx context.Context, token string) (*service.Document, error)
}

// Public serves what anyone may reach: the verification page (保函验真) that
// the letters' QR code leads to, and documents at their capability URLs.
type Public struct {
	Service PublicService
	Issuer  string
	Log     *slog.Logger
	// Uploads bounds the letters uploaded to /verify/document; nil: the
	// defaults (DefaultMaxUpload, DefaultUploads).
	Uploads *Uploads
	tmpl    *template.Template
}

// Register adds the public routes.
func (p *Public) Register(r gin.IRouter) {
	p.tmpl = template.Must(template.New("verify.html").Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).
		ParseFS(publicPages, "publicpages/verify.html"))
	p.Uploads = p.Uploads.orDefault()
	r.GET("/verify", p.verify)
	r.POST("/verify/document", p.verifyDocument)
	r.GET("/files/:token", p.download)
	r.HEAD("/files/:token", p.download)
}

type verifyPage struct {
	Issuer     string
	No, Code   string
	Error      string
	Result     *verifyResult
	Signatures []verifySignature
	// SignaturesUnchecked: the upload was too large to check its
	// signatures; only its digest was compared.
	SignaturesUnchecked bool
}

// verifySignature is one signature of an uploaded document.
type verifySignature struct {
	Signer, Algorithm, Time, TimeSource, Certification string
	Valid, Ours, WholeFile                             bool
	Problem                                            string
}

func signatureViews(sigs []service.DocSignature) []verifySignature {
	out := make([]verifySignature, len(sigs))
	for i, s := range sigs {
		v := verifySignature{Signer: s.Signer, Algorithm: s.Algorithm, Valid: s.Valid, Ours: s.Ours, WholeFile: s.WholeFile, Problem: s.Problem}
		if s.Organization != "" && s.Organization != s.Signer {
			v.Signer += "（" + s.Organization + "）"
		}
		if !s.Time.IsZero() {
			v.Time = service.BeijingTime(s.Time)
		}
		v.TimeSource = "签名服务器本地时钟（无可信时间戳）"
		if s.TimeFromTSA {
			v.TimeSource = "可信时间戳（" + s.TSA + "）"
		}
		switch s.Certification {
		case 0:
			v.Certification = "批准签名"
		case 1:
			v.Certification = "认证签名：不允许任何修改"
		case 2:
			v.Certification = "认证签名：仅允许填写表单和追加签名"
		default:
			v.Certification = "认证签名：允许填写表单、追加签名和批注"
		}
		out[i] = v
	}
	return out
}

type verifyResult struct {
	BaohanNo, StatusLabel, Badge, Issuer, Bidder, Amount, IssuedAt, ValidTo string
	Opened                                                                  bool
	Zbr, BiaoduanName, BiaoduanNo                                           string
	Document                                                                *verifyDocument
}

type verifyDocument struct {
	Kind, SM3 string
	Current   bool
}

func (p *Public) render(c *gin.Context, status int, page verifyPage) {
	page.Issuer = p.Issuer
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// The page has one inline style block and no script at all.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := p.tmpl.Execute(c.Writer, page); err != nil {
		p.Log.Error("render verify page", "error", err)
	}
}

func (p *Public) result(v *service.Verification) *verifyResult {
	r := &verifyResult{
		BaohanNo: v.BaohanNo, StatusLabel: v.StatusLabel, Badge: "invalid", Issuer: v.Issuer, Bidder: v.Bidder,
		Amount: v.Amount.Yuan(), IssuedAt: service.BeijingTime(v.IssuedAt), ValidTo: strings.SplitN(service.BeijingTime(v.ValidTo), " ", 2)[0],
		Opened: v.Opened, Zbr: v.Project.Zbr, BiaoduanName: v.Project.BiaoduanName, BiaoduanNo: v.Project.BiaoduanNo,
	}
	switch v.Status {
	case "valid":
		r.Badge = "valid"
	case "claimed":
		r.Badge = "pending"
	}
	if d := v.Document; d != nil {
		r.Document = &verifyDocument{Kind: d.Kind.Label(), SM3: d.SM3, Current: v.DocumentCurrent}
	}
	return r
}

// failPage shows a service error on the page; internal errors are logged.
func (p *Public) failPage(c *gin.Context, page verifyPage, err error) {
	v := showError(p.Log, err, "path", c.Request.URL.Path)
	page.Error = v.Message
	setRetryAfter(c, err)
	p.render(c, v.Status, page)
}

func (p *Public) verify(c *gin.Context) {
	page := verifyPage{No: c.Query("no"), Code: c.Query("code")}
	if page.No == "" && page.Code == "" {
		p.render(c, http.StatusOK, page)
		return
	}
	v, err := p.Service.Verify(c.Request.Context(), page.No, page.Code)
	if err != nil {
		p.failPage(c, page, err)
		return
	}
	page.Result = p.result(v)
	p.render(c, http.StatusOK, page)
}

// verifyDocument checks an uploaded letter. The file is streamed from the
// request into the SM3 digest: never held whole, never written to disk; at
// most Uploads' slots are read at once.
func (p *Public) verifyDocument(c *gin.Context) {
	mr, release, berr := p.Uploads.begin(c)
	if berr != nil {
		p.failPage(c, verifyPage{}, berr)
		return
	}
	defer release()
	var v *service.Verification
	_, err := readUpload(mr, "file", p.Uploads.MaxBytes(), func(r io.Reader) error {
		var err error
		v, err = p.Service.VerifyDocument(c.Request.Context(), r)
		return err
	})
	if err == nil && v == nil {
		err = service.Errorf(service.EINVALID, "请选择要核验的保函 PDF 文件")
	}
	if err != nil {
		page := verifyPage{}
		if v != nil {
			page.Signatures, page.SignaturesUnchecked = signatureViews(v.Signatures), v.SignaturesUnchecked
		}
		p.failPage(c, page, err)
		return
	}
	p.render(c, http.StatusOK, verifyPage{Result: p.result(v), Signatures: signatureViews(v.Signatures), SignaturesUnchecked: v.SignaturesUnchecked})
}

// download serves a document at its capability URL: the token is the only
// key, so answers are not cached by shared caches and never sniffed.
func (p *Public) download(c *gin.Context) {
	d, err := p.Service.Download(c.Request.Context(), c.Param("token"))
	if err != nil {
		v := showError(p.Log, err, "path", "/files/…")
		c.Header("Content-Type", "text/plain; charset=utf-8")
		c.String(v.Status, v.Message)
		return
	}
	c.Header("Content-Type", d.ContentType)
	c.Header("Content-Disposition", contentDisposition(d.FileName))
	c.Header("Content-Length", fmt.Sprint(len(d.Data)))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, no-store")
	c.Header("Referrer-Policy", "no-referrer")
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(d.Data)
	}
}

// contentDisposition names the file for saving, with an ASCII fallback and
// the UTF-8 name (RFC 6266/5987) so that Chinese names survive.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType("attachment", map[string]string{"filename": ascii})
	return v + "; filename*=UTF-8''" + url.PathEscape(name)
}
