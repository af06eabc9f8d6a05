package service

import "time"

// DocKind says what a stored document is.
type DocKind string

// Document kinds.
const (
	DocCipherLetter DocKind = "cipher_letter" // the letter issued before bid opening
	DocPlainLetter  DocKind = "plain_letter"  // the letter after restore
	DocInvoice      DocKind = "invoice"       // the tax invoice an officer uploaded
)

// Label is the document kind in Chinese.
func (k DocKind) Label() string {
	return label(k, map[DocKind]string{
		DocCipherLetter: "密文保函",
		DocPlainLetter:  "明文保函",
		DocInvoice:      "发票",
	})
}

// Document is a file we issued or keep: served at its capability URL
// (/files/<token>) and verified by its SM3 digest.
type Document struct {
	ID            int64
	ApplicationID int64
	Kind          DocKind
	Token         string // long random; the only key to the download URL
	FileName      string
	ContentType   string
	SM3           string // hex digest of Data
	Size          int64
	Data          []byte // nil when listed without content
	CreatedAt     time.Time
}

// NoticeStatus is where a queued notice stands.
type NoticeStatus string

// Notice statuses.
const (
	NoticePending   NoticeStatus = "pending"   // to be sent (or retried)
	NoticeDelivered NoticeStatus = "delivered" // the platform answered code 1
	NoticeFailed    NoticeStatus = "failed"    // retries exhausted; an officer may resend
)

// Notice is a message we owe the platform (the outbox): written in the same
// transaction as the change that causes it, sent by the dispatcher.
type Notice struct {
	ID            int64
	ApplicationID int64
	Platform      string            // appkey
	Interface     string            // baohannotice, restorenotice, invoicenotice, quitnotice
	Fields        map[string]string // the message's fields but appkey, timestamp, sign and baohanfile
	DocumentID    int64             // when set, sent as baohanfile (base64)
	Status        NoticeStatus
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   time.Time
}

// NoticeAttempt records one delivery attempt of a notice.
type NoticeAttempt struct {
	ID         int64
	NoticeID   int64
	StartedAt  time.Time
	Duration   time.Duration
	HTTPStatus int
	Code       string // the platform's code, "" when there was no readable answer
	Message    string // the platform's message
	Error      string // transport or reading error
}

// InvoiceStatus is where an invoice request stands.
type InvoiceStatus string

// Invoice statuses.
const (
	InvoiceRequested InvoiceStatus = "requested"
	InvoiceIssued    InvoiceStatus = "issued"
	InvoiceRefused   InvoiceStatus = "refused"
)

// Invoice is the bidder's request for the premium's invoice (§4.5) and what
// we issued (§4.6).
type Invoice struct {
	ID            int64
	ApplicationID int64
	Request       InvoiceRequest
	Amount        Money
	Status        InvoiceStatus
	InvoiceCode   string
	InvoiceNo     string
	DocumentID    int64
	IssuedAt      time.Time
	CreatedAt     time.Time
}

// ClaimStatus is where a claim stands.
type ClaimStatus string

// Claim statuses.
const (
	ClaimPending ClaimStatus = "pending"
	ClaimPaid    ClaimStatus = "paid"
)

// Claim is a demand for payment under a guarantee (§4.10), paid on first
// demand (见索即付).
type Claim struct {
	ID            int64
	ApplicationID int64
	PayeeAccount  string
	Amount        Money // demanded; the guaranteed amount when the platform gave none
	FileList      string
	ContactName   string
	ContactPhone  string
	Reason        string
	Status        ClaimStatus
	PaidAmount    Money
	PaidAt        time.Time
	PaidBy        string
	PaymentRef    string
	CreatedAt     time.Time
}

// ActorKind says who made a change.
type ActorKind string

// Actor kinds.
const (
	ActorPlatform ActorKind = "platform"
	ActorOfficer  ActorKind = "officer"
	ActorAPI      ActorKind = "api"
	ActorSystem   ActorKind = "system"
)

// Actor is who made a change: the platform (by appkey), an officer (by user
// name), an admin API token (by its name), or the system.
type Actor struct {
	Kind ActorKind
	Name string
	Role string // an officer's role; the admin API acts as a checker
}

// SystemActor is the actor of changes the gateway makes by itself.
func SystemActor() Actor { return Actor{Kind: ActorSystem, Name: "system"} }

// AuditEvent records one change: who, what, when.
type AuditEvent struct {
	ID            int64
	ApplicationID int64 // 0 for changes outside an application
	ApplyNo       string
	Actor         Actor
	Action        string // e.g. apply, approve, reject, restore
	Detail        string
	At            time.Time
}

// InboundRecord remembers an accepted platform request so that a retry with
// the same business fields gets the same answer and one with different fields
// is refused.
type InboundRecord struct {
	ID        int64
	Platform  string
	Interface string
	ApplyNo   string
	Fields    map[string]string // business fields; secrets replaced by their SM3
	Answer    map[string]string // the data we answered
	CreatedAt time.Time
}
