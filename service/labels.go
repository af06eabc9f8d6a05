package service

import "github.com/baohangateway/baohan/wire"

// The Chinese names officers read on the console for the codes the domain
// stores.

// label is code's Chinese name in names; a code it does not know (a value
// written by a newer version, say) is shown as it is rather than blank.
func label[C ~string](code C, names map[C]string) string {
	if l, ok := names[code]; ok {
		return l
	}
	return string(code)
}

// Label is the notice status in Chinese.
func (st NoticeStatus) Label() string {
	return label(st, map[NoticeStatus]string{
		NoticePending:   "待发送",
		NoticeDelivered: "已送达",
		NoticeFailed:    "发送失败",
	})
}

// Label is the invoice status in Chinese.
func (st InvoiceStatus) Label() string {
	return label(st, map[InvoiceStatus]string{
		InvoiceRequested: "待开具",
		InvoiceIssued:    "已开具",
		InvoiceRefused:   "已拒绝",
	})
}

// Label is the claim status in Chinese.
func (st ClaimStatus) Label() string {
	return label(st, map[ClaimStatus]string{
		ClaimPending: "待赔付",
		ClaimPaid:    "已赔付",
	})
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
	return label(k, map[ActorKind]string{
		ActorPlatform: "交易平台",
		ActorOfficer:  "柜员",
		ActorAPI:      "接口",
		ActorSystem:   "系统",
	})
}
