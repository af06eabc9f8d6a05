package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

// conformance exercises every interface of §4 and every refusal the gateway
// must make, and returns errDeviations when anything deviates. Each check
// prints one line; the deviations are listed at the end.
func (s *Sim) conformance(ctx context.Context) error {
	s.intro("一致性检查")
	if err := s.preflight(ctx); err != nil {
		return err
	}
	c := &conf{Sim: s}
	if err := c.setup(); err != nil {
		return err
	}
	steps := []struct {
		title string
		fn    func(context.Context)
	}{
		{"报文、签名与时间戳（§3）", c.transport},
		{"投保申请与重发（§4.1）", c.applications},
		{"出函与 baohannotice（§4.2）", c.issue},
		{"字段表：必填、长度、格式、取值（§4）", c.fieldTable},
		{"开标前的拒绝与退保（§4.7、4.8、4.9、4.11）", c.beforeOpening},
		{"开标：还原保函与 restorenotice（§4.3、4.4）", c.opening},
		{"开标后：发票、注销、理赔（§4.5–4.10）", c.afterOpening},
		{"放弃与拒绝（§4.11、4.12、4.2 applystatus 0）", c.abandon},
		{"通知总检", c.notices},
	}
	for _, st := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.rep.Step("\n%s", st.title)
		st.fn(ctx)
	}
	passed, failed := s.rep.Counts()
	fmt.Fprintf(s.out, "\n检查 %d 项：通过 %d，未通过 %d；收到通知 %d 条。\n", passed+failed, passed, failed, len(s.inbox.All()))
	if s.rep.Summary(s.out) > 0 {
		return errDeviations
	}
	return nil
}

// conf holds the applications the conformance run works with.
type conf struct {
	*Sim
	secA, secB *Section
	// On section A: main (restore, invoice, claim), cancel (restore,
	// cancel), quitOK (withdrawn), quitNo (withdrawal refused, then
	// restored), target (field-table checks), issued (refusals once issued).
	main, cancel, quitOK, quitNo, target, issued *Application
	// On section B: giveup (4.11), ours (4.12 accepted), oursNo (4.12
	// refused by the platform), reject.
	giveup, ours, oursNo, reject *Application
	views                        map[*Application]*AppView
	failedOnce                   atomic.Bool
}

func (c *conf) setup() error {
	secs := c.gen.Sections(2)
	c.secA, c.secB = secs[0], secs[1]
	c.views = map[*Application]*AppView{}
	for _, p := range []struct {
		dst **Application
		sec *Section
	}{{&c.main, c.secA}, {&c.cancel, c.secA}, {&c.quitOK, c.secA}, {&c.quitNo, c.secA}, {&c.target, c.secA}, {&c.issued, c.secA},
		{&c.giveup, c.secB}, {&c.ours, c.secB}, {&c.oursNo, c.secB}, {&c.reject, c.secB}} {
		a, err := c.gen.NewApplication(p.sec)
		if err != nil {
			return err
		}
		*p.dst = a
	}
	// The platform's answers: the first baohannotice of quitNo meets an
	// unavailable platform (HTTP 503) and must be retried; the 4.12
	// giveupapply of oursNo is refused.
	c.inbox.SetPolicy(func(n *Notice) (int, platform.Reply) {
		switch {
		case n.Interface == platform.BaohanNotice && n.ApplyNo == c.quitNo.ApplyNo && !c.failedOnce.Swap(true):
			return http.StatusServiceUnavailable, platform.Reply{Code: 0, Message: "模拟交易平台暂时不可用"}
		case n.Interface == platform.GiveUp && n.ApplyNo == c.oursNo.ApplyNo:
			return http.StatusOK, platform.Reply{Code: 0, Message: "该投标人已使用此保函递交投标文件，不能放弃"}
		}
		return http.StatusOK, platform.Reply{Code: 1, Message: "成功"}
	})
	return nil
}

// fresh makes a new application on section A, not sent.
func (c *conf) fresh() *Application {
	a, err := c.gen.NewApplication(c.secA)
	if err != nil {
		panic(err) // SM4 with a 16-byte key cannot fail
	}
	return a
}

func (c *conf) applyReq(a *Application) Request {
	return Request{Iface: platform.BaohanApply, Fields: a.ApplyFields(c.cfg.PlatformCode)}
}

// transport: signature, appkey, timestamp and the shape of the message.
func (c *conf) transport(ctx context.Context) {
	do := func(r Request) (Answer, error) { return c.gw.Do(ctx, r) }
	unsigned := c.fresh()
	r := c.applyReq(unsigned)
	r.NoSign = true
	ans, err := do(r)
	c.rep.Check("T01", "未签名（缺少 sign）的请求被拒绝", refused(ans, err, "sign"))

	r = c.applyReq(c.fresh())
	r.Secret = "not-" + c.cfg.AppSecret
	ans, err = do(r)
	c.rep.Check("T02", "用错误的 appsecret 签名的请求被拒绝", refused(ans, err, "sign"))

	r = c.applyReq(c.fresh())
	p := c.gw.Params(r)
	p["bzjamount"] = "99999.00" // changed after signing
	ans, err = do(Request{Iface: platform.BaohanApply, Body: jsonBody(p)})
	c.rep.Check("T03", "签名后被篡改的报文（bzjamount 改动）被拒绝", refused(ans, err, "sign"))

	r = c.applyReq(c.fresh())
	r.AppKey = "finance_nosuch"
	ans, err = do(r)
	c.rep.Check("T04", "未知 appkey 被拒绝", refused(ans, err, "appkey"))

	r = c.applyReq(c.fresh())
	p = c.gw.Params(r)
	delete(p, "appkey")
	p["sign"] = gmcrypto.Sign(p, c.cfg.AppSecret)
	ans, err = do(Request{Iface: platform.BaohanApply, Body: jsonBody(p)})
	c.rep.Check("T05", "缺少 appkey 被拒绝", refused(ans, err, "appkey"))

	for _, tc := range []struct {
		id, title, ts string
	}{
		{"T06", "过期的 timestamp（2 小时前）被拒绝", platform.FormatTime(time.Now().Add(-2 * time.Hour))},
		{"T07", "超前的 timestamp（2 小时后）被拒绝", platform.FormatTime(time.Now().Add(2 * time.Hour))},
		{"T08", "timestamp 格式错误（2026/01/02 10:00:00）被拒绝", "2026/01/02 10:00:00"},
		{"T09", "timestamp 用 UTC 而非北京时间（差 8 小时）被拒绝", time.Now().UTC().Format(platform.TimeLayout)},
	} {
		r = c.applyReq(c.fresh())
		r.Timestamp = tc.ts
		ans, err = do(r)
		c.rep.Check(tc.id, tc.title, refused(ans, err, "timestamp"))
	}
	r = c.applyReq(c.fresh())
	r.Timestamp = "-"
	ans, err = do(r)
	c.rep.Check("T10", "缺少 timestamp 被拒绝", refused(ans, err, "timestamp"))

	ans, err = do(Request{Iface: platform.BaohanApply, Body: []byte("appkey=finance_demo&applyno=1")})
	c.rep.Check("T11", "不是 JSON 的报文被拒绝（HTTP 200，code 0）", refused(ans, err))
	ans, err = do(Request{Iface: platform.BaohanApply, Body: []byte("   ")})
	c.rep.Check("T12", "空报文被拒绝", refused(ans, err))

	dup := c.applyReq(c.fresh())
	body := jsonBody(c.gw.Params(dup))
	body = append([]byte(`{"applyno":"TBaoHanSIMDUPLICATE",`), body[1:]...)
	ans, err = do(Request{Iface: platform.BaohanApply, Body: body})
	c.rep.Check("T13", "同一字段出现两次（applyno）的报文被拒绝", refused(ans, err, "applyno"))

	big := c.fresh()
	r = c.applyReq(big)
	r.Fields["jbrname"] = strings.Repeat("长", 2<<20/3)
	ans, err = do(Request{Iface: platform.BaohanApply, Body: jsonBody(c.gw.Params(r))})
	c.rep.Check("T14", "超过 1 MiB 的报文被拒绝", refused(ans, err))

	ans, err = do(Request{Iface: platform.BaohanApply, Method: http.MethodGet})
	c.rep.Check("T15", "GET 请求以平台应答格式被拒绝", refused(ans, err))
	ans, err = do(Request{Iface: "nosuchinterface", Fields: map[string]string{"applyno": "x"}})
	c.rep.Check("T16", "未知接口被拒绝", refused(ans, err))

	// Positive forms.
	r = c.applyReq(c.fresh())
	r.UpperSign = true
	ans, err = do(r)
	c.rep.Check("T17", "大写十六进制的 sign 被接受（不区分大小写）", accepted(ans, err))
	r = c.applyReq(c.fresh())
	r.Form = true
	ans, err = do(r)
	c.rep.Check("T18", "表单字段 requestData 提交的报文被接受", accepted(ans, err))
	r = c.applyReq(c.fresh())
	r.Fields["projectname"] = "规范之外的新字段"
	ans, err = do(r)
	c.rep.Check("T19", "规范之外的字段参与签名且报文被接受", accepted(ans, err))
	// A refused request leaves nothing behind: the unsigned one goes through now.
	_, err = c.apply(ctx, unsigned)
	c.rep.Check("T20", "被拒绝的请求不留痕迹：同一 applyno 改正后重发被受理", err)

	// The signing string joins the fields with '&' unescaped (WIRE.md
	// "Signature"): a field folded into the one before it keeps the sign.
	r = c.applyReq(c.fresh())
	p = c.gw.Params(r)
	p["jbrname"] += "&jbrphone=" + p["jbrphone"]
	delete(p, "jbrphone")
	ans, err = do(Request{Iface: platform.BaohanApply, Body: jsonBody(p)})
	c.rep.Check("T21", "jbrphone 并入 jbrname（“张三&jbrphone=…”，sign 不变）的报文被拒绝并指出字段", refused(ans, err, "jbrname", "&jbrphone="))
}

func jsonBody(p map[string]string) []byte {
	var buf bytes.Buffer
	for i, k := range sortedKeys(p) {
		if i == 0 {
			buf.WriteByte('{')
		} else {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, "%s:%s", quote(k), quote(p[k]))
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// applications: baohanapply for every application, retries and changes.
func (c *conf) applications(ctx context.Context) {
	var errs []error
	var first Answer
	for _, a := range []*Application{c.main, c.cancel, c.quitOK, c.quitNo, c.target, c.issued, c.giveup, c.ours, c.oursNo, c.reject} {
		ans, err := c.apply(ctx, a)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s：%w", a.ApplyNo, err))
		}
		if a == c.main {
			first = ans
		}
	}
	c.rep.Check("A01", "10 份投保申请被受理，应答含 data.redirecturl", errors.Join(errs...))
	time.Sleep(1100 * time.Millisecond) // a later timestamp, so the retry differs in timestamp and sign
	ans, err := c.apply(ctx, c.main)
	if err == nil && ans.Reply.Data["redirecturl"] != first.Reply.Data["redirecturl"] {
		err = fmt.Errorf("重发应得到相同应答：首次 redirecturl=%s，重发 %s", first.Reply.Data["redirecturl"], ans.Reply.Data["redirecturl"])
	}
	c.rep.Check("A02", "相同内容重发（timestamp、sign 不同）得到相同应答", err)
	changed := c.main.ApplyFields(c.cfg.PlatformCode)
	changed["bzjamount"] = "12345.00"
	ans, err = c.gw.Send(ctx, platform.BaohanApply, changed)
	c.rep.Check("A03", "同一 applyno 内容改变（bzjamount）被拒绝并指出字段", refused(ans, err, "bzjamount"))
	changed = c.main.ApplyFields(c.cfg.PlatformCode)
	changed["zbr"] = c.reject.Cipher["zbr"]
	ans, err = c.gw.Send(ctx, platform.BaohanApply, changed)
	c.rep.Check("A04", "同一 applyno 密文字段改变（zbr）被拒绝", refused(ans, err, "zbr"))
	long := c.fresh()
	long.Bidder.Name = strings.Repeat("吉", 190) + "建筑工程有限公司二"
	ans, err = c.gw.Send(ctx, platform.BaohanApply, long.ApplyFields(c.cfg.PlatformCode))
	c.rep.Check("A05", "biddername 恰为 200 个汉字（600 字节）被接受：长度按字符计", accepted(ans, err))
	for _, amt := range []string{"20000", "20000.5"} {
		a := c.fresh()
		a.Amount = amt
		ans, err = c.gw.Send(ctx, platform.BaohanApply, a.ApplyFields(c.cfg.PlatformCode))
		c.rep.Check("A06", fmt.Sprintf("bzjamount %q（数字格式字符串）被接受", amt), accepted(ans, err))
	}
}

// issue: approval through the admin API and the baohannotice of each.
func (c *conf) issue(ctx context.Context) {
	for _, a := range []*Application{c.main, c.cancel, c.quitOK, c.quitNo, c.target, c.issued} {
		v, err := c.approve(ctx, a)
		if err != nil {
			c.rep.Check("I01", "审批 "+a.ApplyNo, err)
			continue
		}
		c.views[a] = v
	}
	c.rep.Check("I01", "管理接口审批 6 份申请，状态 issued，保函编号已分配", nil)
	_, err := c.gw.Act(ctx, c.main.ApplyNo, "approve", map[string]string{"payername": c.main.Bidder.Name, "payeraccount": c.main.Account})
	var ae *AdminError
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		err = fmt.Errorf("重复审批应得到 HTTP 409，实际：%v", err)
	} else {
		err = nil
	}
	c.rep.Check("I02", "重复审批被管理接口拒绝（409）", err)
	_, err = c.gw.Act(ctx, c.giveup.ApplyNo, "approve", map[string]string{"payername": "别的公司有限公司", "payeraccount": "6222020200112233"})
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		err = fmt.Errorf("付款户名不是投标人时应拒绝（HTTP 400），实际：%v", err)
	} else {
		err = nil
	}
	c.rep.Check("I03", "付款账户户名不是投标人（非基本户）时拒绝出函", err)

	for i, a := range []*Application{c.main, c.cancel, c.quitOK, c.quitNo, c.target, c.issued} {
		if c.views[a] == nil {
			continue
		}
		n, err := c.expectBaohanNotice(ctx, a, c.views[a])
		title := "baohannotice " + a.ApplyNo + "：签名、字段、密文保函 PDF（文字为密文、不含明文；签名；baohanurl 一致）"
		if i > 0 {
			title = "baohannotice " + a.ApplyNo
		}
		c.rep.Check("I04", title, err)
		if a == c.quitNo && n != nil {
			var earlier int
			for _, m := range c.inbox.Of(a.ApplyNo) {
				if m.Interface == platform.BaohanNotice && !m.Accepted && m.Seq < n.Seq {
					earlier++
				}
			}
			var e error
			if earlier == 0 {
				e = errors.New("没有看到首次（HTTP 503）投递")
			}
			c.rep.Check("I05", "交易平台暂时不可用（HTTP 503）时 baohannotice 自动重试并送达", e)
		}
	}
	if v, err := c.gw.Application(ctx, c.main.ApplyNo); err == nil {
		var e error
		if !v.Project.Sealed || v.Project.Zbr != c.main.Cipher["zbr"] {
			e = fmt.Errorf("开标前管理接口应只显示密文：sealed=%v zbr=%s", v.Project.Sealed, v.Project.Zbr)
		}
		c.rep.Check("I06", "开标前网关只保存密文（管理接口显示 sealed 与密文）", e)
		if v.CheckCode != "" {
			b, _, err := c.gw.Fetch(ctx, c.gw.PublicURL+"/verify?no="+v.BaohanNo+"&code="+v.CheckCode)
			if err == nil && !bytes.Contains(b, []byte(v.BaohanNo)) {
				err = errors.New("验真页面没有显示保函编号")
			}
			c.rep.Check("I07", "保函验真页面可以查到该保函", err)
		}
	}
}

// validFields are a valid message of iface for the target application.
func (c *conf) validFields(iface string) map[string]string {
	t := c.target
	pc := c.cfg.PlatformCode
	switch iface {
	case platform.BaohanApply:
		return c.fresh().ApplyFields(pc)
	case platform.BaohanRestore:
		return c.restoreFields(t, t.Section.KeyB64)
	case platform.InvoiceApply:
		return c.invoiceFields(t, "1")
	case platform.QuitApply:
		return map[string]string{"platformcode": pc, "applyno": t.ApplyNo, "baohanno": t.BaohanNo, "reason": "测试"}
	case platform.CancelNotice:
		return map[string]string{"platformcode": pc, "applyno": t.ApplyNo, "baohanno": t.BaohanNo}
	case platform.ClaimsNotice:
		return map[string]string{"platformcode": pc, "applyno": t.ApplyNo, "baohanno": t.BaohanNo, "applyusername": "张三", "applyuserphone": "13900001111",
			"payeramount": "100.00", "payeraccount": "22050161000800000123", "filelist": `[{"fileurl":"https://example.com/a.pdf"}]`, "Reason": "测试"}
	case platform.GiveUp:
		return map[string]string{"platformcode": pc, "applyno": t.ApplyNo}
	}
	return nil
}

// fieldTable: every required field missing, every field too long, and the
// formats, for every inbound interface, driven by the spec table. The
// non-apply messages name the target application, which must be left as it
// is by every one of these refusals.
func (c *conf) fieldTable(ctx context.Context) {
	if c.target.BaohanNo == "" {
		c.rep.Check("F00", "字段表检查需要一份已出函的申请", errors.New("目标申请未出函，跳过"))
		return
	}
	skip := map[string]bool{"appkey": true, "timestamp": true, "sign": true}
	for _, iface := range platform.InboundNames() {
		spec, _ := platform.Lookup(iface, platform.Inbound)
		var missing, long []error
		var reqNames, lenNames []string
		for _, f := range spec.Fields {
			if skip[f.Name] {
				continue
			}
			if f.Required {
				reqNames = append(reqNames, f.Name)
				fields := c.validFields(iface)
				delete(fields, f.Name)
				ans, err := c.gw.Do(ctx, Request{Iface: iface, Fields: fields})
				if e := refused(ans, err, f.Name); e != nil {
					missing = append(missing, fmt.Errorf("缺少 %s：%w", f.Name, e))
				}
			}
			if f.MaxLen > 0 {
				lenNames = append(lenNames, fmt.Sprintf("%s≤%d", f.Name, f.MaxLen))
				fields := c.validFields(iface)
				fields[f.Name] = tooLong(platform.Field(f))
				ans, err := c.gw.Do(ctx, Request{Iface: iface, Fields: fields})
				if e := refused(ans, err, f.Name); e != nil {
					long = append(long, fmt.Errorf("%s 为 %d 个字符：%w", f.Name, f.MaxLen+1, e))
				}
			}
		}
		c.rep.Check("F01", fmt.Sprintf("§%s %s 缺少任一必填字段均被拒绝并指出字段（%s）", spec.Section, iface, strings.Join(reqNames, "、")), errors.Join(missing...))
		c.rep.Check("F02", fmt.Sprintf("§%s %s 任一字段超长均被拒绝并指出字段（%d 个字段）", spec.Section, iface, len(lenNames)), errors.Join(long...))
	}
	// Conditional fields of a special invoice (type 1).
	var errs []error
	for _, f := range []string{"address", "phone", "bank", "account", "mobile", "contactname", "contactaddress"} {
		fields := c.validFields(platform.InvoiceApply)
		delete(fields, f)
		ans, err := c.gw.Do(ctx, Request{Iface: platform.InvoiceApply, Fields: fields})
		if e := refused(ans, err, f); e != nil {
			errs = append(errs, fmt.Errorf("专票缺少 %s：%w", f, e))
		}
	}
	c.rep.Check("F03", "§4.5 专票（type=1）缺少地址、电话、开户行、账号、收件人等任一字段被拒绝", errors.Join(errs...))

	// Formats.
	formats := []struct {
		id, iface, field string
		values           []string
	}{
		{"F04", platform.BaohanApply, "bzjamount", []string{"2万", "20000.001", "-100.00", "1e5", "20,000.00", "abc", ".50", "0.00", "0"}},
		{"F05", platform.InvoiceApply, "amount", []string{"12.345", "一百", "-1"}},
		{"F06", platform.ClaimsNotice, "payeramount", []string{"1万", "-5.00", "0.001"}},
		{"F07", platform.InvoiceApply, "type", []string{"2", "专票", "01"}},
		{"F08", platform.BaohanRestore, "kaibiaotime", []string{"2026/01/02 10:00:00", "2026-02-30 10:00:00", "2026-01-02T10:00:00"}},
		{"F09", platform.ClaimsNotice, "filelist", []string{"not json", `{"fileurl":"https://example.com/a.pdf"}`}},
		{"F10", platform.BaohanRestore, "key", []string{"not-a-key", "c2hvcnQ=", strings.Repeat("g", 32)}},
	}
	for _, ft := range formats {
		var errs []error
		for _, v := range ft.values {
			fields := c.validFields(ft.iface)
			fields[ft.field] = v
			ans, err := c.gw.Do(ctx, Request{Iface: ft.iface, Fields: fields})
			if e := refused(ans, err, ft.field); e != nil {
				errs = append(errs, fmt.Errorf("%s=%q：%w", ft.field, v, e))
			}
		}
		c.rep.Check(ft.id, fmt.Sprintf("%s 的 %s 取值错误（%s）均被拒绝并指出字段", ft.iface, ft.field, strings.Join(quoteAll(ft.values), "、")), errors.Join(errs...))
	}
	v, err := c.gw.Application(ctx, c.target.ApplyNo)
	if err == nil && v.Status != "issued" {
		err = fmt.Errorf("以上请求都应被拒绝、不改变申请，但申请状态变成了 %s", v.Status)
	}
	c.rep.Check("F11", "被拒绝的请求没有改变申请的状态", err)
}

func tooLong(f platform.Field) string {
	switch f.Format {
	case platform.Text, platform.Enum:
		return strings.Repeat("长", f.MaxLen+1)
	}
	return strings.Repeat("1", f.MaxLen+1)
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("%q", clipText(v, 12))
	}
	return out
}

func (c *conf) quitFields(a *Application, reason string) map[string]string {
	return map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": a.ApplyNo, "baohanno": a.BaohanNo, "reason": reason}
}

// beforeOpening: what is refused before bid opening, withdrawals, and the
// abandonment of an issued guarantee.
func (c *conf) beforeOpening(ctx context.Context) {
	m := c.main
	ans, err := c.gw.Send(ctx, platform.InvoiceApply, c.invoiceFields(m, "0"))
	c.rep.Check("B01", "开标前 invoiceapply 被拒绝", refused(ans, err))
	ans, err = c.gw.Send(ctx, platform.CancelNotice, map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": m.ApplyNo, "baohanno": m.BaohanNo})
	c.rep.Check("B02", "开标前 canclenotice 被拒绝（开标前应走退保）", refused(ans, err))
	ans, err = c.gw.Send(ctx, platform.GiveUp, map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": c.issued.ApplyNo})
	c.rep.Check("B03", "已出函后 giveupapply（4.11）被拒绝", refused(ans, err))
	ans, err = c.gw.Send(ctx, platform.QuitApply, map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": m.ApplyNo, "baohanno": "BH-NOSUCH-0001", "reason": "测试"})
	c.rep.Check("B04", "quitapply 的 baohanno 与申请不符被拒绝并指出字段", refused(ans, err, "baohanno"))
	ans, err = c.gw.Send(ctx, platform.QuitApply, map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": "TBaoHanSIMNOSUCH000000001", "baohanno": m.BaohanNo, "reason": "测试"})
	c.rep.Check("B05", "未知 applyno 的 quitapply 被拒绝", refused(ans, err))

	// Withdrawal approved.
	q := c.quitOK
	reason := c.gen.Pick(quitReasons)
	ans, err = c.gw.Send(ctx, platform.QuitApply, c.quitFields(q, reason))
	c.rep.Check("Q01", "开标前 quitapply 被受理", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.QuitApply, c.quitFields(q, reason))
	c.rep.Check("Q02", "quitapply 相同内容重发得到相同应答", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.QuitApply, c.quitFields(q, reason+"（补充说明）"))
	c.rep.Check("Q03", "quitapply 内容改变（reason）被拒绝并指出字段", refused(ans, err, "reason"))
	_, err = c.gw.Act(ctx, q.ApplyNo, "quit/approve", map[string]string{"reason": "同意退保"})
	if err == nil {
		var n *Notice
		if n, err = c.inbox.Wait(ctx, c.cfg.Wait, q.ApplyNo, platform.QuitNotice, 1); err == nil {
			if n.Params["applystatus"] != "1" || n.Params["tuibaotime"] == "" || n.Params["baohanno"] != q.BaohanNo {
				err = fmt.Errorf("quitnotice 应为 applystatus=1、带 tuibaotime 与 baohanno=%s，实际 %v", q.BaohanNo, n.Params)
			}
		}
	}
	c.rep.Check("Q04", "同意退保 → quitnotice applystatus=1 带 tuibaotime", err)
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, c.restoreFields(q, q.Section.KeyB64))
	c.rep.Check("Q05", "已退保的保函 baohanrestore 被拒绝", refused(ans, err))

	// Withdrawal refused: the guarantee stays issued.
	q = c.quitNo
	ans, err = c.gw.Send(ctx, platform.QuitApply, c.quitFields(q, c.gen.Pick(quitReasons)))
	if err := accepted(ans, err); err != nil {
		c.rep.Check("Q06", "quitapply 被受理", err)
		return
	}
	_, err = c.gw.Act(ctx, q.ApplyNo, "quit/reject", map[string]string{"reason": "投标截止后不予退保"})
	if err == nil {
		var n *Notice
		if n, err = c.inbox.Wait(ctx, c.cfg.Wait, q.ApplyNo, platform.QuitNotice, 1); err == nil && n.Params["applystatus"] != "0" {
			err = fmt.Errorf("quitnotice 应为 applystatus=0，实际 %v", n.Params)
		}
	}
	c.rep.Check("Q06", "拒绝退保 → quitnotice applystatus=0，保函仍然有效", err)
}

// opening: baohanrestore with wrong keys, then the right one, and the
// plaintext letters.
func (c *conf) opening(ctx context.Context) {
	m := c.main
	other := make([]byte, 16)
	_, _ = rand.Read(other)
	ans, err := c.gw.Send(ctx, platform.BaohanRestore, c.restoreFields(m, base64.StdEncoding.EncodeToString(other)))
	c.rep.Check("R01", "用错误的密钥还原被拒绝并指出 key", refused(ans, err, "key"))
	f := c.restoreFields(m, m.Section.KeyB64)
	f["baohanno"] = m.BaohanNo + "X"
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, f)
	c.rep.Check("R02", "baohanno 与申请不符的还原被拒绝并指出 baohanno", refused(ans, err, "baohanno"))
	f = c.restoreFields(m, m.Section.KeyB64)
	f["applyno"] = "TBaoHanSIMNOSUCH000000002"
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, f)
	c.rep.Check("R03", "未知 applyno 的还原被拒绝", refused(ans, err))
	f = c.restoreFields(c.oursNo, c.oursNo.Section.KeyB64)
	f["baohanno"] = "BH-NOT-ISSUED-0001"
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, f)
	c.rep.Check("R04", "尚未出函的申请还原被拒绝", refused(ans, err))

	restore := c.restoreFields(m, m.Section.KeyB64)
	restore["kaibiaotime"] = platform.FormatTime(time.Now().Add(3 * time.Hour)) // may arrive before the opening time
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, restore)
	c.rep.Check("R05", "正确密钥（base64）还原被受理，开标时间在后也不拒绝", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, restore)
	c.rep.Check("R06", "baohanrestore 相同内容重发得到相同应答", accepted(ans, err))
	changed := cloneFields(restore)
	changed["kaibiaotime"] = platform.FormatTime(time.Now().Add(4 * time.Hour))
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, changed)
	c.rep.Check("R07", "baohanrestore 内容改变（kaibiaotime）被拒绝", refused(ans, err, "kaibiaotime"))
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, c.restoreFields(c.cancel, hex.EncodeToString(c.cancel.Section.Key)))
	c.rep.Check("R08", "十六进制（32 个字符）的密钥也被接受", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.BaohanRestore, c.restoreFields(c.quitNo, c.quitNo.Section.KeyB64))
	c.rep.Check("R09", "退保被拒绝后的保函可以还原", accepted(ans, err))

	for _, a := range []*Application{m, c.cancel, c.quitNo} {
		_, err := c.expectRestoreNotice(ctx, a)
		c.rep.Check("R10", "restorenotice "+a.ApplyNo+"：明文保函（文字为明文标段、招标人；签名；baohanurl 一致）", err)
	}
	var errs []error
	for _, a := range []*Application{m, c.cancel, c.quitNo} {
		var seen []string
		for _, n := range c.inbox.Of(a.ApplyNo) {
			if n.Accepted {
				seen = append(seen, n.Interface)
			}
		}
		order := strings.Join(seen, ",")
		bi, ri := strings.Index(order, platform.BaohanNotice), strings.Index(order, platform.RestoreNotice)
		if bi < 0 || ri < bi {
			errs = append(errs, fmt.Errorf("%s 的通知顺序为 %s：restorenotice 应在 baohannotice 之后", a.ApplyNo, order))
		}
	}
	c.rep.Check("R11", "同一申请的通知按发生顺序送达（baohannotice 先于 restorenotice）", errors.Join(errs...))
	if v, err := c.gw.Application(ctx, m.ApplyNo); err == nil {
		var e error
		if v.Project.Sealed || v.Project.Zbr != m.Section.Tenderer.Name || v.Project.BiaoduanName != m.Section.Name {
			e = fmt.Errorf("还原后应显示明文：sealed=%v zbr=%s biaoduanname=%s", v.Project.Sealed, v.Project.Zbr, v.Project.BiaoduanName)
		}
		c.rep.Check("R12", "还原后网关解出的明文与平台一致", e)
	}
	ans, err = c.gw.Send(ctx, platform.QuitApply, c.quitFields(m, "开标后撤回"))
	c.rep.Check("R13", "还原（开标）后 quitapply 被拒绝", refused(ans, err))
}

func cloneFields(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// afterOpening: invoices, cancellation and claims.
func (c *conf) afterOpening(ctx context.Context) {
	m := c.main
	f := c.invoiceFields(m, "1")
	f["amount"] = "0.01"
	ans, err := c.gw.Send(ctx, platform.InvoiceApply, f)
	c.rep.Check("V01", "开票金额与保费不符被拒绝并指出 amount", refused(ans, err, "amount"))
	f = c.invoiceFields(m, "1")
	f["biddercode"] = c.reject.Bidder.Code
	ans, err = c.gw.Send(ctx, platform.InvoiceApply, f)
	c.rep.Check("V02", "开票的统一社会信用代码与投保人不符被拒绝", refused(ans, err, "biddercode"))
	inv := c.invoiceFields(m, "1")
	ans, err = c.gw.Send(ctx, platform.InvoiceApply, inv)
	c.rep.Check("V03", "专票 invoiceapply 被受理", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.InvoiceApply, inv)
	c.rep.Check("V04", "invoiceapply 相同内容重发得到相同应答", accepted(ans, err))
	changed := cloneFields(inv)
	changed["email"] = "other@example.com"
	ans, err = c.gw.Send(ctx, platform.InvoiceApply, changed)
	c.rep.Check("V05", "invoiceapply 内容改变（email）被拒绝", refused(ans, err, "email"))
	_, err = c.gw.Act(ctx, m.ApplyNo, "invoice/issue", map[string]string{"invoicecode": "022002600111", "invoiceno": "00012345", "pdf": tinyPDF()})
	if err == nil {
		var n *Notice
		if n, err = c.waitInvoice(ctx, m); err == nil && (n.Params["applystatus"] != "1" || n.Params["invoiceno"] != "00012345" || n.Params["invoicecode"] != "022002600111") {
			err = fmt.Errorf("invoicenotice 应为 applystatus=1 invoicecode=022002600111 invoiceno=00012345，实际 %v", n.Params)
		}
	}
	c.rep.Check("V06", "开票 → invoicenotice applystatus=1，发票代码、号码，invoiceurl 可下载", err)

	// Refused invoice, asked again.
	b := c.cancel
	ans, err = c.gw.Send(ctx, platform.InvoiceApply, c.invoiceFields(b, "0"))
	if err = accepted(ans, err); err == nil {
		if _, err = c.gw.Act(ctx, b.ApplyNo, "invoice/refuse", map[string]string{"reason": "开票信息有误"}); err == nil {
			var n *Notice
			if n, err = c.inbox.Wait(ctx, c.cfg.Wait, b.ApplyNo, platform.InvoiceNotice, 1); err == nil && n.Params["applystatus"] != "0" {
				err = fmt.Errorf("invoicenotice 应为 applystatus=0，实际 %v", n.Params)
			}
		}
	}
	c.rep.Check("V07", "拒绝开票 → invoicenotice applystatus=0", err)
	f = c.invoiceFields(b, "1")
	ans, err = c.gw.Send(ctx, platform.InvoiceApply, f)
	c.rep.Check("V08", "开票被拒后改正重新申请被受理", accepted(ans, err))

	// Cancellation.
	cancel := map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": b.ApplyNo, "baohanno": b.BaohanNo}
	ans, err = c.gw.Send(ctx, platform.CancelNotice, cancel)
	c.rep.Check("C01", "开标后 canclenotice 被受理", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.CancelNotice, cancel)
	c.rep.Check("C02", "canclenotice 相同内容重发得到相同应答", accepted(ans, err))
	name, phone := c.gen.Person()
	claim := map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": b.ApplyNo, "baohanno": b.BaohanNo, "applyusername": name, "applyuserphone": phone}
	ans, err = c.gw.Send(ctx, platform.ClaimsNotice, claim)
	c.rep.Check("C03", "已注销的保函 claimsnotice 被拒绝", refused(ans, err))

	// Claims.
	claim = map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": m.ApplyNo, "baohanno": m.BaohanNo,
		"payeraccount": c.gen.Account(), "payeramount": addYuan(m.Amount, 1), "filelist": `[{"fileurl":"https://ggzyjy.jl.gov.cn/files/demand-1.pdf"},{"fileurl":"https://ggzyjy.jl.gov.cn/files/demand-2.pdf"}]`,
		"applyusername": name, "applyuserphone": phone, "Reason": c.gen.Pick(claimReasons)}
	ans, err = c.gw.Send(ctx, platform.ClaimsNotice, claim)
	c.rep.Check("L01", "索赔金额超过担保金额被拒绝并指出 payeramount", refused(ans, err, "payeramount"))
	claim["payeramount"] = m.Amount
	ans, err = c.gw.Send(ctx, platform.ClaimsNotice, claim)
	c.rep.Check("L02", "claimsnotice（含 filelist 与大写 R 的 Reason）被受理", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.ClaimsNotice, claim)
	c.rep.Check("L03", "claimsnotice 相同内容重发得到相同应答", accepted(ans, err))
	v, err := c.gw.Application(ctx, m.ApplyNo)
	if err == nil {
		if len(v.Claims) != 1 {
			err = fmt.Errorf("应有 1 笔理赔，实际 %d 笔", len(v.Claims))
		} else if v, err = c.gw.Act(ctx, m.ApplyNo, fmt.Sprintf("claims/%d/pay", v.Claims[0].ID), map[string]string{"payment_ref": "PAY" + m.ApplyNo[len(m.ApplyNo)-6:]}); err == nil {
			if v.Status != "paid" {
				// The admin API, not the platform protocol: noted, not failed.
				c.rep.Note("管理接口 POST /admin/api/applications/%s/claims/{id}/pay 的应答显示赔付前的状态 %s（%s），GET 同一申请才显示 paid：应答应反映赔付后的申请", m.ApplyNo, v.Status, v.StatusLabel)
			}
			if v, err = c.gw.Application(ctx, m.ApplyNo); err == nil && v.Status != "paid" {
				err = fmt.Errorf("赔付后状态应为 paid，实际 %s", v.Status)
			}
		}
	}
	c.rep.Check("L04", "理赔记录一笔，管理接口赔付后状态为 paid", err)
	ans, err = c.gw.Send(ctx, platform.CancelNotice, map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": m.ApplyNo, "baohanno": m.BaohanNo})
	c.rep.Check("L05", "已赔付的保函 canclenotice 被拒绝", refused(ans, err))
}

// addYuan adds whole yuan to an amount like "20000.00".
func addYuan(amount string, yuan int) string {
	var whole, frac int
	fmt.Sscanf(amount, "%d.%d", &whole, &frac)
	return fmt.Sprintf("%d.%02d", whole+yuan, frac)
}

// abandon: 4.11 from the platform, 4.12 from the institution (accepted and
// refused by the platform), and a rejection.
func (c *conf) abandon(ctx context.Context) {
	g := c.giveup
	f := map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": g.ApplyNo}
	ans, err := c.gw.Send(ctx, platform.GiveUp, f)
	c.rep.Check("G01", "未出函的申请 giveupapply（4.11）被受理", accepted(ans, err))
	ans, err = c.gw.Send(ctx, platform.GiveUp, f)
	c.rep.Check("G02", "giveupapply 相同内容重发得到相同应答", accepted(ans, err))
	_, err = c.gw.Act(ctx, g.ApplyNo, "approve", map[string]string{"payername": g.Bidder.Name, "payeraccount": g.Account})
	var ae *AdminError
	if errors.As(err, &ae) && ae.Status == http.StatusConflict {
		err = nil
	} else {
		err = fmt.Errorf("已放弃的申请审批应得到 HTTP 409，实际：%v", err)
	}
	c.rep.Check("G03", "已放弃的申请不能再出函", err)

	o := c.ours
	v, err := c.gw.Act(ctx, o.ApplyNo, "giveup", map[string]string{"reason": "投标人申请放弃"})
	if err == nil {
		if v.Status != "abandoned" {
			err = fmt.Errorf("交易平台同意后状态应为 abandoned，实际 %s", v.Status)
		} else {
			_, err = c.inbox.Wait(ctx, c.cfg.Wait, o.ApplyNo, platform.GiveUp, 1)
		}
	}
	c.rep.Check("G04", "金融机构放弃申请（4.12）：模拟器收到签名正确的 giveupapply，同意后状态 abandoned", err)
	n := c.oursNo
	_, err = c.gw.Act(ctx, n.ApplyNo, "giveup", map[string]string{"reason": "投标人申请放弃"})
	switch {
	case err == nil:
		err = errors.New("交易平台拒绝放弃时管理接口应返回错误")
	case !errors.As(err, &ae):
	case !strings.Contains(ae.Message, "不能放弃"):
		err = fmt.Errorf("管理接口的错误应转述交易平台的说明「不能放弃」，实际：%s", ae.Message)
	default:
		err = nil
		if v, e := c.gw.Application(ctx, n.ApplyNo); e != nil || v.Status != "received" {
			err = fmt.Errorf("交易平台拒绝放弃后申请应保持 received：%v %v", e, v)
		}
	}
	c.rep.Check("G05", "交易平台拒绝 4.12 放弃申请时网关不改变申请，并转述拒绝理由", err)

	r := c.reject
	_, err = c.gw.Act(ctx, r.ApplyNo, "reject", map[string]string{"reason": "投标人存在失信记录"})
	if err == nil {
		var nt *Notice
		if nt, err = c.inbox.Wait(ctx, c.cfg.Wait, r.ApplyNo, platform.BaohanNotice, 1); err == nil {
			if nt.Params["applystatus"] != "0" || nt.Params["baohanfile"] != "" {
				err = fmt.Errorf("审核不通过的 baohannotice 应为 applystatus=0 且不带保函文件，实际 applystatus=%s，baohanfile %d 字符", nt.Params["applystatus"], len(nt.Params["baohanfile"]))
			}
		}
	}
	c.rep.Check("G06", "审核不通过 → baohannotice applystatus=0", err)
	ans, err = c.gw.Send(ctx, platform.GiveUp, map[string]string{"platformcode": c.cfg.PlatformCode, "applyno": r.ApplyNo})
	c.rep.Check("G07", "已拒绝的申请 giveupapply 被拒绝", refused(ans, err))
}

// notices: every notice received passed the inbox's checks.
func (c *conf) notices(ctx context.Context) {
	all := c.inbox.All()
	var errs []error
	count := map[string]int{}
	for _, n := range all {
		count[n.Interface]++
		for _, p := range n.Problems {
			errs = append(errs, errors.New(p))
		}
	}
	var parts []string
	for _, k := range sortedKeysInt(count) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, count[k]))
	}
	if len(errs) > 0 {
		// Already listed as they arrived; name them once here.
		c.rep.Check("N01", fmt.Sprintf("收到的 %d 条通知（%s）签名、时间戳、字段均正确", len(all), strings.Join(parts, " ")),
			fmt.Errorf("%d 条通知有问题（见上）", len(errs)))
		return
	}
	c.rep.Check("N01", fmt.Sprintf("收到的 %d 条通知（%s）签名、时间戳、字段均正确", len(all), strings.Join(parts, " ")), nil)
}

func sortedKeysInt(m map[string]int) []string {
	s := make(map[string]string, len(m))
	for k := range m {
		s[k] = ""
	}
	return sortedKeys(s)
}
