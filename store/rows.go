package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/baohangateway/baohan/service"
)

// The rows' conventions, shared by every table: times in UTC at microsecond
// precision (what DATETIME(6) keeps), the zero time as NULL; optional unique
// strings as NULL when empty; maps and slices as JSON text, empty when absent.

// dbTime is t as stored: UTC, truncated to the microsecond.
func dbTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// nullTime is t as a nullable column: nil for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := dbTime(t)
	return &u
}

// fromNullTime is a nullable column as a time: the zero time for NULL.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullString is s as a nullable column: nil for "" (a unique key that is
// not set yet must not collide with another one that is not set either).
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func fromNullString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonText is v as JSON. The values the store marshals are strings, bools,
// string maps and structs of those, which json.Marshal cannot fail on.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return string(b)
}

// mapText is a map as JSON text: empty for nil, so that nil and an empty map
// both come back as they went in.
func mapText(m map[string]string) string {
	if m == nil {
		return ""
	}
	return jsonText(m)
}

// textMap reads what mapText wrote.
func textMap(column, s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("column %s: %w", column, err)
	}
	return m, nil
}

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

// documentRow is a row of documents.
type documentRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	Kind          string
	Token         string
	FileName      string
	ContentType   string
	SM3           string `gorm:"column:sm3"`
	Size          int64
	Data          []byte
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
}

func (documentRow) TableName() string { return "documents" }

func documentToRow(d *service.Document) documentRow {
	data := d.Data
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	return documentRow{
		ID:            d.ID,
		ApplicationID: d.ApplicationID,
		Kind:          string(d.Kind),
		Token:         d.Token,
		FileName:      d.FileName,
		ContentType:   d.ContentType,
		SM3:           d.SM3,
		Size:          d.Size,
		Data:          data,
		CreatedAt:     dbTime(d.CreatedAt),
	}
}

// toService converts r; Data is nil when the row was read without it.
func (r *documentRow) toService() *service.Document {
	return &service.Document{
		ID:            r.ID,
		ApplicationID: r.ApplicationID,
		Kind:          service.DocKind(r.Kind),
		Token:         r.Token,
		FileName:      r.FileName,
		ContentType:   r.ContentType,
		SM3:           r.SM3,
		Size:          r.Size,
		Data:          r.Data,
		CreatedAt:     r.CreatedAt.UTC(),
	}
}

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

// invoiceRequestJSON is service.InvoiceRequest with every field in its JSON,
// the appkey included (the service type keeps it out of JSON). Converting
// between the two stops compiling when the service type gains a field.
type invoiceRequestJSON struct {
	Platform       string `json:"appkey"`
	PlatformCode   string `json:"platformcode"`
	ApplyNo        string `json:"applyno"`
	BaohanNo       string `json:"baohanno"`
	BidderName     string `json:"biddername"`
	BidderCode     string `json:"biddercode"`
	Amount         string `json:"amount"`
	Type           string `json:"type"`
	Address        string `json:"address"`
	Phone          string `json:"phone"`
	Bank           string `json:"bank"`
	Account        string `json:"account"`
	Email          string `json:"email"`
	Mobile         string `json:"mobile"`
	ContactName    string `json:"contactname"`
	ContactAddress string `json:"contactaddress"`
}

func invoiceToRow(inv *service.Invoice) invoiceRow {
	return invoiceRow{
		ID:            inv.ID,
		ApplicationID: inv.ApplicationID,
		Request:       jsonText(invoiceRequestJSON(inv.Request)),
		Amount:        int64(inv.Amount),
		Status:        string(inv.Status),
		InvoiceCode:   inv.InvoiceCode,
		InvoiceNo:     inv.InvoiceNo,
		DocumentID:    inv.DocumentID,
		IssuedAt:      nullTime(inv.IssuedAt),
		CreatedAt:     dbTime(inv.CreatedAt),
	}
}

func (r *invoiceRow) toService() (*service.Invoice, error) {
	var req invoiceRequestJSON
	if err := json.Unmarshal([]byte(r.Request), &req); err != nil {
		return nil, fmt.Errorf("invoice %d: column request: %w", r.ID, err)
	}
	return &service.Invoice{
		ID:            r.ID,
		ApplicationID: r.ApplicationID,
		Request:       service.InvoiceRequest(req),
		Amount:        service.Money(r.Amount),
		Status:        service.InvoiceStatus(r.Status),
		InvoiceCode:   r.InvoiceCode,
		InvoiceNo:     r.InvoiceNo,
		DocumentID:    r.DocumentID,
		IssuedAt:      fromNullTime(r.IssuedAt),
		CreatedAt:     r.CreatedAt.UTC(),
	}, nil
}

// claimRow is a row of claims.
type claimRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	PayeeAccount  string
	Amount        int64
	FileList      string
	ContactName   string
	ContactPhone  string
	Reason        string
	Status        string
	PaidAmount    int64
	PaidAt        *time.Time
	PaidBy        string
	PaymentRef    string
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
}

func (claimRow) TableName() string { return "claims" }

func claimToRow(c *service.Claim) claimRow {
	return claimRow{
		ID:            c.ID,
		ApplicationID: c.ApplicationID,
		PayeeAccount:  c.PayeeAccount,
		Amount:        int64(c.Amount),
		FileList:      c.FileList,
		ContactName:   c.ContactName,
		ContactPhone:  c.ContactPhone,
		Reason:        c.Reason,
		Status:        string(c.Status),
		PaidAmount:    int64(c.PaidAmount),
		PaidAt:        nullTime(c.PaidAt),
		PaidBy:        c.PaidBy,
		PaymentRef:    c.PaymentRef,
		CreatedAt:     dbTime(c.CreatedAt),
	}
}

func (r *claimRow) toService() *service.Claim {
	return &service.Claim{
		ID:            r.ID,
		ApplicationID: r.ApplicationID,
		PayeeAccount:  r.PayeeAccount,
		Amount:        service.Money(r.Amount),
		FileList:      r.FileList,
		ContactName:   r.ContactName,
		ContactPhone:  r.ContactPhone,
		Reason:        r.Reason,
		Status:        service.ClaimStatus(r.Status),
		PaidAmount:    service.Money(r.PaidAmount),
		PaidAt:        fromNullTime(r.PaidAt),
		PaidBy:        r.PaidBy,
		PaymentRef:    r.PaymentRef,
		CreatedAt:     r.CreatedAt.UTC(),
	}
}

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
