package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// AddAudit appends e to the audit trail and sets its ID, and its At (now)
// when zero.
func (s *Store) AddAudit(ctx context.Context, e *service.AuditEvent) error {
	row := auditToRow(e)
	row.ID = 0
	if e.At.IsZero() {
		row.At = s.timestamp()
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return translate(err, about{op: "add audit event " + e.Action})
	}
	e.ID, e.At = row.ID, row.At
	return nil
}

// FindAudit returns a page of the audit events f selects (by application,
// actor name, action, and time in [From, To)), newest first, and how many f
// selects in all.
func (s *Store) FindAudit(ctx context.Context, f service.AuditFilter) ([]*service.AuditEvent, int, error) {
	ab := about{op: "find audit events"}
	scope := func(db *gorm.DB) *gorm.DB {
		if f.ApplicationID != 0 {
			db = db.Where("application_id = ?", f.ApplicationID)
		}
		if f.Actor != "" {
			db = db.Where("actor_name = ?", f.Actor)
		}
		if f.Action != "" {
			db = db.Where("action = ?", f.Action)
		}
		if !f.From.IsZero() {
			db = db.Where("at >= ?", dbTime(f.From))
		}
		if !f.To.IsZero() {
			db = db.Where("at < ?", dbTime(f.To))
		}
		return db
	}
	var total int64
	if err := s.reader(ctx).Model(&auditRow{}).Scopes(scope).Count(&total).Error; err != nil {
		return nil, 0, translate(err, ab)
	}
	offset, limit := page(f.Offset, f.Limit)
	var rows []auditRow
	if err := s.reader(ctx).Scopes(scope).Order("at DESC, id DESC").Offset(offset).Limit(limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, ab)
	}
	out := make([]*service.AuditEvent, len(rows))
	for i := range rows {
		out[i] = rows[i].toService()
	}
	return out, int(total), nil
}
