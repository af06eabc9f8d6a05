package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/baohangateway/baohan/platform"
)

// demo runs a scripted lifecycle of six applications on two sections of one
// project, printing each step: every interface of §4 is used once at least.
func (s *Sim) demo(ctx context.Context) error {
	secs := s.gen.Sections(2)
	secA, secB := secs[0], secs[1]
	s.rep.Step("项目：%s（招标人 %s，统一社会信用代码 %s）", secA.Project, secA.Tenderer.Name, secA.Tenderer.Code)
	for i, sec := range secs {
		s.rep.Step("  标段 %c %s「%s」保证金 %s 元；SM4 密钥（开标时才发出）%s", 'A'+i, sec.No, sec.Name, sec.Amount, sec.KeyB64)
	}
	var apps []*Application
	roles := []struct {
		sec  *Section
		role string
	}{
		{secA, "开标 → 发票 → 注销"}, {secA, "开标 → 理赔 → 赔付"}, {secA, "开标前退保"},
		{secB, "交易平台放弃申请（4.11）"}, {secB, "金融机构放弃申请（4.12）"}, {secB, "审核不通过"},
	}
	role := map[*Application]string{}
	for _, r := range roles {
		a, err := s.gen.NewApplication(r.sec)
		if err != nil {
			return err
		}
		apps = append(apps, a)
		role[a] = r.role
	}
	a1, a2, a3, b1, b2, b3 := apps[0], apps[1], apps[2], apps[3], apps[4], apps[5]
	fail := func(a *Application, step string, err error) {
		s.rep.Problem("%s %s：%v", a.ApplyNo, step, err)
	}
	// letter reports the notice iface that brought a's letter (sealed, or
	// in plaintext after opening), or its failure.
	letter := func(a *Application, iface, what string, sealed bool, n *Notice, err error) {
		if n != nil {
			s.rep.Step("  ← %s %s：%s %s%s", iface, a.ApplyNo, what, sizeKB(n.PDFSize), s.letterNote(sealed))
		}
		if err != nil {
			fail(a, iface, err)
		}
	}

	s.rep.Step("\n[1] 投保申请 §4.1 baohanapply（标段编号、标段名称、招标人及其代码以标段密钥 SM4 加密）")
	for _, a := range apps {
		ans, err := s.apply(ctx, a)
		if err != nil {
			fail(a, "baohanapply", err)
			continue
		}
		s.rep.Step("  → %s  %s（%s）保证金 %s 元  [%s]", a.ApplyNo, a.Bidder.Name, a.Bidder.Code, a.Amount, role[a])
		s.rep.Step("    ← code=1 redirecturl=%s", ans.Reply.Data["redirecturl"])
	}
	s.rep.Step("  zbr 密文示例：%s", a1.Cipher["zbr"])

	s.rep.Step("\n[2] 审批：银行核心系统通过管理接口出函 → §4.2 baohannotice")
	views := map[*Application]*AppView{}
	for _, a := range []*Application{a1, a2, a3} {
		v, err := s.approve(ctx, a)
		if err != nil {
			fail(a, "审批", err)
			continue
		}
		views[a] = v
		s.rep.Step("  ✔ %s 已出函：保函编号 %s，费率 %s，保费 %s 元，付款账户 %s %s", a.ApplyNo, v.BaohanNo, v.Rate, v.Cost, a.Bidder.Name, a.Account)
	}
	for _, a := range []*Application{a1, a2, a3} {
		if views[a] == nil {
			continue
		}
		n, err := s.expectBaohanNotice(ctx, a, views[a])
		letter(a, "baohannotice", "签名正确，applystatus=1，密文保函", true, n, err)
	}

	s.rep.Step("\n[3] 开标前退保 §4.7 quitapply → 管理接口同意 → §4.8 quitnotice")
	if a3.BaohanNo != "" {
		ans, err := s.gw.Send(ctx, platform.QuitApply, map[string]string{"platformcode": s.cfg.PlatformCode, "applyno": a3.ApplyNo, "baohanno": a3.BaohanNo, "reason": s.gen.Pick(quitReasons)})
		if err := accepted(ans, err); err != nil {
			fail(a3, "quitapply", err)
		} else if _, err := s.gw.Act(ctx, a3.ApplyNo, "quit/approve", map[string]string{"reason": "投标人撤回投标，同意退保"}); err != nil {
			fail(a3, "同意退保", err)
		} else if n, err := s.inbox.Wait(ctx, s.cfg.Wait, a3.ApplyNo, platform.QuitNotice, 1); err != nil {
			fail(a3, "quitnotice", err)
		} else {
			s.rep.Step("  ✔ %s 退保：quitnotice applystatus=%s tuibaotime=%s", a3.ApplyNo, n.Params["applystatus"], n.Params["tuibaotime"])
		}
	}

	s.rep.Step("\n[4] 放弃申请：§4.11 交易平台发起；§4.12 金融机构发起、由交易平台（模拟器）同意")
	ans, err := s.gw.Send(ctx, platform.GiveUp, map[string]string{"platformcode": s.cfg.PlatformCode, "applyno": b1.ApplyNo})
	if err := accepted(ans, err); err != nil {
		fail(b1, "giveupapply（4.11）", err)
	} else {
		s.rep.Step("  ✔ %s 交易平台放弃申请：code=1 %s", b1.ApplyNo, ans.Reply.Message)
	}
	if v, err := s.gw.Act(ctx, b2.ApplyNo, "giveup", map[string]string{"reason": "投标人在金融机构门户申请放弃"}); err != nil {
		fail(b2, "管理接口 giveup（4.12）", err)
	} else if _, err := s.inbox.Wait(ctx, s.cfg.Wait, b2.ApplyNo, platform.GiveUp, 1); err != nil {
		fail(b2, "giveupapply（4.12）", err)
	} else {
		s.rep.Step("  ✔ %s 金融机构放弃申请：模拟器收到已签名的 giveupapply 并同意，申请状态 %s", b2.ApplyNo, v.StatusLabel)
	}

	s.rep.Step("\n[5] 审核不通过：管理接口 reject → §4.2 baohannotice applystatus=0")
	if _, err := s.gw.Act(ctx, b3.ApplyNo, "reject", map[string]string{"reason": "投标人近三年存在投标保证金被没收记录"}); err != nil {
		fail(b3, "reject", err)
	} else if n, err := s.inbox.Wait(ctx, s.cfg.Wait, b3.ApplyNo, platform.BaohanNotice, 1); err != nil {
		fail(b3, "baohannotice（applystatus=0）", err)
	} else {
		s.rep.Step("  ✔ %s baohannotice applystatus=%s", b3.ApplyNo, n.Params["applystatus"])
	}

	s.rep.Step("\n[6] 开标：§4.3 baohanrestore 把标段 A 的密钥发给该标段的每份保函 → §4.4 restorenotice（明文保函）")
	opened := []*Application{}
	for _, a := range []*Application{a1, a2} {
		if a.BaohanNo == "" {
			continue
		}
		ans, err := s.gw.Send(ctx, platform.BaohanRestore, s.restoreFields(a, a.Section.KeyB64))
		if err := accepted(ans, err); err != nil {
			fail(a, "baohanrestore", err)
			continue
		}
		opened = append(opened, a)
		s.rep.Step("  → %s baohanrestore key=%s ← code=1", a.ApplyNo, a.Section.KeyB64)
	}
	for _, a := range opened {
		n, err := s.expectRestoreNotice(ctx, a)
		letter(a, "restorenotice", "明文保函", false, n, err)
	}

	s.rep.Step("\n[7] 发票 §4.5 invoiceapply → 管理接口开票 → §4.6 invoicenotice")
	if a1.Cost != "" {
		fields := s.invoiceFields(a1, "1")
		ans, err := s.gw.Send(ctx, platform.InvoiceApply, fields)
		if err := accepted(ans, err); err != nil {
			fail(a1, "invoiceapply", err)
		} else if _, err := s.gw.Act(ctx, a1.ApplyNo, "invoice/issue", map[string]string{"invoicecode": "022002600111", "invoiceno": "0" + a1.ApplyNo[len(a1.ApplyNo)-7:], "pdf": tinyPDF()}); err != nil {
			fail(a1, "开票", err)
		} else if n, err := s.waitInvoice(ctx, a1); err != nil {
			fail(a1, "invoicenotice", err)
		} else {
			s.rep.Step("  ✔ %s 专票 %s 元：invoicenotice invoicecode=%s invoiceno=%s invoiceurl=%s", a1.ApplyNo, a1.Cost, n.Params["invoicecode"], n.Params["invoiceno"], n.Params["invoiceurl"])
		}
	}

	s.rep.Step("\n[8] 注销 §4.9 canclenotice（开标后）")
	if a1.BaohanNo != "" {
		ans, err := s.gw.Send(ctx, platform.CancelNotice, map[string]string{"platformcode": s.cfg.PlatformCode, "applyno": a1.ApplyNo, "baohanno": a1.BaohanNo})
		if err := accepted(ans, err); err != nil {
			fail(a1, "canclenotice", err)
		} else {
			s.rep.Step("  ✔ %s 保函 %s 已注销", a1.ApplyNo, a1.BaohanNo)
		}
	}

	s.rep.Step("\n[9] 理赔 §4.10 claimsnotice（见索即付）→ 管理接口赔付")
	if a2.BaohanNo != "" {
		name, phone := s.gen.Person()
		ans, err := s.gw.Send(ctx, platform.ClaimsNotice, map[string]string{"platformcode": s.cfg.PlatformCode, "applyno": a2.ApplyNo, "baohanno": a2.BaohanNo,
			"payeraccount": s.gen.Account(), "payeramount": a2.Amount, "filelist": `[{"fileurl":"https://ggzyjy.jl.gov.cn/files/claim-demand.pdf"}]`,
			"applyusername": name, "applyuserphone": phone, "Reason": s.gen.Pick(claimReasons)})
		if err := accepted(ans, err); err != nil {
			fail(a2, "claimsnotice", err)
		} else if v, err := s.gw.Application(ctx, a2.ApplyNo); err != nil || len(v.Claims) == 0 {
			fail(a2, "读取理赔", fmt.Errorf("管理接口没有显示理赔：%v", err))
		} else if _, err := s.gw.Act(ctx, a2.ApplyNo, fmt.Sprintf("claims/%d/pay", v.Claims[0].ID), map[string]string{"payment_ref": "CLM" + a2.ApplyNo[len(a2.ApplyNo)-8:]}); err != nil {
			fail(a2, "赔付", err)
		} else if v, err := s.gw.Application(ctx, a2.ApplyNo); err != nil {
			fail(a2, "赔付", err)
		} else {
			s.rep.Step("  ✔ %s 索赔 %s 元已赔付，状态 %s", a2.ApplyNo, a2.Amount, v.StatusLabel)
		}
	}

	s.rep.Step("\n[10] 结果")
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  业务流水号\t投标人\t保函编号\t状态\t收到的通知")
	for _, a := range apps {
		status := "?"
		if v, err := s.gw.Application(ctx, a.ApplyNo); err == nil {
			status = v.StatusLabel + "（" + v.Status + "）"
		}
		var got []string
		for _, n := range s.inbox.Of(a.ApplyNo) {
			if n.Accepted {
				got = append(got, n.Interface)
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", a.ApplyNo, a.Bidder.Name, orDash(a.BaohanNo), status, orDash(strings.Join(got, ", ")))
	}
	tw.Flush()

	base := strings.TrimRight(s.gw.PublicURL, "/")
	s.rep.Step("\n去哪里看：")
	s.rep.Step("  控制台      %s/console/applications?q=%s （本次的申请；点开一份看时间线、通知及每次投递、审计记录）", base, url.QueryEscape(a1.ApplyNo[:len(a1.ApplyNo)-5]))
	if v, err := s.gw.Application(ctx, a2.ApplyNo); err == nil && v.CheckCode != "" {
		s.rep.Step("  保函验真    %s/verify?no=%s&code=%s", base, url.QueryEscape(v.BaohanNo), url.QueryEscape(v.CheckCode))
	}
	s.rep.Step("  管理接口    curl -H 'Authorization: Bearer %s' %s/admin/api/applications/%s", s.cfg.Token, base, a1.ApplyNo)
	s.rep.Step("  投标人门户  %s", orDash(s.portal(ctx, a1)))
	fmt.Fprintln(s.out)
	if s.rep.Summary(s.out) > 0 {
		return errDeviations
	}
	return nil
}

// begin prints the heading of a run in mode (demo, conformance or load) and
// checks that the gateway answers; run calls it before any mode's work.
func (s *Sim) begin(ctx context.Context, mode string) error {
	s.intro(s.title(mode))
	return s.preflight(ctx)
}

// title names a run in mode in its heading.
func (s *Sim) title(mode string) string {
	switch mode {
	case "demo":
		return "演示"
	case "conformance":
		return "一致性检查"
	}
	if len(s.gws) > 1 {
		return fmt.Sprintf("负载（%d 份申请，并发 %d，%d 个网关副本）", s.cfg.N, s.cfg.Concurrency, len(s.gws))
	}
	return fmt.Sprintf("负载（%d 份申请，并发 %d）", s.cfg.N, s.cfg.Concurrency)
}

func (s *Sim) intro(mode string) {
	s.rep.Step("Baohan Gateway 平台模拟器 · %s", mode)
	if len(s.gws) > 1 {
		var bases []string
		for _, g := range s.gws {
			bases = append(bases, g.Base)
		}
		s.rep.Step("网关副本 %d 个（共用一个数据库，申请轮流分配）%s · appkey %s · 通知地址（每个副本的 notify_url）%s",
			len(s.gws), strings.Join(bases, "、"), s.cfg.AppKey, s.cfg.NotifyURL(s.addr))
	} else {
		s.rep.Step("网关 %s · appkey %s · 通知地址（网关的 notify_url）%s", s.gw.Base, s.cfg.AppKey, s.cfg.NotifyURL(s.addr))
	}
	if s.pdf.TextBin == "" {
		s.rep.Step("（未找到 pdftotext：只检查 baohanfile 是 PDF，不核对保函文字；安装 poppler-utils 可核对）")
	}
}

func (s *Sim) letterNote(sealed bool) string {
	var parts []string
	if s.pdf.TextBin != "" {
		if sealed {
			parts = append(parts, "pdftotext：显示密文、不含明文")
		} else {
			parts = append(parts, "pdftotext：显示明文标段、招标人")
		}
	}
	if s.pdf.SigBin != "" {
		parts = append(parts, "pdfsig：签名有效")
	}
	parts = append(parts, "baohanurl 下载一致")
	return "（" + strings.Join(parts, "；") + "）"
}

func (s *Sim) portal(ctx context.Context, a *Application) string {
	v, err := s.gw.Application(ctx, a.ApplyNo)
	if err != nil {
		return ""
	}
	return v.PortalURL
}

// invoiceFields are an invoiceapply for the premium of a: type "0" 普票 or
// "1" 专票 with the company's details.
func (s *Sim) invoiceFields(a *Application, typ string) map[string]string {
	f := map[string]string{"platformcode": s.cfg.PlatformCode, "applyno": a.ApplyNo, "baohanno": a.BaohanNo,
		"biddername": a.Bidder.Name, "biddercode": a.Bidder.Code, "amount": a.Cost, "type": typ, "email": "caiwu@example.com"}
	if typ == "1" {
		name, phone := s.gen.Person()
		f["address"], f["phone"], f["bank"], f["account"] = s.gen.Address(), "0431-8"+phone[len(phone)-7:], s.gen.Pick(banks)+"长春分行", a.Account
		f["mobile"], f["contactname"], f["contactaddress"] = phone, name, s.gen.Address()
	}
	return f
}

// waitInvoice waits for the invoicenotice of a (it carries only baohanno).
func (s *Sim) waitInvoice(ctx context.Context, a *Application) (*Notice, error) {
	n, err := s.inbox.Wait(ctx, s.cfg.Wait, a.ApplyNo, platform.InvoiceNotice, 1)
	if err != nil {
		return nil, err
	}
	if n.Params["baohanno"] != a.BaohanNo {
		return n, fmt.Errorf("invoicenotice 的 baohanno 应为 %s，实际为 %s", a.BaohanNo, n.Params["baohanno"])
	}
	if u := n.Params["invoiceurl"]; u != "" {
		if b, _, err := s.gw.Fetch(ctx, u); err != nil {
			return n, fmt.Errorf("invoicenotice 的 invoiceurl 无法下载：%v", err)
		} else if !strings.HasPrefix(string(b), "%PDF-") {
			return n, errors.New("invoicenotice 的 invoiceurl 下载到的不是 PDF")
		}
	}
	return n, nil
}

// tinyPDF is a minimal invoice PDF, base64, for the admin API.
func tinyPDF() string {
	// "%PDF-1.4 … %%EOF": enough for the gateway's PDF check.
	const doc = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
	return b64(doc)
}

func sizeKB(n int) string { return fmt.Sprintf("%.0f KB", float64(n)/1024) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
