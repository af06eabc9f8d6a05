package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/baohangateway/baohan/service"
)

// The rows of applications and documents, with the conventions of rows.go.

// applicationRow is a row of applications.
type applicationRow struct {
	ID                 int64 `gorm:"primaryKey"`
	Platform           string
	PlatformCode       string
	ApplyNo            string
	BidderName         string
	BidderCode         string
	JbrName            string
	JbrPhone           string
	CipherBiaoduanNo   string
	CipherBiaoduanName string
	CipherZbr          string
	CipherZbrOrgNum    string
	PlainBiaoduanNo    string
	PlainBiaoduanName  string
	PlainZbr           string
	PlainZbrOrgNum     string
	Amount             int64
	State              string
	Version            int64
	Flags              string
	OverrideReason     string
	OverrideBy         string
	PortalToken        *string
	PortalExpiresAt    *time.Time
	PayerName          string
	PayerAccount       string
	InvoiceEmail       string
	TermsAcceptedAt    *time.Time
	Rate               string
	Premium            int64
	BaohanNo           *string
	CheckCode          string
	IssuedAt           *time.Time
	ValidTo            *time.Time
	KaibiaoTime        *time.Time
	RestoredAt         *time.Time
	PlainPending       bool
	PlainAttempts      int
	PlainNextAt        *time.Time
	PlainError         string
	RejectReason       string
	QuitReason         string
	QuitRequestedAt    *time.Time
	QuitDecidedAt      *time.Time
	WithdrawnAt        *time.Time
	CancelledAt        *time.Time
	AbandonedAt        *time.Time
	AbandonReason      string
	CreatedAt          time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt          time.Time `gorm:"autoUpdateTime:false"`
}

func (applicationRow) TableName() string { return "applications" }

func (r *applicationRow) stamps() stamps {
	return stamps{id: &r.ID, createdAt: &r.CreatedAt, updatedAt: &r.UpdatedAt}
}

func applicationToRow(a *service.Application) applicationRow {
	flags := ""
	if len(a.Flags) > 0 { // empty when none: FindApplications' Flagged tests it
		flags = jsonText(a.Flags)
	}
	return applicationRow{
		ID:                 a.ID,
		Platform:           a.Platform,
		PlatformCode:       a.PlatformCode,
		ApplyNo:            a.ApplyNo,
		BidderName:         a.BidderName,
		BidderCode:         a.BidderCode,
		JbrName:            a.JbrName,
		JbrPhone:           a.JbrPhone,
		CipherBiaoduanNo:   a.Cipher.BiaoduanNo,
		CipherBiaoduanName: a.Cipher.BiaoduanName,
		CipherZbr:          a.Cipher.Zbr,
		CipherZbrOrgNum:    a.Cipher.ZbrOrgNum,
		PlainBiaoduanNo:    a.Plain.BiaoduanNo,
		PlainBiaoduanName:  a.Plain.BiaoduanName,
		PlainZbr:           a.Plain.Zbr,
		PlainZbrOrgNum:     a.Plain.ZbrOrgNum,
		Amount:             int64(a.Amount),
		State:              string(a.State),
		Version:            a.Version,
		Flags:              flags,
		OverrideReason:     a.OverrideReason,
		OverrideBy:         a.OverrideBy,
		PortalToken:        nullString(a.PortalToken),
		PortalExpiresAt:    nullTime(a.PortalExpiresAt),
		PayerName:          a.PayerName,
		PayerAccount:       a.PayerAccount,
		InvoiceEmail:       a.InvoiceEmail,
		TermsAcceptedAt:    nullTime(a.TermsAcceptedAt),
		Rate:               a.Rate,
		Premium:            int64(a.Premium),
		BaohanNo:           nullString(a.BaohanNo),
		CheckCode:          a.CheckCode,
		IssuedAt:           nullTime(a.IssuedAt),
		ValidTo:            nullTime(a.ValidTo),
		KaibiaoTime:        nullTime(a.KaibiaoTime),
		RestoredAt:         nullTime(a.RestoredAt),
		PlainPending:       a.PlainPending,
		PlainAttempts:      a.PlainAttempts,
		PlainNextAt:        nullTime(a.PlainNextAt),
		PlainError:         a.PlainError,
		RejectReason:       a.RejectReason,
		QuitReason:         a.QuitReason,
		QuitRequestedAt:    nullTime(a.QuitRequestedAt),
		QuitDecidedAt:      nullTime(a.QuitDecidedAt),
		WithdrawnAt:        nullTime(a.WithdrawnAt),
		CancelledAt:        nullTime(a.CancelledAt),
		AbandonedAt:        nullTime(a.AbandonedAt),
		AbandonReason:      a.AbandonReason,
		CreatedAt:          dbTime(a.CreatedAt),
		UpdatedAt:          dbTime(a.UpdatedAt),
	}
}

func (r *applicationRow) toService() (*service.Application, error) {
	var flags []service.Flag
	if r.Flags != "" {
		if err := json.Unmarshal([]byte(r.Flags), &flags); err != nil {
			return nil, fmt.Errorf("application %d: column flags: %w", r.ID, err)
		}
	}
	return &service.Application{
		ID:              r.ID,
		Platform:        r.Platform,
		PlatformCode:    r.PlatformCode,
		ApplyNo:         r.ApplyNo,
		BidderName:      r.BidderName,
		BidderCode:      r.BidderCode,
		JbrName:         r.JbrName,
		JbrPhone:        r.JbrPhone,
		Cipher:          service.Sealed{BiaoduanNo: r.CipherBiaoduanNo, BiaoduanName: r.CipherBiaoduanName, Zbr: r.CipherZbr, ZbrOrgNum: r.CipherZbrOrgNum},
		Plain:           service.Sealed{BiaoduanNo: r.PlainBiaoduanNo, BiaoduanName: r.PlainBiaoduanName, Zbr: r.PlainZbr, ZbrOrgNum: r.PlainZbrOrgNum},
		Amount:          service.Money(r.Amount),
		State:           service.State(r.State),
		Version:         r.Version,
		Flags:           flags,
		OverrideReason:  r.OverrideReason,
		OverrideBy:      r.OverrideBy,
		PortalToken:     fromNullString(r.PortalToken),
		PortalExpiresAt: fromNullTime(r.PortalExpiresAt),
		PayerName:       r.PayerName,
		PayerAccount:    r.PayerAccount,
		InvoiceEmail:    r.InvoiceEmail,
		TermsAcceptedAt: fromNullTime(r.TermsAcceptedAt),
		Rate:            r.Rate,
		Premium:         service.Money(r.Premium),
		BaohanNo:        fromNullString(r.BaohanNo),
		CheckCode:       r.CheckCode,
		IssuedAt:        fromNullTime(r.IssuedAt),
		ValidTo:         fromNullTime(r.ValidTo),
		KaibiaoTime:     fromNullTime(r.KaibiaoTime),
		RestoredAt:      fromNullTime(r.RestoredAt),
		PlainPending:    r.PlainPending,
		PlainAttempts:   r.PlainAttempts,
		PlainNextAt:     fromNullTime(r.PlainNextAt),
		PlainError:      r.PlainError,
		RejectReason:    r.RejectReason,
		QuitReason:      r.QuitReason,
		QuitRequestedAt: fromNullTime(r.QuitRequestedAt),
		QuitDecidedAt:   fromNullTime(r.QuitDecidedAt),
		WithdrawnAt:     fromNullTime(r.WithdrawnAt),
		CancelledAt:     fromNullTime(r.CancelledAt),
		AbandonedAt:     fromNullTime(r.AbandonedAt),
		AbandonReason:   r.AbandonReason,
		CreatedAt:       r.CreatedAt.UTC(),
		UpdatedAt:       r.UpdatedAt.UTC(),
	}, nil
}

// documentRow is a row of documents: the document, with its creation time
// as stored.
type documentRow struct {
	service.Document
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (documentRow) TableName() string { return "documents" }

func (r *documentRow) stamps() stamps { return stamps{id: &r.ID, createdAt: &r.CreatedAt} }

func documentToRow(d *service.Document) documentRow {
	r := documentRow{Document: *d, CreatedAt: dbTime(d.CreatedAt)}
	if r.Data == nil {
		r.Data = []byte{} // the column is NOT NULL
	}
	return r
}

// toService converts r; Data is nil when the row was read without it.
func (r *documentRow) toService() *service.Document {
	d := r.Document
	d.CreatedAt = r.CreatedAt.UTC()
	return &d
}
