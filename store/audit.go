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
	return s.create(ctx, s.insertRow, &row, stamps{id: &e.ID, createdAt: &e.At}, about{op: "add audit event " + e.Action})
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
	return findPage(ctx, s, scope, "at DESC, id DESC", f.Offset, f.Limit, ab, infallible((*auditRow).toService))
}
