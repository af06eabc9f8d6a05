package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/baohangateway/baohan/service"
)

// The rows of invoices and claims, with the conventions of rows.go.

// invoiceRow is a row of invoices.
type invoiceRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	Request       string
	Amount        int64
	Status        string
	InvoiceCode   string
	InvoiceNo     string
	DocumentID    int64
	IssuedAt      *time.Time
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
}

func (invoiceRow) TableName() string { return "invoices" }

func (r *invoiceRow) stamps() stamps { return stamps{id: &r.ID, createdAt: &r.CreatedAt} }

// invoiceRequestJSON is service.InvoiceRequest as stored: its JSON with the
// appkey too (the service type keeps it out of JSON). A field the service
// type gains is stored with it.
type invoiceRequestJSON struct {
	Appkey string `json:"appkey"`
	service.InvoiceRequest
}

func invoiceToRow(inv *service.Invoice) invoiceRow {
	return invoiceRow{
		ID:            inv.ID,
		ApplicationID: inv.ApplicationID,
		Request:       jsonText(invoiceRequestJSON{Appkey: inv.Request.Platform, InvoiceRequest: inv.Request}),
		Amount:        int64(inv.Amount),
		Status:        string(inv.Status),
		InvoiceCode:   inv.InvoiceCode,
		InvoiceNo:     inv.InvoiceNo,
		DocumentID:    inv.DocumentID,
		IssuedAt:      nullTime(inv.IssuedAt),
		CreatedAt:     dbTime(inv.CreatedAt),
	}
}

// request is the stored request with its appkey.
func (j invoiceRequestJSON) request() service.InvoiceRequest {
	req := j.InvoiceRequest
	req.Platform = j.Appkey
	return req
}

func (r *invoiceRow) toService() (*service.Invoice, error) {
	var req invoiceRequestJSON
	if err := json.Unmarshal([]byte(r.Request), &req); err != nil {
		return nil, fmt.Errorf("invoice %d: column request: %w", r.ID, err)
	}
	return &service.Invoice{
		ID:            r.ID,
		ApplicationID: r.ApplicationID,
		Request:       req.request(),
		Amount:        service.Money(r.Amount),
		Status:        service.InvoiceStatus(r.Status),
		InvoiceCode:   r.InvoiceCode,
		InvoiceNo:     r.InvoiceNo,
		DocumentID:    r.DocumentID,
		IssuedAt:      fromNullTime(r.IssuedAt),
		CreatedAt:     r.CreatedAt.UTC(),
	}, nil
}

// claimRow is a row of claims: the claim, with its times as stored.
type claimRow struct {
	service.Claim
	PaidAt    *time.Time
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (claimRow) TableName() string { return "claims" }

func (r *claimRow) stamps() stamps { return stamps{id: &r.ID, createdAt: &r.CreatedAt} }

func claimToRow(c *service.Claim) claimRow {
	return claimRow{Claim: *c, PaidAt: nullTime(c.PaidAt), CreatedAt: dbTime(c.CreatedAt)}
}

func (r *claimRow) toService() *service.Claim {
	c := r.Claim
	c.PaidAt = fromNullTime(r.PaidAt)
	c.CreatedAt = r.CreatedAt.UTC()
	return &c
}
