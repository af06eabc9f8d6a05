package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/internal/text"
	"github.com/baohangateway/baohan/platform"
)

// Gateway is the Baohan Gateway under test, seen from the platform: the
// platform API it serves (POST /api/<interface>), its admin API (acting as
// the bank's core system) and its document URLs.
type Gateway struct {
	Base      string // e.g. http://127.0.0.1:8080
	PublicURL string // the gateway's public_url: its URLs are fetched at Base instead
	Cred      platform.Credentials
	Token     string // admin API bearer token
	HTTP      *http.Client
	Now       func() time.Time
}

// Answer is what the gateway said to one platform request.
type Answer struct {
	HTTPStatus int
	Reply      platform.Reply
	Readable   bool   // the body was a {"code":…,"message":…} answer
	Body       []byte // the raw body
	Duration   time.Duration
}

func (a Answer) String() string {
	if !a.Readable {
		return fmt.Sprintf("HTTP %d，应答无法解析：%s", a.HTTPStatus, text.Clip(string(a.Body), 200))
	}
	s := fmt.Sprintf("code=%d message=%q", a.Reply.Code, a.Reply.Message)
	if len(a.Reply.Data) > 0 {
		b, _ := json.Marshal(a.Reply.Data)
		s += " data=" + string(b)
	}
	return s
}

// Request is one platform request, valid or deliberately not.
type Request struct {
	Iface  string
	Fields map[string]string // business fields; appkey, timestamp and sign are added

	AppKey    string // "" means ours
	Secret    string // "" means ours
	Timestamp string // "" means now; "-" leaves it out
	NoSign    bool   // send without sign
	Sign      string // a sign of our own choosing
	UpperSign bool   // send the signature in upper-case hex
	Form      bool   // post as application/x-www-form-urlencoded requestData
	Body      []byte // send these bytes as they are
	Method    string // "" means POST
}

// Params returns the message's params as they are signed and sent.
func (g *Gateway) Params(r Request) map[string]string {
	p := make(map[string]string, len(r.Fields)+3)
	for k, v := range r.Fields {
		p[k] = v
	}
	p["appkey"] = g.Cred.AppKey
	if r.AppKey != "" {
		p["appkey"] = r.AppKey
	}
	switch r.Timestamp {
	case "":
		p["timestamp"] = platform.FormatTime(g.Now())
	case "-":
	default:
		p["timestamp"] = r.Timestamp
	}
	secret := g.Cred.AppSecret
	if r.Secret != "" {
		secret = r.Secret
	}
	switch {
	case r.NoSign:
	case r.Sign != "":
		p["sign"] = r.Sign
	default:
		p["sign"] = gmcrypto.Sign(p, secret)
		if r.UpperSign {
			p["sign"] = strings.ToUpper(p["sign"])
		}
	}
	return p
}

// Do sends r to the platform API and reads the answer. An error means no
// HTTP answer was had.
func (g *Gateway) Do(ctx context.Context, r Request) (Answer, error) {
	body, ct := r.Body, platform.ContentType
	if body == nil {
		p := g.Params(r)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(p)
		body = bytes.TrimSpace(buf.Bytes())
		if r.Form {
			body = []byte(url.Values{platform.FormField: {string(body)}}.Encode())
			ct = "application/x-www-form-urlencoded"
		}
	}
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	return g.post(ctx, method, g.Base+"/api/"+r.Iface, ct, body)
}

// Send builds a valid signed message of the inbound interface iface from
// fields with the spec table (platform.Spec.Build: fresh timestamp, fields
// checked, every value a string) and posts it.
func (g *Gateway) Send(ctx context.Context, iface string, fields map[string]string) (Answer, error) {
	spec, ok := platform.Lookup(iface, platform.Inbound)
	if !ok {
		return Answer{}, fmt.Errorf("no inbound interface %q", iface)
	}
	body, _, err := spec.Build(fields, g.Cred, g.Now())
	if err != nil {
		return Answer{}, fmt.Errorf("模拟器构造报文失败：%w", err)
	}
	return g.post(ctx, http.MethodPost, g.Base+"/api/"+iface, platform.ContentType, body)
}

func (g *Gateway) post(ctx context.Context, method, u, ct string, body []byte) (Answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Content-Type", ct)
	start := time.Now()
	resp, err := g.HTTP.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	a := Answer{HTTPStatus: resp.StatusCode}
	a.Body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	a.Duration = time.Since(start)
	if err != nil {
		return a, err
	}
	if json.Unmarshal(bytes.TrimSpace(a.Body), &a.Reply) == nil {
		a.Readable = true
	}
	return a, nil
}

// AdminError is an error answer of the admin API.
type AdminError struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *AdminError) Error() string {
	return fmt.Sprintf("管理接口返回 HTTP %d %s：%s", e.Status, e.Code, e.Message)
}

// Admin calls the admin API: method and path under /admin/api, body marshalled
// as JSON when not nil, the answer decoded into out. A non-2xx answer is an
// *AdminError.
func (g *Gateway) Admin(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.Base+"/admin/api"+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+g.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("管理接口 %s %s 无法连接：%w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &AdminError{Status: resp.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Message == "" {
			e.Message = text.Clip(string(b), 300)
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("管理接口 %s %s 的应答无法解析：%w", method, path, err)
		}
	}
	return nil
}

// AppView is the part of the admin API's application we read.
type AppView struct {
	ApplyNo      string `json:"applyno"`
	Status       string `json:"status"`
	StatusLabel  string `json:"status_label"`
	BidderName   string `json:"biddername"`
	BaohanNo     string `json:"baohanno"`
	CheckCode    string `json:"check_code"`
	Rate         string `json:"rate"`
	Cost         string `json:"cost"`
	PayerName    string `json:"payername"`
	PayerAccount string `json:"payeraccount"`
	PortalURL    string `json:"portal_url"`
	Project      struct {
		Sealed       bool   `json:"sealed"`
		BiaoduanNo   string `json:"biaoduanno"`
		BiaoduanName string `json:"biaoduanname"`
		Zbr          string `json:"zbr"`
		ZbrOrgNum    string `json:"zbrorgnum"`
	} `json:"project"`
	Documents []struct {
		Kind string `json:"kind"`
		URL  string `json:"url"`
		SM3  string `json:"sm3"`
	} `json:"documents"`
	Notices []struct {
		ID        int64             `json:"id"`
		Interface string            `json:"interface"`
		Status    string            `json:"status"`
		Fields    map[string]string `json:"fields"`
		LastError string            `json:"last_error"`
		Attempts  []struct {
			HTTPStatus int    `json:"http_status"`
			Code       string `json:"code"`
			Error      string `json:"error"`
		} `json:"attempts"`
	} `json:"notices"`
	Invoice *struct {
		Status    string `json:"status"`
		InvoiceNo string `json:"invoiceno"`
	} `json:"invoice"`
	Claims []struct {
		ID     int64  `json:"id"`
		Amount string `json:"payeramount"`
		Status string `json:"status"`
	} `json:"claims"`
}

// Application reads an application through the admin API.
func (g *Gateway) Application(ctx context.Context, applyNo string) (*AppView, error) {
	var v AppView
	if err := g.Admin(ctx, http.MethodGet, "/applications/"+url.PathEscape(applyNo), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Act posts an officer action (approve, reject, giveup, quit/approve, …) on
// an application and returns the application as it is afterwards.
func (g *Gateway) Act(ctx context.Context, applyNo, action string, body any) (*AppView, error) {
	var v AppView
	if err := g.Admin(ctx, http.MethodPost, "/applications/"+url.PathEscape(applyNo)+"/"+action, body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Fetch downloads one of the gateway's URLs (a document's capability URL),
// reaching it at Base when it starts with the gateway's public URL.
func (g *Gateway) Fetch(ctx context.Context, u string) ([]byte, string, error) {
	if pub := strings.TrimRight(g.PublicURL, "/"); pub != "" && strings.HasPrefix(u, pub+"/") {
		u = g.Base + strings.TrimPrefix(u, pub)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := g.HTTP.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return b, resp.Header.Get("Content-Type"), fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return b, resp.Header.Get("Content-Type"), nil
}
