package service

import "github.com/baohangateway/baohan/wire"

// The Chinese names officers read on the console for the codes the domain
// stores.

// Label is the notice status in Chinese.
func (st NoticeStatus) Label() string {
	switch st {
	case NoticePending:
		return "待发送"
	case NoticeDelivered:
		return "已送达"
	case NoticeFailed:
		return "发送失败"
	}
	return string(st)
}

// Label is the invoice status in Chinese.
func (st InvoiceStatus) Label() string { return invoiceLabel(st) }

// Label is the claim status in Chinese.
func (st ClaimStatus) Label() string {
	switch st {
	case ClaimPending:
		return "待赔付"
	case ClaimPaid:
		return "已赔付"
	}
	return string(st)
}

// InterfaceLabel names a platform message with its section of the spec.
func InterfaceLabel(iface string) string {
	return wire.Caption(iface)
}

// auditActions names the actions of the audit trail, in the order the
// audit page offers them as a filter.
var auditActions = []struct{ code, label string }{
	{"apply", "收到投保申请"},
	{"portal_submit", "投标人确认付款账户"},
	{"propose", "提交复核"},
	{"proposal_confirm", "复核确认"},
	{"proposal_decline", "复核退回"},
	{"proposal_withdraw", "撤回提议"},
	{"approve", "审批出函"},
	{"reject", "拒绝申请"},
	{"restore", "开标还原"},
	{"plain_letter", "生成明文保函"},
	{"invoice_apply", "收到开票申请"},
	{"invoice_issue", "开具发票"},
	{"invoice_refuse", "拒绝开票"},
	{"quit_apply", "收到退保申请"},
	{"quit_approve", "同意退保"},
	{"quit_reject", "拒绝退保"},
	{"cancel", "保函注销"},
	{"claim", "收到理赔"},
	{"claim_pay", "理赔赔付"},
	{"give_up", "放弃申请"},
	{"give_up_refused", "放弃申请被拒"},
	{"notice_resend", "重新发送通知"},
	{"login", "登录"},
	{"login_failed", "登录失败"},
	{"logout", "退出登录"},
	{"password_change", "修改密码"},
	{"totp_enable", "启用动态口令"},
	{"totp_disable", "关闭动态口令"},
	{"officer_create", "创建账户"},
	{"officer_update", "修改账户"},
	{"settings_update", "修改参数设置"},
}

// AuditAction is an action of the audit trail with its Chinese name.
type AuditAction struct{ Code, Label string }

// AuditActions lists the actions of the audit trail.
func AuditActions() []AuditAction {
	out := make([]AuditAction, len(auditActions))
	for i, a := range auditActions {
		out[i] = AuditAction{a.code, a.label}
	}
	return out
}

// AuditActionLabel is an audit action in Chinese; an unknown one as it is.
func AuditActionLabel(code string) string {
	for _, a := range auditActions {
		if a.code == code {
			return a.label
		}
	}
	return code
}

// ActorKindLabel is who acted, in Chinese.
func ActorKindLabel(k ActorKind) string {
	switch k {
	case ActorPlatform:
		return "交易平台"
	case ActorOfficer:
		return "柜员"
	case ActorAPI:
		return "接口"
	case ActorSystem:
		return "系统"
	}
	return string(k)
}
