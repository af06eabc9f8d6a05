package service

import "context"

// PlatformCaller sends a message to a platform and waits for its answer: for
// the calls whose outcome decides our state (§4.12 giveupapply), unlike the
// notices, which go through the outbox.
type PlatformCaller interface {
	// Call sends iface with fields to the platform with appkey. accepted is the
	// platform's code 1; message its message. err means no answer was had.
	Call(ctx context.Context, appkey, iface string, fields map[string]string) (accepted bool, message string, err error)
}

// Abandon asks the platform to abandon an application on the bidder's behalf
// (§4.12). Our state changes only when the platform answers code 1; a refusal
// is kept in the audit trail with the platform's message and returned.
func (s *Guarantees) Abandon(ctx context.Context, actor Actor, id int64, reason string) (*Application, error) {
	reason, err := mayOperateFor(actor, reason, "请填写放弃原因（reason）")
	if err != nil {
		return nil, err
	}
	a, err := s.applicationIf(ctx, id, allowing(OpAbandon))
	if err != nil {
		return nil, err
	}
	if s.Caller == nil {
		return nil, Errorf(EUNAVAILABLE, "未配置交易平台连接，无法发起放弃申请")
	}
	iface, fields := Encode(AbandonRequest{ApplyNo: a.ApplyNo})
	accepted, message, err := s.Caller.Call(ctx, a.Platform, iface, fields)
	if err != nil {
		s.Log.Warn("giveupapply to platform failed", "applyno", a.ApplyNo, "platform", a.Platform, "error", err)
		return nil, Errorf(EUNAVAILABLE, "交易平台暂时无法连接，放弃申请未发出，请稍后重试")
	}
	if !accepted {
		_ = s.Store.WithTx(ctx, func(ctx context.Context) error {
			return s.audit(ctx, a, actor, "give_up_refused", giveUpRefusedDetail(message, reason))
		})
		return nil, Errorf(ESTATE, "交易平台拒绝放弃申请：%s", message)
	}
	return s.change(ctx, id, func(ctx context.Context, a *Application) error {
		to, err := a.transition(OpAbandon)
		if err != nil {
			// The platform has abandoned it, but an officer acted meanwhile.
			s.Log.Error("platform accepted giveupapply but the application moved on", "applyno", a.ApplyNo, "state", a.State)
			return errState(a, "放弃申请", "交易平台已同意放弃，但申请已被其他操作处理，请联系交易平台核对")
		}
		a.State, a.AbandonedAt, a.AbandonReason = to, s.now(), reason
		return s.saveAudited(ctx, a, actor, "give_up", giveUpAcceptedDetail(reason))
	})
}
