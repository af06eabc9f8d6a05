package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// CreateInbound records an accepted platform request and sets its ID and
// CreatedAt (now, unless set). ECONFLICT when the platform, interface and
// applyno already have a current record.
func (s *Store) CreateInbound(ctx context.Context, r *service.InboundRecord) error {
	row := inboundToRow(r)
	return s.create(ctx, s.insertRow, &row, stamps{id: &r.ID, createdAt: &r.CreatedAt}, about{
		op:       fmt.Sprintf("create inbound record %s/%s/%s", r.Platform, r.Interface, r.ApplyNo),
		conflict: fmt.Sprintf("业务流水号 %s 的 %s 请求已受理过", r.ApplyNo, r.Interface),
	})
}

// GetInbound returns the current record of the platform, interface and
// applyno (not the retired ones); ENOTFOUND if none.
func (s *Store) GetInbound(ctx context.Context, platform, iface, applyNo string) (*service.InboundRecord, error) {
	return take(ctx, s, inboundAbout("get", platform, iface, applyNo), (*inboundRow).toService,
		"platform = ? AND interface_name = ? AND apply_no = ? AND retired_id = 0", platform, iface, applyNo)
}

// RetireInbound keeps the current record of the platform, interface and
// applyno but lets a new one in: a withdrawal refused, then asked again.
// ENOTFOUND if there is no current record.
func (s *Store) RetireInbound(ctx context.Context, platform, iface, applyNo string) error {
	ab := inboundAbout("retire", platform, iface, applyNo)
	res := s.conn(ctx).Model(&inboundRow{}).
		Where("platform = ? AND interface_name = ? AND apply_no = ? AND retired_id = 0", platform, iface, applyNo).
		Updates(map[string]any{"retired_id": gorm.Expr("id"), "retired_at": s.timestamp()})
	if res.Error != nil {
		return translate(res.Error, ab)
	}
	if res.RowsAffected == 0 {
		return translate(gorm.ErrRecordNotFound, ab)
	}
	return nil
}

func inboundAbout(verb, platform, iface, applyNo string) about {
	return about{
		op:   fmt.Sprintf("%s inbound record %s/%s/%s", verb, platform, iface, applyNo),
		what: fmt.Sprintf("业务流水号 %s 的 %s 请求记录", applyNo, iface),
	}
}
