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
	"time"

	"github.com/baohangateway/baohan/platform"
)

// The conformance checks that walk applications through their lives: apply,
// issue, the refusals before bid opening, opening, invoices and claims after
// it, and abandonment.

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
