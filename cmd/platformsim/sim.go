package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/internal/text"
	"github.com/baohangateway/baohan/platform"
)

// Config is what every mode needs.
type Config struct {
	Gateway      string        // the gateway's base URL; in load mode several, comma-separated (Gateways)
	PublicURL    string        // the gateway's public_url, when it differs from Gateway
	AppKey       string        // ours, as the gateway knows the platform
	AppSecret    string        // what we sign our requests with
	NoticeSecret string        // what we check the gateway's notices with ("" = AppSecret)
	Token        string        // admin API bearer token
	Listen       string        // where we receive notices
	NotifyPath   string        // the path of notify_url, e.g. /gbsapi
	PlatformCode string        // platformcode we send
	Wait         time.Duration // how long to wait for one notice
	Seed         uint64
	PDFSig       bool // check letters' signatures with pdfsig

	// load mode
	N           int
	Concurrency int
	GatewayPID  int    // read the gateway's peak memory from /proc
	JSONOut     string // write the load summary as JSON here
}

// Gateways are the base URLs of -gateway: one, or in load mode the
// comma-separated replicas of one gateway sharing one database.
func (c Config) Gateways() []string {
	var urls []string
	for _, u := range strings.Split(c.Gateway, ",") {
		urls = append(urls, strings.TrimRight(strings.TrimSpace(u), "/"))
	}
	return urls
}

// NotifyURL is the notify_url the gateway must be configured with.
func (c Config) NotifyURL(addr string) string {
	return "http://" + addr + c.NotifyPath
}

// Sim plays the trading platform against one gateway, or in load mode
// against its replicas.
type Sim struct {
	cfg   Config
	gw    *Gateway   // the first of gws
	gws   []*Gateway // the replicas of -gateway, in order; one outside load mode
	inbox *Inbox
	rep   *Report
	gen   *Generator
	pdf   PDFTools
	out   io.Writer
	addr  string // where the inbox listens
}

// newSim starts the notice endpoint on ln and returns the simulator; stop
// shuts the endpoint down.
func newSim(cfg Config, ln net.Listener, out io.Writer, keepPDF bool) (*Sim, func()) {
	rep := NewReport(out)
	secret := cfg.NoticeSecret
	if secret == "" {
		secret = cfg.AppSecret
	}
	inbox := NewInbox(platform.Account{Name: "模拟交易平台", AppKey: cfg.AppKey, AppSecret: secret}, rep, keepPDF)
	mux := http.NewServeMux()
	mux.Handle("/", inbox)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	transport := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0, IdleConnTimeout: 90 * time.Second}
	s := &Sim{
		cfg: cfg, inbox: inbox, rep: rep, out: out, addr: ln.Addr().String(),
		gen: NewGenerator(cfg.Seed, time.Now()),
		pdf: findPDFTools(cfg.PDFSig),
	}
	// The replicas share one client: its pool keeps connections per host.
	client := &http.Client{Timeout: 60 * time.Second, Transport: transport}
	for _, base := range cfg.Gateways() {
		g := &Gateway{Base: base, PublicURL: cfg.PublicURL,
			Cred:  platform.Credentials{AppKey: cfg.AppKey, AppSecret: cfg.AppSecret},
			Token: cfg.Token, HTTP: client, Now: time.Now}
		if g.PublicURL == "" {
			g.PublicURL = g.Base
		}
		s.gws = append(s.gws, g)
	}
	s.gw = s.gws[0]
	return s, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		transport.CloseIdleConnections()
	}
}

// gateway is the replica a's requests go to: every request of one
// application (baohanapply, approval, baohanrestore, its documents) goes to
// the same replica; outside load mode, the one gateway.
func (s *Sim) gateway(a *Application) *Gateway {
	return s.gws[a.Replica%len(s.gws)]
}

// preflight checks every replica answers and the admin token works.
func (s *Sim) preflight(ctx context.Context) error {
	for _, g := range s.gws {
		if err := preflight(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

func preflight(ctx context.Context, g *Gateway) error {
	_, err := g.Do(ctx, Request{Iface: platform.GiveUp, Method: http.MethodGet})
	if err != nil {
		return fmt.Errorf("无法连接网关 %s：%v（网关是否已启动？）", g.Base, err)
	}
	err = g.Admin(ctx, http.MethodGet, "/applications/TBaoHanSIMPREFLIGHT", nil, nil)
	var ae *AdminError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return fmt.Errorf("管理接口拒绝了令牌（HTTP 401）：请用 -token 给出网关配置 api.tokens 中的令牌")
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		return nil
	case err != nil:
		return err
	}
	return nil
}

// apply sends an application's baohanapply and checks the answer.
func (s *Sim) apply(ctx context.Context, a *Application) (Answer, error) {
	ans, err := s.gateway(a).Send(ctx, platform.BaohanApply, a.ApplyFields(s.cfg.PlatformCode))
	if err != nil {
		return ans, err
	}
	if !ans.Readable || !ans.Reply.OK() {
		return ans, fmt.Errorf("baohanapply 未被受理：%s", ans)
	}
	if u := ans.Reply.Data["redirecturl"]; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") {
			return ans, fmt.Errorf("baohanapply 应答的 data.redirecturl 不是 http(s) 地址：%q", u)
		}
	}
	return ans, nil
}

// approve approves an application through the admin API as the bank's core
// system, paying from the bidder's basic account.
func (s *Sim) approve(ctx context.Context, a *Application) (*AppView, error) {
	v, err := s.gateway(a).Act(ctx, a.ApplyNo, "approve", map[string]string{"payername": a.Bidder.Name, "payeraccount": a.Account})
	if err != nil {
		return nil, fmt.Errorf("审批（管理接口 approve）失败：%w", err)
	}
	a.BaohanNo, a.Cost = v.BaohanNo, v.Cost
	if v.Status != "issued" || v.BaohanNo == "" {
		return v, fmt.Errorf("审批后状态应为 issued 且有保函编号，实际状态 %s，保函编号 %q", v.Status, v.BaohanNo)
	}
	return v, nil
}

// restoreFields are a baohanrestore's fields for a, with key.
func (s *Sim) restoreFields(a *Application, key string) map[string]string {
	return map[string]string{"platformcode": s.cfg.PlatformCode, "applyno": a.ApplyNo, "baohanno": a.BaohanNo,
		"kaibiaotime": platform.FormatTime(time.Now().Truncate(time.Hour)), "key": key}
}

// letterCheck says what a letter's text must and must not show.
type letterCheck struct {
	must, mustNot map[string]string // label → text
}

// cipherLetter is what the ciphertext letter (before opening) shows: the
// platform's ciphertext, never the plaintext.
func cipherLetter(a *Application) letterCheck {
	return letterCheck{
		must: map[string]string{"保函编号": a.BaohanNo, "投标人": a.Bidder.Name, "投标人统一社会信用代码": a.Bidder.Code,
			"标段编号密文 biaoduanno": a.Cipher["biaoduanno"], "标段名称密文 biaoduanname": a.Cipher["biaoduanname"], "招标人密文 zbr": a.Cipher["zbr"]},
		mustNot: map[string]string{"招标人明文": a.Section.Tenderer.Name, "标段名称明文": a.Section.Name},
	}
}

// plainLetter is what the plaintext letter (after restore) shows.
func plainLetter(a *Application) letterCheck {
	return letterCheck{
		must: map[string]string{"保函编号": a.BaohanNo, "投标人": a.Bidder.Name, "标段编号 biaoduanno": a.Section.No,
			"标段名称 biaoduanname": a.Section.Name, "招标人 zbr": a.Section.Tenderer.Name, "招标人统一社会信用代码 zbrorgnum": a.Section.Tenderer.Code},
		mustNot: map[string]string{"招标人密文": a.Cipher["zbr"]},
	}
}

// checkLetter checks a letter's PDF of a: its text (pdftotext), its
// signature (pdfsig, when asked for) and that baohanurl serves the same file
// (fetched from a's replica).
func (s *Sim) checkLetter(ctx context.Context, a *Application, n *Notice, lc letterCheck) error {
	var errs []error
	if n.PDF == nil {
		return nil // not kept (load mode): the inbox checked it is a PDF
	}
	letterText, err := s.pdf.Text(ctx, n.PDF)
	switch {
	case errors.Is(err, errNoTool):
	case err != nil:
		errs = append(errs, fmt.Errorf("%s 的 baohanfile：%v", n.Interface, err))
	default:
		for _, label := range sortedKeys(lc.must) {
			if !containsText(letterText, lc.must[label]) {
				errs = append(errs, fmt.Errorf("%s 的保函文字中找不到%s「%s」", n.Interface, label, text.Clip(lc.must[label], 60)))
			}
		}
		for _, label := range sortedKeys(lc.mustNot) {
			if containsText(letterText, lc.mustNot[label]) {
				errs = append(errs, fmt.Errorf("%s 的保函文字中不应出现%s「%s」", n.Interface, label, text.Clip(lc.mustNot[label], 60)))
			}
		}
	}
	if err := s.pdf.VerifySignature(ctx, n.PDF); err != nil && !errors.Is(err, errNoTool) {
		errs = append(errs, fmt.Errorf("%s 的 baohanfile：%v", n.Interface, err))
	}
	if u := n.Params["baohanurl"]; u != "" {
		b, _, err := s.gateway(a).Fetch(ctx, u)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s 的 baohanurl 无法下载：%v", n.Interface, err))
		case gmcrypto.SM3Hex(b) != gmcrypto.SM3Hex(n.PDF):
			errs = append(errs, fmt.Errorf("%s 的 baohanurl 下载到的文件与 baohanfile 不同（%d 字节对 %d 字节）", n.Interface, len(b), len(n.PDF)))
		}
	}
	return errors.Join(errs...)
}

// expectBaohanNotice waits for the baohannotice (status 1) of an approved
// application and checks it against what the platform sent and the admin
// API shows; it learns the guarantee number and the premium.
func (s *Sim) expectBaohanNotice(ctx context.Context, a *Application, v *AppView) (*Notice, error) {
	n, err := s.inbox.Wait(ctx, s.cfg.Wait, a.ApplyNo, platform.BaohanNotice, 1)
	if err != nil {
		return nil, err
	}
	p := n.Params
	var errs []error
	want := map[string]string{"applystatus": "1", "payername": a.Bidder.Name, "payeraccount": a.Account}
	if v != nil {
		want["baohanno"], want["cost"], want["rate"] = v.BaohanNo, v.Cost, v.Rate
	}
	for _, k := range sortedKeys(want) {
		if p[k] != want[k] {
			errs = append(errs, fmt.Errorf("baohannotice 的字段 %s 应为 %q，实际为 %q", k, want[k], p[k]))
		}
	}
	if t, err := platform.ParseTime(p["generatetime"]); err == nil && time.Since(t).Abs() > 10*time.Minute {
		errs = append(errs, fmt.Errorf("baohannotice 的 generatetime %s 与当前北京时间 %s 相差过大（应为出函时间，北京时间）", p["generatetime"], platform.FormatTime(time.Now())))
	}
	if err := checkCost(a.Amount, p["rate"], p["cost"]); err != nil {
		errs = append(errs, err)
	}
	a.BaohanNo, a.Cost = p["baohanno"], p["cost"]
	if err := s.checkLetter(ctx, a, n, cipherLetter(a)); err != nil {
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// checkCost checks that the premium is at least amount × rate (a minimum
// premium may raise it), to the fen.
func checkCost(amount, rate, cost string) error {
	a, ok1 := new(big.Rat).SetString(amount)
	r, ok2 := new(big.Rat).SetString(rate)
	c, ok3 := new(big.Rat).SetString(cost)
	if !ok1 || !ok2 || !ok3 {
		return fmt.Errorf("baohannotice 的 rate %q 或 cost %q 不是数字", rate, cost)
	}
	prod := new(big.Rat).Mul(a, r)
	floor := new(big.Rat).Sub(prod, big.NewRat(1, 100)) // rounding to the fen
	if c.Cmp(floor) < 0 {
		return fmt.Errorf("baohannotice 的 cost %s 小于 保证金 %s × 费率 %s = %s", cost, amount, rate, prod.FloatString(2))
	}
	return nil
}

// expectRestoreNotice waits for the restorenotice of a restored application
// and checks its plaintext letter.
func (s *Sim) expectRestoreNotice(ctx context.Context, a *Application) (*Notice, error) {
	n, err := s.inbox.Wait(ctx, s.cfg.Wait, a.ApplyNo, platform.RestoreNotice, 1)
	if err != nil {
		return nil, err
	}
	var errs []error
	if n.Params["baohanno"] != a.BaohanNo {
		errs = append(errs, fmt.Errorf("restorenotice 的 baohanno 应为 %s，实际为 %s", a.BaohanNo, n.Params["baohanno"]))
	}
	if err := s.checkLetter(ctx, a, n, plainLetter(a)); err != nil {
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// refused checks an answer is a refusal whose message names every one of
// words (a field name, a reason).
func refused(ans Answer, err error, words ...string) error {
	if err != nil {
		return fmt.Errorf("请求未得到应答：%v", err)
	}
	if ans.HTTPStatus != http.StatusOK {
		return fmt.Errorf("应为 HTTP 200 加 code 0 的拒绝应答，实际 HTTP %d：%s", ans.HTTPStatus, text.Clip(string(ans.Body), 200))
	}
	if !ans.Readable {
		return fmt.Errorf("应答不是 {\"code\":0,\"message\":…}：%s", text.Clip(string(ans.Body), 200))
	}
	if ans.Reply.Code != 0 {
		return fmt.Errorf("应被拒绝（code 0），实际被受理：%s", ans)
	}
	for _, w := range words {
		if !strings.Contains(ans.Reply.Message, w) {
			return fmt.Errorf("已拒绝，但说明中没有指出 %q：%s", w, ans)
		}
	}
	return nil
}

// accepted checks an answer is code 1.
func accepted(ans Answer, err error) error {
	if err != nil {
		return fmt.Errorf("请求未得到应答：%v", err)
	}
	if !ans.Readable || ans.HTTPStatus != http.StatusOK {
		return fmt.Errorf("应答不是 HTTP 200 的 {\"code\":1,…}：HTTP %d %s", ans.HTTPStatus, text.Clip(string(ans.Body), 200))
	}
	if !ans.Reply.OK() {
		return fmt.Errorf("应被受理（code 1），实际被拒绝：%s", ans)
	}
	return nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
