package store

import (
	"fmt"
	"time"

	"github.com/baohangateway/baohan/service"
)

// The rows of the audit trail and of the inbound records, with the
// conventions of rows.go.

// auditRow is a row of audit_events.
type auditRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	ApplyNo       string
	ActorKind     string
	ActorName     string
	ActorRole     string
	Action        string
	Detail        string
	At            time.Time
}

func (auditRow) TableName() string { return "audit_events" }

func (r *auditRow) stamps() stamps { return stamps{id: &r.ID, createdAt: &r.At} }

func auditToRow(e *service.AuditEvent) auditRow {
	return auditRow{
		ID:            e.ID,
		ApplicationID: e.ApplicationID,
		ApplyNo:       e.ApplyNo,
		ActorKind:     string(e.Actor.Kind),
		ActorName:     e.Actor.Name,
		ActorRole:     e.Actor.Role,
		Action:        e.Action,
		Detail:        e.Detail,
		At:            dbTime(e.At),
	}
}

func (r *auditRow) toService() *service.AuditEvent {
	return &service.AuditEvent{
		ID:            r.ID,
		ApplicationID: r.ApplicationID,
		ApplyNo:       r.ApplyNo,
		Actor:         service.Actor{Kind: service.ActorKind(r.ActorKind), Name: r.ActorName, Role: r.ActorRole},
		Action:        r.Action,
		Detail:        r.Detail,
		At:            r.At.UTC(),
	}
}

// inboundRow is a row of inbound_records. RetiredID is 0 for the current
// record of its platform, interface and applyno, its own ID once retired.
type inboundRow struct {
	ID            int64 `gorm:"primaryKey"`
	Platform      string
	InterfaceName string
	ApplyNo       string
	RetiredID     int64
	Fields        string
	Answer        string
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	RetiredAt     *time.Time
}

func (inboundRow) TableName() string { return "inbound_records" }

func (r *inboundRow) stamps() stamps { return stamps{id: &r.ID, createdAt: &r.CreatedAt} }

func inboundToRow(r *service.InboundRecord) inboundRow {
	return inboundRow{
		ID:            r.ID,
		Platform:      r.Platform,
		InterfaceName: r.Interface,
		ApplyNo:       r.ApplyNo,
		Fields:        mapText(r.Fields),
		Answer:        mapText(r.Answer),
		CreatedAt:     dbTime(r.CreatedAt),
	}
}

func (r *inboundRow) toService() (*service.InboundRecord, error) {
	fields, err := textMap("fields", r.Fields)
	if err != nil {
		return nil, fmt.Errorf("inbound record %d: %w", r.ID, err)
	}
	answer, err := textMap("answer", r.Answer)
	if err != nil {
		return nil, fmt.Errorf("inbound record %d: %w", r.ID, err)
	}
	return &service.InboundRecord{
		ID:        r.ID,
		Platform:  r.Platform,
		Interface: r.InterfaceName,
		ApplyNo:   r.ApplyNo,
		Fields:    fields,
		Answer:    answer,
		CreatedAt: r.CreatedAt.UTC(),
	}, nil
}
