package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/internal/text"
	"github.com/baohangateway/baohan/platform"
)

// The conformance checks of the transport and of the field table: the
// refusals of unsigned, stale and malformed messages.

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
		out[i] = fmt.Sprintf("%q", text.Clip(v, 12))
	}
	return out
}
