package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// CreateNotice queues n and sets its ID and CreatedAt (now, unless set). A
// zero NextAttemptAt means due at once.
func (s *Store) CreateNotice(ctx context.Context, n *service.Notice) error {
	row := noticeToRow(n)
	return s.create(ctx, s.insertRow, &row, stamps{id: &n.ID, createdAt: &n.CreatedAt},
		about{op: fmt.Sprintf("create notice %s of application %d", n.Interface, n.ApplicationID)})
}

// GetNotice returns the notice with id; ENOTFOUND if none.
func (s *Store) GetNotice(ctx context.Context, id int64) (*service.Notice, error) {
	return take(ctx, s, about{op: fmt.Sprintf("get notice %d", id), what: fmt.Sprintf("编号为 %d 的通知", id)},
		(*noticeRow).toService, "id = ?", id)
}

// ListNotices returns an application's notices in the order they were
// queued.
func (s *Store) ListNotices(ctx context.Context, applicationID int64) ([]*service.Notice, error) {
	return findAll(s.reader(ctx).Where("application_id = ?", applicationID).Order("id"),
		about{op: fmt.Sprintf("list notices of application %d", applicationID)}, (*noticeRow).toService)
}

// FindNotices returns a page of the notices with f's statuses (all when
// none), failed first, then pending, then delivered, newest first within
// each, and how many there are in all.
func (s *Store) FindNotices(ctx context.Context, f service.NoticeFilter) ([]*service.Notice, int, error) {
	ab := about{op: "find notices"}
	scope := func(db *gorm.DB) *gorm.DB {
		if len(f.Statuses) == 0 {
			return db
		}
		return db.Where("status IN ?", asStrings(f.Statuses))
	}
	order := fmt.Sprintf("CASE status WHEN '%s' THEN 0 WHEN '%s' THEN 1 ELSE 2 END, created_at DESC, id DESC",
		service.NoticeFailed, service.NoticePending)
	return findPage(ctx, s, scope, order, f.Offset, f.Limit, ab, (*noticeRow).toService)
}

// HasUndeliveredNotice reports whether the application has a notice that is
// not delivered.
func (s *Store) HasUndeliveredNotice(ctx context.Context, applicationID int64) (bool, error) {
	var ids []int64
	err := s.reader(ctx).Model(&noticeRow{}).
		Where("application_id = ? AND status <> ?", applicationID, string(service.NoticeDelivered)).
		Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return false, translate(err, about{op: fmt.Sprintf("look for undelivered notices of application %d", applicationID)})
	}
	return len(ids) > 0, nil
}

// leaseFree is the condition of a notice nobody holds at ?: never leased,
// released, or its lease ran out (its holder died or hangs).
const leaseFree = "(lease_owner = '' OR lease_until IS NULL OR lease_until < ?)"

// ClaimDueNotices leases to owner, until leaseUntil, up to limit notices
// that are pending, due at now (NextAttemptAt zero or not after now), not
// leased by anyone at now, and the oldest notice of their application that
// is not delivered: a later notice waits while an earlier one is pending or
// failed, so the platform hears of an application's changes in order.
//
// Each candidate is taken with a conditional UPDATE that only succeeds if it
// is still pending and free, and only the notices whose update changed a
// row are returned: two dispatchers on one database never hold one notice
// at once, without row locks. The notices come back with their lease set.
func (s *Store) ClaimDueNotices(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]*service.Notice, error) {
	if owner == "" {
		return nil, errors.New("store: claim notices: empty lease owner")
	}
	if limit <= 0 {
		return nil, nil
	}
	ab := about{op: "claim notices for " + owner}
	now, leaseUntil = dbTime(now), dbTime(leaseUntil)
	var rows []noticeRow
	err := s.reader(ctx).
		Where("status = ?", string(service.NoticePending)).
		Where("(next_attempt_at IS NULL OR next_attempt_at <= ?)", now).
		Where(leaseFree, now).
		Where("NOT EXISTS (SELECT 1 FROM notices AS earlier WHERE earlier.application_id = notices.application_id"+
			" AND earlier.id < notices.id AND earlier.status <> ?)", string(service.NoticeDelivered)).
		Order("id").Limit(limit).
		Find(&rows).Error
	if err != nil {
		return nil, translate(err, ab)
	}
	var claimed []*service.Notice
	for i := range rows {
		res := s.conn(ctx).Model(&noticeRow{}).
			Where("id = ? AND status = ?", rows[i].ID, string(service.NoticePending)).
			Where(leaseFree, now).
			Updates(map[string]any{"lease_owner": owner, "lease_until": leaseUntil})
		if res.Error != nil {
			return claimed, translate(res.Error, ab)
		}
		if res.RowsAffected != 1 {
			continue // another dispatcher took it since we looked
		}
		rows[i].LeaseOwner, rows[i].LeaseUntil = owner, &leaseUntil
		n, err := rows[i].toService()
		if err != nil {
			return claimed, translate(err, ab)
		}
		claimed = append(claimed, n)
	}
	return claimed, nil
}

// FinishAttempt records attempt a of notice n and writes n's new Status,
// Attempts, NextAttemptAt, LastError and DeliveredAt, releasing the lease,
// in one transaction, if owner still holds n's lease. ECONFLICT when it does
// not (its lease ran out and another dispatcher took the notice, or an
// officer resent it): nothing is written then. Sets a.ID and a.NoticeID.
func (s *Store) FinishAttempt(ctx context.Context, owner string, n *service.Notice, a *service.NoticeAttempt) error {
	if owner == "" {
		return errors.New("store: finish attempt: empty lease owner")
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		ab := about{op: fmt.Sprintf("finish attempt of notice %d", n.ID)}
		res := s.conn(ctx).Model(&noticeRow{}).
			Where("id = ? AND lease_owner = ?", n.ID, owner).
			Updates(map[string]any{
				"status":          string(n.Status),
				"attempts":        n.Attempts,
				"next_attempt_at": nullTime(n.NextAttemptAt),
				"last_error":      n.LastError,
				"delivered_at":    nullTime(n.DeliveredAt),
				"lease_owner":     "",
				"lease_until":     nil,
			})
		if res.Error != nil {
			return translate(res.Error, ab)
		}
		if res.RowsAffected == 0 {
			return service.Errorf(service.ECONFLICT, "通知 %d 已不由本发送进程持有（租约已过期或已被重新发送），本次发送结果未记录", n.ID)
		}
		row := attemptToRow(a)
		row.NoticeID = n.ID
		if err := s.create(ctx, s.insertRow, &row, stamps{id: &a.ID, createdAt: &a.StartedAt}, ab); err != nil {
			return err
		}
		a.NoticeID = row.NoticeID
		n.LeaseOwner, n.LeaseUntil = "", time.Time{}
		return nil
	})
}

// RenewNoticeLease extends owner's lease on notice id to until, so that a
// claim does not run out while its holder is still sending or recording an
// attempt. ECONFLICT when owner no longer holds it.
func (s *Store) RenewNoticeLease(ctx context.Context, id int64, owner string, until time.Time) error {
	if owner == "" {
		return errors.New("store: renew notice lease: empty lease owner")
	}
	res := s.conn(ctx).Model(&noticeRow{}).
		Where("id = ? AND lease_owner = ? AND status = ?", id, owner, string(service.NoticePending)).
		Update("lease_until", dbTime(until))
	if res.Error != nil {
		return translate(res.Error, about{op: fmt.Sprintf("renew lease of notice %d", id)})
	}
	if res.RowsAffected == 0 {
		return service.Errorf(service.ECONFLICT, "通知 %d 已不由本发送进程持有", id)
	}
	return nil
}

// ReleaseNotices gives back owner's leases, all of them (graceful
// shutdown) or those of the notices ids, so that another dispatcher need
// not wait for them to run out. Only the lease changes, and only where
// owner still holds it: a notice another dispatcher took over meanwhile
// (owner's lease ran out), or already delivered, stays as it is.
func (s *Store) ReleaseNotices(ctx context.Context, owner string, ids ...int64) error {
	if owner == "" {
		return nil
	}
	q := s.conn(ctx).Model(&noticeRow{}).Where("lease_owner = ?", owner)
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	err := q.Updates(map[string]any{"lease_owner": "", "lease_until": nil}).Error
	return translate(err, about{op: "release notices of " + owner})
}

// UpdateNotice writes an officer's change (a resend) to n: its Status,
// NextAttemptAt, Attempts and LastError, and clears its lease (a dispatcher
// still sending it then gets ECONFLICT from FinishAttempt). ENOTFOUND if
// there is no such notice.
func (s *Store) UpdateNotice(ctx context.Context, n *service.Notice) error {
	ab := about{op: fmt.Sprintf("update notice %d", n.ID), what: fmt.Sprintf("编号为 %d 的通知", n.ID)}
	res := s.conn(ctx).Model(&noticeRow{}).Where("id = ?", n.ID).
		Updates(map[string]any{
			"status":          string(n.Status),
			"next_attempt_at": nullTime(n.NextAttemptAt),
			"attempts":        n.Attempts,
			"last_error":      n.LastError,
			"lease_owner":     "",
			"lease_until":     nil,
		})
	if res.Error != nil {
		return translate(res.Error, ab)
	}
	if res.RowsAffected == 0 {
		return translate(gorm.ErrRecordNotFound, ab)
	}
	n.LeaseOwner, n.LeaseUntil = "", time.Time{}
	return nil
}

// ListAttempts returns a notice's attempts, oldest first.
func (s *Store) ListAttempts(ctx context.Context, noticeID int64) ([]*service.NoticeAttempt, error) {
	return findAll(s.reader(ctx).Where("notice_id = ?", noticeID).Order("id"),
		about{op: fmt.Sprintf("list attempts of notice %d", noticeID)}, infallible((*attemptRow).toService))
}

// NoticeStats counts the notices per status (statuses without notices are
// absent) and gives the creation time of the oldest undelivered (pending or
// failed) one, the zero time if there is none.
func (s *Store) NoticeStats(ctx context.Context) (map[service.NoticeStatus]int, time.Time, error) {
	ab := about{op: "notice stats"}
	var counts []struct {
		Status string
		N      int
	}
	err := s.reader(ctx).Model(&noticeRow{}).Select("status, COUNT(*) AS n").Group("status").Scan(&counts).Error
	if err != nil {
		return nil, time.Time{}, translate(err, ab)
	}
	out := make(map[service.NoticeStatus]int, len(counts))
	for _, c := range counts {
		out[service.NoticeStatus(c.Status)] = c.N
	}
	var oldest []noticeRow
	err = s.reader(ctx).Select("id", "created_at").
		Where("status IN ?", []string{string(service.NoticePending), string(service.NoticeFailed)}).
		Order("created_at, id").Limit(1).Find(&oldest).Error
	if err != nil {
		return nil, time.Time{}, translate(err, ab)
	}
	if len(oldest) == 0 {
		return out, time.Time{}, nil
	}
	return out, oldest[0].CreatedAt.UTC(), nil
}
