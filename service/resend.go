package service

import (
	"context"
	"fmt"
	"github.com/baohangateway/baohan/internal/text"
)

// ResendNotice sends a failed notice again: it becomes pending and due at
// once, with its attempt count back at zero, so it gets the full retry
// schedule again (another day of retries when the platform is unreachable,
// another eight tries when it refuses). The earlier attempts stay in its
// history. Later notices of the application, held back while it was
// failed, follow once it is delivered. The resend is audited under actor.
// It returns the notice as it is now, with its attempts.
//
// ENOTFOUND when there is no such notice; ESTATE when it is not failed (a
// pending notice is still being retried, a delivered one has arrived).
// Whether an officer's resend needs a second officer is the console's
// concern; the admin API calls it directly.
func (s *Guarantees) ResendNotice(ctx context.Context, actor Actor, id int64) (*NoticeDetail, error) {
	var n *Notice
	err := s.Store.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if n, err = s.Store.GetNotice(ctx, id); err != nil {
			return notFoundByID(err, "通知", id)
		}
		switch n.Status {
		case NoticeFailed:
		case NoticeDelivered:
			return Errorf(ESTATE, "通知 %d（%s）已于 %s 送达交易平台，无需重新发送", n.ID, n.Interface, BeijingTime(n.DeliveredAt))
		default:
			return Errorf(ESTATE, "通知 %d（%s）正在发送或等待重试（下次尝试 %s），只有发送失败的通知可以重新发送", n.ID, n.Interface, BeijingTime(n.NextAttemptAt))
		}
		a, err := s.Store.GetApplication(ctx, n.ApplicationID)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("重新发送通知 %s（编号 %d），此前已尝试 %d 次", n.Interface, n.ID, n.Attempts)
		if n.LastError != "" {
			detail += "，最后错误：" + text.Clip(n.LastError, 500)
		}
		n.Status, n.NextAttemptAt, n.Attempts, n.LastError = NoticePending, s.now(), 0, ""
		if err := s.Store.UpdateNotice(ctx, n); err != nil {
			return err
		}
		noticeQueued(ctx, s.wakeNotices) // once this (or the caller's) transaction commits
		return s.audit(ctx, a, actor, "notice_resend", detail)
	})
	if err != nil {
		return nil, err
	}
	attempts, err := s.Store.ListAttempts(ctx, n.ID)
	if err != nil {
		return nil, err
	}
	return &NoticeDetail{Notice: n, Attempts: attempts}, nil
}
