package store

import (
	"fmt"
	"time"

	"github.com/baohangateway/baohan/service"
)

// The rows of the outbox: notices and their attempts, with the conventions
// of rows.go.

// noticeRow is a row of notices.
type noticeRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	Platform      string
	InterfaceName string
	Fields        string
	DocumentID    int64
	Status        string
	Attempts      int
	NextAttemptAt *time.Time
	LeaseOwner    string
	LeaseUntil    *time.Time
	LastError     string
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	DeliveredAt   *time.Time
}

func (noticeRow) TableName() string { return "notices" }

func (r *noticeRow) stamps() stamps { return stamps{id: &r.ID, createdAt: &r.CreatedAt} }

func noticeToRow(n *service.Notice) noticeRow {
	return noticeRow{
		ID:            n.ID,
		ApplicationID: n.ApplicationID,
		Platform:      n.Platform,
		InterfaceName: n.Interface,
		Fields:        mapText(n.Fields),
		DocumentID:    n.DocumentID,
		Status:        string(n.Status),
		Attempts:      n.Attempts,
		NextAttemptAt: nullTime(n.NextAttemptAt),
		LeaseOwner:    n.LeaseOwner,
		LeaseUntil:    nullTime(n.LeaseUntil),
		LastError:     n.LastError,
		CreatedAt:     dbTime(n.CreatedAt),
		DeliveredAt:   nullTime(n.DeliveredAt),
	}
}

func (r *noticeRow) toService() (*service.Notice, error) {
	fields, err := textMap("fields", r.Fields)
	if err != nil {
		return nil, fmt.Errorf("notice %d: %w", r.ID, err)
	}
	return &service.Notice{
		ID:            r.ID,
		ApplicationID: r.ApplicationID,
		Platform:      r.Platform,
		Interface:     r.InterfaceName,
		Fields:        fields,
		DocumentID:    r.DocumentID,
		Status:        service.NoticeStatus(r.Status),
		Attempts:      r.Attempts,
		NextAttemptAt: fromNullTime(r.NextAttemptAt),
		LeaseOwner:    r.LeaseOwner,
		LeaseUntil:    fromNullTime(r.LeaseUntil),
		LastError:     r.LastError,
		CreatedAt:     r.CreatedAt.UTC(),
		DeliveredAt:   fromNullTime(r.DeliveredAt),
	}, nil
}

// attemptRow is a row of notice_attempts.
type attemptRow struct {
	ID         int64 `gorm:"primaryKey"`
	NoticeID   int64
	StartedAt  time.Time
	DurationNS int64 `gorm:"column:duration_ns"`
	HTTPStatus int   `gorm:"column:http_status"`
	Code       string
	Message    string
	ErrorText  string
}

func (attemptRow) TableName() string { return "notice_attempts" }

func (r *attemptRow) stamps() stamps { return stamps{id: &r.ID, createdAt: &r.StartedAt} }

func attemptToRow(a *service.NoticeAttempt) attemptRow {
	return attemptRow{
		ID:         a.ID,
		NoticeID:   a.NoticeID,
		StartedAt:  dbTime(a.StartedAt),
		DurationNS: int64(a.Duration),
		HTTPStatus: a.HTTPStatus,
		Code:       a.Code,
		Message:    a.Message,
		ErrorText:  a.Error,
	}
}

func (r *attemptRow) toService() *service.NoticeAttempt {
	return &service.NoticeAttempt{
		ID:         r.ID,
		NoticeID:   r.NoticeID,
		StartedAt:  r.StartedAt.UTC(),
		Duration:   time.Duration(r.DurationNS),
		HTTPStatus: r.HTTPStatus,
		Code:       r.Code,
		Message:    r.Message,
		Error:      r.ErrorText,
	}
}
