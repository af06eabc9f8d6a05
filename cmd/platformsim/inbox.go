package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/internal/text"
	"github.com/baohangateway/baohan/platform"
)

// Notice is one message the gateway sent to the platform (§4.2, 4.4, 4.6,
// 4.8, 4.12), as the simulator received it.
type Notice struct {
	Seq       int
	Interface string
	ApplyNo   string // from the message, or through its baohanno
	Params    map[string]string
	PDF       []byte // baohanfile decoded, when kept
	PDFSize   int
	Received  time.Time
	Accepted  bool     // the simulator answered code 1
	Problems  []string // what was wrong with it
}

// Policy decides the platform's answer to a notice that passed every check:
// an HTTP status other than 200 simulates an unavailable platform; a reply
// with code 0 a refusal. Nil answers code 1.
type Policy func(n *Notice) (status int, reply platform.Reply)

// Inbox is the platform's notice endpoint: notify_url + "/" + interface. It
// checks every notice (signature, timestamp, every field against the
// outbound table, values as JSON strings, no empty fields, baohanfile a PDF),
// answers as a platform would, and lets scenarios wait for notices.
type Inbox struct {
	Receiver platform.Receiver // Direction Outbound, our account with the secret notices are checked with
	Report   *Report
	KeepPDF  bool
	Now      func() time.Time

	mu       sync.Mutex
	policy   Policy
	seq      int
	all      []*Notice
	byApply  map[string][]*Notice
	baohanTo map[string]string // baohanno → applyno
	changed  chan struct{}
	onNotice func(*Notice)
}

// NewInbox returns an inbox checking notices signed for acct.
func NewInbox(acct platform.Account, rep *Report, keepPDF bool) *Inbox {
	return &Inbox{
		Receiver: platform.Receiver{Accounts: []platform.Account{acct}, Direction: platform.Outbound},
		Report:   rep, KeepPDF: keepPDF, Now: time.Now,
		byApply: map[string][]*Notice{}, baohanTo: map[string]string{}, changed: make(chan struct{}),
	}
}

// SetPolicy changes how the inbox answers.
func (in *Inbox) SetPolicy(p Policy) {
	in.mu.Lock()
	in.policy = p
	in.mu.Unlock()
}

// OnNotice registers fn to be called for each notice received (load mode
// uses it for latencies). fn must be quick.
func (in *Inbox) OnNotice(fn func(*Notice)) {
	in.mu.Lock()
	in.onNotice = fn
	in.mu.Unlock()
}

// maxNoticeBody bounds a notice: a letter is about 100 KB, base64 a third more.
const maxNoticeBody = 32 << 20

func (in *Inbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	iface := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	now := in.Now()
	n := &Notice{Interface: iface, Received: now}
	answer := func(status int, rep platform.Reply) {
		w.Header().Set("Content-Type", platform.ContentType)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(rep)
	}
	if r.Method != http.MethodPost {
		in.problem(n, "通知应使用 POST 提交，实际为 %s %s", r.Method, r.URL.Path)
		in.record(n)
		answer(http.StatusOK, platform.Reply{Code: 0, Message: "请求方法应为 POST"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNoticeBody))
	if err != nil {
		in.problem(n, "通知 %s 的报文读取失败：%v", iface, err)
		in.record(n)
		answer(http.StatusOK, platform.Reply{Code: 0, Message: "报文读取失败"})
		return
	}
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
		in.problem(n, "通知 %s 的 Content-Type 应为 %s，实际为 %q", iface, platform.ContentType, ct)
	}
	msg, params, err := in.Receiver.Receive(iface, ct, body, now)
	n.Params = params
	if params != nil {
		n.ApplyNo = params["applyno"]
	}
	if err != nil {
		ref := err.(*platform.Refusal)
		detail := ref.Message
		if ref.Rule == "sign" {
			detail = fmt.Sprintf("签名校验失败（字段 sign）：报文中的 sign 为 %s，按模拟器配置的 appsecret 计算应为 %s；签名串（appsecret 已隐去）：%s",
				params["sign"], gmcrypto.Sign(params, in.Receiver.Accounts[0].AppSecret), shortSigningString(params))
		}
		in.mu.Lock()
		if n.ApplyNo == "" && params != nil {
			n.ApplyNo = in.baohanTo[params["baohanno"]]
		}
		in.mu.Unlock()
		in.problem(n, "通知 %s%s 被拒收：%s", iface, n.where(), detail)
		in.record(n)
		answer(http.StatusOK, platform.Reply{Code: 0, Message: ref.Message})
		return
	}
	in.checkBody(n, msg.Spec, body)
	in.mu.Lock()
	if n.ApplyNo == "" {
		n.ApplyNo = in.baohanTo[params["baohanno"]]
	}
	if no := params["baohanno"]; no != "" && params["applyno"] != "" {
		in.baohanTo[no] = params["applyno"]
	}
	policy := in.policy
	in.mu.Unlock()
	status, rep := http.StatusOK, platform.Reply{Code: 1, Message: "成功"}
	if policy != nil {
		status, rep = policy(n)
	}
	n.Accepted = status == http.StatusOK && rep.OK()
	in.record(n)
	answer(status, rep)
}

func (n *Notice) where() string {
	switch {
	case n.ApplyNo != "":
		return "（applyno=" + n.ApplyNo + "）"
	case n.Params["baohanno"] != "":
		return "（baohanno=" + n.Params["baohanno"] + "）"
	}
	return ""
}

// checkBody checks what the receiver does not: that every value is a JSON
// string (WIRE.md: we send amounts, rates and statuses as strings), that no
// empty field is sent, that every field is in the spec's table, and that
// baohanfile is unwrapped base64 of a PDF.
func (in *Inbox) checkBody(n *Notice, spec *platform.Spec, body []byte) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		in.problem(n, "通知 %s%s 不是 JSON 对象：%v", n.Interface, n.where(), err)
		return
	}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := bytes.TrimSpace(raw[k])
		if len(v) == 0 || v[0] != '"' {
			in.problem(n, "通知 %s%s 的字段 %s 应为 JSON 字符串，实际为 %s", n.Interface, n.where(), k, text.Clip(string(v), 40))
		}
		if strings.TrimSpace(n.Params[k]) == "" {
			in.problem(n, "通知 %s%s 发送了空字段 %s：没有值的可选字段应不发送", n.Interface, n.where(), k)
		}
		if _, ok := spec.Field(k); !ok {
			in.problem(n, "通知 %s%s 含有规范（§%s）之外的字段 %s", n.Interface, n.where(), spec.Section, k)
		}
	}
	file := n.Params["baohanfile"]
	if file == "" {
		return
	}
	if strings.ContainsAny(file, "\r\n ") {
		in.problem(n, "通知 %s%s 的 baohanfile 含有换行或空格：base64 不应折行", n.Interface, n.where())
	}
	pdf, err := base64.StdEncoding.DecodeString(file)
	if err != nil {
		in.problem(n, "通知 %s%s 的 baohanfile 不是有效的标准 base64：%v", n.Interface, n.where(), err)
		return
	}
	n.PDFSize = len(pdf)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		in.problem(n, "通知 %s%s 的 baohanfile 不是 PDF 文件（开头为 %q，应为 %%PDF-）", n.Interface, n.where(), text.Clip(string(pdf[:min(len(pdf), 8)]), 8))
		return
	}
	if !bytes.Contains(pdf[max(0, len(pdf)-1024):], []byte("%%EOF")) {
		in.problem(n, "通知 %s%s 的 baohanfile 不完整：PDF 末尾没有 %%%%EOF", n.Interface, n.where())
	}
	if in.KeepPDF {
		n.PDF = pdf
	}
}

func (in *Inbox) problem(n *Notice, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	n.Problems = append(n.Problems, msg)
	in.Report.Problem("%s", msg)
}

func (in *Inbox) record(n *Notice) {
	in.mu.Lock()
	in.seq++
	n.Seq = in.seq
	in.all = append(in.all, n)
	if n.ApplyNo != "" {
		in.byApply[n.ApplyNo] = append(in.byApply[n.ApplyNo], n)
	}
	close(in.changed)
	in.changed = make(chan struct{})
	fn := in.onNotice
	in.mu.Unlock()
	if fn != nil {
		fn(n)
	}
}

// Of returns the notices received for an application, in order of arrival.
func (in *Inbox) Of(applyNo string) []*Notice {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*Notice(nil), in.byApply[applyNo]...)
}

// All returns every notice received.
func (in *Inbox) All() []*Notice {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*Notice(nil), in.all...)
}

// Wait returns the nth (from 1) notice called iface for applyNo that passed
// the checks and was answered code 1, waiting up to timeout for it.
func (in *Inbox) Wait(ctx context.Context, timeout time.Duration, applyNo, iface string, nth int) (*Notice, error) {
	return in.WaitFor(ctx, timeout, applyNo, iface, nth, func(n *Notice) bool { return n.Accepted })
}

// WaitFor is Wait counting the notices that match.
func (in *Inbox) WaitFor(ctx context.Context, timeout time.Duration, applyNo, iface string, nth int, match func(*Notice) bool) (*Notice, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		in.mu.Lock()
		count := 0
		var refused *Notice
		for _, n := range in.byApply[applyNo] {
			if len(n.Problems) > 0 && !n.Accepted {
				// Refused notices hold back the application's later ones.
				refused = n
			}
			if n.Interface != iface {
				continue
			}
			if match(n) {
				count++
				if count == nth {
					in.mu.Unlock()
					return n, nil
				}
			}
		}
		ch := in.changed
		in.mu.Unlock()
		if refused != nil {
			// A notice we refused for what it is (a bad signature, a bad
			// field) would come again the same: waiting longer helps nothing.
			return nil, fmt.Errorf("未收到合格的 %s：该申请的 %s 有问题，已拒收：%s", iface, refused.Interface, strings.Join(refused.Problems, "；"))
		}
		select {
		case <-ch:
		case <-deadline.C:
			return nil, fmt.Errorf("等待 %s 内未收到 %s（applyno=%s）：网关没有发出通知，或通知地址 notify_url 没有指向模拟器", timeout, iface, applyNo)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// shortSigningString is the signing string with the appsecret hidden and
// long values (baohanfile) cut, to show its shape in a report.
func shortSigningString(params map[string]string) string {
	short := make(map[string]string, len(params))
	for k, v := range params {
		if n := len([]rune(v)); n > 80 {
			v = fmt.Sprintf("%s…（共 %d 个字符）", text.Clip(v, 24), n)
		}
		short[k] = v
	}
	return gmcrypto.RedactedSigningString(short)
}
