package store

import (
	"context"
	"fmt"

	"github.com/baohangateway/baohan/service"
)

// CreateInvoice stores an invoice request and sets its ID and CreatedAt
// (now, unless set). ECONFLICT if the application already has one.
func (s *Store) CreateInvoice(ctx context.Context, inv *service.Invoice) error {
	row := invoiceToRow(inv)
	return s.create(ctx, s.insertRow, &row, stamps{id: &inv.ID, createdAt: &inv.CreatedAt}, about{
		op:       fmt.Sprintf("create invoice of application %d", inv.ApplicationID),
		conflict: fmt.Sprintf("业务流水号 %s 已有发票申请", inv.Request.ApplyNo),
	})
}

// UpdateInvoice writes every field of inv but its ID and CreatedAt.
// ENOTFOUND if there is no such invoice.
func (s *Store) UpdateInvoice(ctx context.Context, inv *service.Invoice) error {
	ab := about{op: fmt.Sprintf("update invoice %d", inv.ID), what: fmt.Sprintf("编号为 %d 的发票申请", inv.ID)}
	row := invoiceToRow(inv)
	return s.updateRow(ctx, &invoiceRow{}, inv.ID, &row, ab)
}

// GetInvoiceByApplication returns the application's invoice request;
// ENOTFOUND if it has none.
func (s *Store) GetInvoiceByApplication(ctx context.Context, applicationID int64) (*service.Invoice, error) {
	return take(ctx, s, about{
		op:   fmt.Sprintf("get invoice of application %d", applicationID),
		what: fmt.Sprintf("编号为 %d 的申请的发票申请", applicationID),
	}, (*invoiceRow).toService, "application_id = ?", applicationID)
}
