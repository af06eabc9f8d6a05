package service

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"

	"github.com/baohangateway/baohan/wire"
)

// Guarantees is the guarantee lifecycle: the platform's requests (§4.1–§4.9,
// platform_ops.go), the officers' decisions on them (decisions.go), giving
// up on the bidder's behalf (giveup.go) and resending failed notices
// (resend.go). Every change goes through Application.transition and queues
// its notice in the same transaction.
type Guarantees struct{ *env }

func platformActor(appkey string) Actor { return Actor{Kind: ActorPlatform, Name: appkey} }

// Apply receives §4.1 baohanapply: it stores the application with its sealed
// fields as received, checks the underwriting rules, and answers the URL of
// the bidder's portal page.
func (s *Guarantees) Apply(ctx context.Context, req ApplyRequest) (ApplyResult, error) {
	amount, err := ParseMoney(req.BzjAmount)
	if err != nil {
		return ApplyResult{}, Errorf(EINVALID, "%s格式错误：应为金额数字（元），最多两位小数", fieldRef(wire.BaohanApply, wire.FieldBzjAmount))
	}
	if amount <= 0 {
		return ApplyResult{}, Errorf(EINVALID, "%s错误：应大于 0", fieldRef(wire.BaohanApply, wire.FieldBzjAmount))
	}
	data, err := s.once(ctx, req.Platform, wire.BaohanApply, req.ApplyNo, req, func(ctx context.Context) (map[string]string, error) {
		now, uw := s.now(), s.Settings().Underwriting
		a := &Application{
			Platform: req.Platform, PlatformCode: req.PlatformCode, ApplyNo: req.ApplyNo,
			BidderName: req.BidderName, BidderCode: req.BidderCode, JbrName: req.JbrName, JbrPhone: req.JbrPhone,
			Cipher: Sealed{BiaoduanNo: req.BiaoduanNo, BiaoduanName: req.BiaoduanName, Zbr: req.Zbr, ZbrOrgNum: req.ZbrOrgNum},
			Amount: amount, State: StateReceived,
			PortalToken: randomToken(32), PortalExpiresAt: now.Add(s.PortalTTL),
			Rate: uw.Rate, CreatedAt: now,
		}
		premium, err := uw.Premium(amount)
		if err != nil {
			return nil, err
		}
		a.Premium = premium
		exposure, err := s.exposure(ctx, uw)
		if err != nil {
			return nil, err
		}
		a.Flags = uw.Flags(a, exposure)
		if err := a.Validate(); err != nil {
			return nil, err
		}
		if err := s.Store.CreateApplication(ctx, a); err != nil {
			return nil, err
		}
		detail := "保证金 " + a.Amount.Yuan() + " 元"
		for _, f := range a.Flags {
			detail += "；风险提示：" + f.Message
		}
		if err := s.audit(ctx, a, platformActor(req.Platform), "apply", detail); err != nil {
			return nil, err
		}
		return map[string]string{wire.AnswerRedirectURL: s.PortalURL(a)}, nil
	})
	if err != nil {
		return ApplyResult{}, err
	}
	return ApplyResult{RedirectURL: data[wire.AnswerRedirectURL]}, nil
}

// load finds the platform's application by applyno inside a request and
// checks the baohanno the platform quotes, when it quotes one.
func (s *Guarantees) load(ctx context.Context, platform, applyNo, baohanNo string) (*Application, error) {
	a, err := s.Store.GetApplicationByApplyNo(ctx, platform, applyNo)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(ENOTFOUND, "未找到业务流水号 %s 的投保申请", applyNo)
		}
		return nil, err
	}
	if baohanNo != "" && a.BaohanNo != baohanNo {
		if a.BaohanNo == "" {
			return nil, errState(a, "办理该业务", "尚未出具保函，"+fieldRef(wire.BaohanRestore, wire.FieldBaohanNo)+baohanNo+" 无效")
		}
		return nil, Errorf(EINVALID, "%s错误：业务流水号 %s 的保函编号为 %s，请求中为 %s", fieldRef(wire.BaohanRestore, wire.FieldBaohanNo), applyNo, a.BaohanNo, baohanNo)
	}
	return a, nil
}

// onApplication handles, once, a platform request about one application:
// it loads the application the request names (checking the baohanno it
// quotes, when it quotes one), checks that op may happen to it now, and
// hands it to do with the state op leads to.
func (s *Guarantees) onApplication(ctx context.Context, platform, iface, applyNo, baohanNo string, req any, op Operation,
	do func(ctx context.Context, a *Application, to State) error) error {
	_, err := s.once(ctx, platform, iface, applyNo, req, func(ctx context.Context) (map[string]string, error) {
		a, err := s.load(ctx, platform, applyNo, baohanNo)
		if err != nil {
			return nil, err
		}
		to, err := a.transition(op)
		if err != nil {
			return nil, err
		}
		return nil, do(ctx, a, to)
	})
	return err
}

// Restore receives §4.3 baohanrestore: it decrypts the sealed fields with the
// key (and IV, when given) and answers at once; the plaintext letter and its
// restorenotice are produced afterwards by the letter workers. A key that does
// not decrypt every field is refused and changes nothing. It may arrive
// before the kaibiaotime it quotes.
func (s *Guarantees) Restore(ctx context.Context, req RestoreRequest) error {
	key, err := gmcrypto.ParseKey(req.Key)
	if err != nil {
		return Errorf(EINVALID, "%s%s", fieldRef(wire.BaohanRestore, wire.FieldKey), err)
	}
	iv, err := gmcrypto.ParseIV(req.IV)
	if err != nil {
		return Errorf(EINVALID, "%s%s", fieldRef(wire.BaohanRestore, wire.FieldIV), err)
	}
	kaibiao, err := parseWireTime(req.KaibiaoTime)
	if err != nil {
		return Errorf(EINVALID, "%s格式错误：应为 yyyy-MM-dd HH:mm:ss", fieldRef(wire.BaohanRestore, wire.FieldKaibiaoTime))
	}
	err = s.onApplication(ctx, req.Platform, wire.BaohanRestore, req.ApplyNo, req.BaohanNo, req, OpRestore, func(ctx context.Context, a *Application, to State) error {
		plain, err := gmcrypto.DecryptFields(map[string]string{
			wire.FieldBiaoduanNo: a.Cipher.BiaoduanNo, wire.FieldBiaoduanName: a.Cipher.BiaoduanName,
			wire.FieldZbr: a.Cipher.Zbr, wire.FieldZbrOrgNum: a.Cipher.ZbrOrgNum,
		}, key, iv)
		if err != nil {
			return Errorf(EINVALID, "%s无法解密投保申请中的密文：%s", fieldRef(wire.BaohanRestore, wire.FieldKey), err)
		}
		a.Plain = Sealed{BiaoduanNo: plain[wire.FieldBiaoduanNo], BiaoduanName: plain[wire.FieldBiaoduanName], Zbr: plain[wire.FieldZbr], ZbrOrgNum: plain[wire.FieldZbrOrgNum]}
		a.State, a.RestoredAt, a.KaibiaoTime, a.PlainPending = to, s.now(), kaibiao.UTC(), true
		return s.saveAudited(ctx, a, platformActor(req.Platform), "restore", "开标时间 "+req.KaibiaoTime+"，已解密，待生成明文保函"+oddPlaintext(a.Plain))
	})
	if err == nil {
		s.wakePlain()
	}
	return err
}

// Invoice receives §4.5 invoiceapply, accepted once the guarantee has been
// restored. The amount must equal the premium; a special invoice (type 1)
// needs the company's address, phone, bank, account and the recipient.
func (s *Guarantees) Invoice(ctx context.Context, req InvoiceRequest) error {
	amount, err := ParseMoney(req.Amount)
	if err != nil {
		return Errorf(EINVALID, "%s格式错误：应为金额数字（元），最多两位小数", fieldRef(wire.InvoiceApply, wire.FieldAmount))
	}
	if req.Type == "1" {
		for _, f := range []struct{ name, v string }{
			{wire.FieldAddress, req.Address}, {wire.FieldPhone, req.Phone}, {wire.FieldBank, req.Bank},
			{wire.FieldAccount, req.Account}, {wire.FieldMobile, req.Mobile},
			{wire.FieldContactName, req.ContactName}, {wire.FieldContactAddress, req.ContactAddress},
		} {
			if strings.TrimSpace(f.v) == "" {
				return Errorf(EINVALID, "%s缺失：专票（type 为 1）时必填", fieldRef(wire.InvoiceApply, f.name))
			}
		}
	} else if req.Type != "0" {
		return Errorf(EINVALID, "%s取值错误：应为 0（普票）或 1（专票）", fieldRef(wire.InvoiceApply, wire.FieldType))
	}
	return s.onApplication(ctx, req.Platform, wire.InvoiceApply, req.ApplyNo, req.BaohanNo, req, OpInvoice, func(ctx context.Context, a *Application, _ State) error {
		if amount != a.Premium {
			return Errorf(EINVALID, "%s错误：应等于保费 %s 元，实际为 %s 元", fieldRef(wire.InvoiceApply, wire.FieldAmount), a.Premium, amount)
		}
		if strings.TrimSpace(req.BidderCode) != a.BidderCode {
			return Errorf(EINVALID, "%s与投保申请不符：应为 %s", fieldRef(wire.InvoiceApply, wire.FieldBidderCode), a.BidderCode)
		}
		if strings.TrimSpace(req.BidderName) != a.BidderName {
			return Errorf(EINVALID, "%s与投保申请不符：应为 %s", fieldRef(wire.InvoiceApply, wire.FieldBidderName), a.BidderName)
		}
		inv, err := s.Store.GetInvoiceByApplication(ctx, a.ID)
		switch {
		case err == nil && inv.Status != InvoiceRefused:
			return errState(a, "再次申请发票", "已有发票申请（"+inv.Status.Label()+"）")
		case err == nil: // asked again after a refusal: the request is renewed
			inv.Request, inv.Amount, inv.Status, inv.CreatedAt = req, amount, InvoiceRequested, s.now()
			inv.InvoiceCode, inv.InvoiceNo, inv.DocumentID, inv.IssuedAt = "", "", 0, time.Time{}
			if err := s.Store.UpdateInvoice(ctx, inv); err != nil {
				return err
			}
		case ErrorCode(err) != ENOTFOUND:
			return err
		default:
			inv = &Invoice{ApplicationID: a.ID, Request: req, Amount: amount, Status: InvoiceRequested, CreatedAt: s.now()}
			if err := s.Store.CreateInvoice(ctx, inv); err != nil {
				return err
			}
		}
		kind := "普票"
		if req.Type == "1" {
			kind = "专票"
		}
		return s.audit(ctx, a, platformActor(req.Platform), "invoice_apply", kind+" "+amount.Yuan()+" 元")
	})
}

// Quit receives §4.7 quitapply: a withdrawal before bid opening, pending an
// officer's decision. After restore it is refused.
func (s *Guarantees) Quit(ctx context.Context, req QuitRequest) error {
	return s.onApplication(ctx, req.Platform, wire.QuitApply, req.ApplyNo, req.BaohanNo, req, OpQuit, func(ctx context.Context, a *Application, to State) error {
		a.State, a.QuitReason, a.QuitRequestedAt, a.QuitDecidedAt = to, req.Reason, s.now(), time.Time{}
		return s.saveAudited(ctx, a, platformActor(req.Platform), "quit_apply", "退保原因："+req.Reason)
	})
}

// Cancel receives §4.9 canclenotice: a restored guarantee is cancelled.
func (s *Guarantees) Cancel(ctx context.Context, req CancelRequest) error {
	return s.onApplication(ctx, req.Platform, wire.CancelNotice, req.ApplyNo, req.BaohanNo, req, OpCancel, func(ctx context.Context, a *Application, to State) error {
		a.State, a.CancelledAt = to, s.now()
		return s.saveAudited(ctx, a, platformActor(req.Platform), "cancel", "保函已注销")
	})
}

// Claim receives §4.10 claimsnotice on a live guarantee and records the claim
// for officers to pay (见索即付).
func (s *Guarantees) Claim(ctx context.Context, req ClaimRequest) error {
	var demanded Money
	if strings.TrimSpace(req.PayerAmount) != "" {
		m, err := ParseMoney(req.PayerAmount)
		if err != nil || m <= 0 {
			return Errorf(EINVALID, "%s格式错误：应为大于 0 的金额（元），最多两位小数", fieldRef(wire.ClaimsNotice, wire.FieldPayerAmount))
		}
		demanded = m
	}
	if strings.TrimSpace(req.FileList) != "" {
		var files []map[string]any
		if err := json.Unmarshal([]byte(req.FileList), &files); err != nil {
			return Errorf(EINVALID, "%s格式错误：应为 JSON 数组，如 [{\"fileurl\":\"…\"}]", fieldRef(wire.ClaimsNotice, wire.FieldFileList))
		}
	}
	return s.onApplication(ctx, req.Platform, wire.ClaimsNotice, req.ApplyNo, req.BaohanNo, req, OpClaim, func(ctx context.Context, a *Application, to State) error {
		if demanded == 0 {
			demanded = a.Amount
		}
		if demanded > a.Amount {
			return Errorf(EINVALID, "%s错误：不能超过担保金额 %s 元，实际为 %s 元", fieldRef(wire.ClaimsNotice, wire.FieldPayerAmount), a.Amount, demanded)
		}
		a.State = to
		if err := s.Store.UpdateApplication(ctx, a); err != nil {
			return err
		}
		c := &Claim{ApplicationID: a.ID, PayeeAccount: req.PayerAccount, Amount: demanded, FileList: req.FileList,
			ContactName: req.ApplyUserName, ContactPhone: req.ApplyUserPhone, Reason: req.Reason,
			Status: ClaimPending, CreatedAt: s.now()}
		if err := s.Store.CreateClaim(ctx, c); err != nil {
			return err
		}
		return s.audit(ctx, a, platformActor(req.Platform), "claim", "索赔金额 "+demanded.Yuan()+" 元；原因："+req.Reason)
	})
}

// GiveUp receives §4.11 giveupapply: the bidder abandons an application. It
// succeeds only while nothing has been issued.
func (s *Guarantees) GiveUp(ctx context.Context, req GiveUpRequest) error {
	return s.onApplication(ctx, req.Platform, wire.GiveUp, req.ApplyNo, "", req, OpGiveUp, func(ctx context.Context, a *Application, to State) error {
		a.State, a.AbandonedAt, a.AbandonReason = to, s.now(), "交易平台发起放弃申请"
		return s.saveAudited(ctx, a, platformActor(req.Platform), "give_up", "交易平台发起放弃申请")
	})
}
