package service

import (
	"fmt"
	"slices"
	"time"

	"github.com/baohangateway/baohan/wire"
)

// State is where an application stands; see the package documentation for
// the diagram.
type State string

// The states of an application.
const (
	StateReceived    State = "received"
	StateRejected    State = "rejected"
	StateIssued      State = "issued"
	StateQuitPending State = "quit_pending"
	StateWithdrawn   State = "withdrawn"
	StateRestored    State = "restored"
	StateCancelled   State = "cancelled"
	StateClaimed     State = "claimed"
	StatePaid        State = "paid"
	StateAbandoned   State = "abandoned"
)

// States lists every state in the order of the lifecycle.
var States = []State{StateReceived, StateIssued, StateQuitPending, StateRestored, StateClaimed,
	StatePaid, StateCancelled, StateWithdrawn, StateRejected, StateAbandoned}

// Label is the state's name in Chinese, as officers and bidders read it.
func (s State) Label() string {
	return label(s, map[State]string{
		StateReceived:    "待审核",
		StateRejected:    "已拒绝",
		StateIssued:      "已出函（密文）",
		StateQuitPending: "退保待处理",
		StateWithdrawn:   "已退保",
		StateRestored:    "已开标（明文）",
		StateCancelled:   "已注销",
		StateClaimed:     "理赔中",
		StatePaid:        "已赔付",
		StateAbandoned:   "已放弃",
	})
}

// Live reports whether a guarantee in this state still binds us: it counts
// against the exposure limit and may be claimed.
func (s State) Live() bool {
	switch s {
	case StateIssued, StateQuitPending, StateRestored, StateClaimed:
		return true
	}
	return false
}

// known reports whether s is one of States.
func (s State) known() bool { return slices.Contains(States, s) }

// Sealed holds the four fields of baohanapply that the platform encrypts
// until bid opening (标段编号, 标段名称, 招标人, 招标人统一社会信用代码).
type Sealed struct {
	BiaoduanNo   string
	BiaoduanName string
	Zbr          string
	ZbrOrgNum    string
}

// Flag is an underwriting rule an application breaks, for an officer to see.
// A blocking flag must be overridden by a checker before approval.
type Flag struct {
	Code     string `json:"code"` // amount_limit, exposure, blocked, credit_code
	Message  string `json:"message"`
	Blocking bool   `json:"blocking"`
}

// Application is one bid-bond application (one per platform and applyno) and
// the guarantee issued on it.
type Application struct {
	ID           int64
	Platform     string // the platform's appkey
	PlatformCode string
	ApplyNo      string
	BidderName   string
	BidderCode   string
	JbrName      string
	JbrPhone     string
	Cipher       Sealed // as received
	Plain        Sealed // after restore
	Amount       Money  // bzjamount: the bid deposit guaranteed
	State        State
	Version      int64

	Flags          []Flag
	OverrideReason string // a checker's reason to approve despite blocking flags
	OverrideBy     string

	PortalToken     string
	PortalExpiresAt time.Time
	PayerName       string // the bidder's basic account that pays the premium
	PayerAccount    string
	InvoiceEmail    string
	TermsAcceptedAt time.Time

	Rate      string // the fee rate as a decimal fraction, "0.005"
	Premium   Money
	BaohanNo  string
	CheckCode string // printed on the letter, asked by the verification page
	IssuedAt  time.Time
	ValidTo   time.Time

	KaibiaoTime  time.Time
	RestoredAt   time.Time
	PlainPending bool // the plaintext letter is still to be produced

	// The letter workers' record of a pending plaintext letter that failed
	// (letters.go). The store writes these only through its letter-queue
	// methods, never in UpdateApplication.
	PlainAttempts int       // failed attempts since restore or an officer's retry
	PlainNextAt   time.Time // when the workers try again; zero: at once
	PlainError    string    // why the last attempt failed; "" when none did

	RejectReason    string
	QuitReason      string
	QuitRequestedAt time.Time
	QuitDecidedAt   time.Time
	WithdrawnAt     time.Time
	CancelledAt     time.Time
	AbandonedAt     time.Time
	AbandonReason   string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// BlockingFlags returns the flags that need a checker's override.
func (a *Application) BlockingFlags() []Flag {
	var out []Flag
	for _, f := range a.Flags {
		if f.Blocking {
			out = append(out, f)
		}
	}
	return out
}

// Expired reports whether the guarantee's validity has ended at now.
func (a *Application) Expired(now time.Time) bool {
	return !a.ValidTo.IsZero() && now.After(a.ValidTo)
}

// Restored reports whether the platform has sent the key (baohanrestore) and
// the sealed fields have been decrypted. A guarantee claimed before bid
// opening never is.
func (a *Application) Restored() bool { return !a.RestoredAt.IsZero() }

// LetterFailed reports whether the plaintext letter is pending and its last
// attempt failed: the console lists it under 出函失败 with PlainError.
func (a *Application) LetterFailed() bool { return a.PlainPending && a.PlainError != "" }

// Project returns the sealed fields as they may be shown: the plaintext after
// restore, the ciphertext before.
func (a *Application) Project() Sealed {
	if a.Restored() {
		return a.Plain
	}
	return a.Cipher
}

// errState is the refusal of a transition the table (fsm.go) does not have.
func errState(a *Application, action, why string) *Error {
	return Errorf(ESTATE, "业务流水号 %s 当前状态为「%s」，不能%s：%s", a.ApplyNo, a.State.Label(), action, why)
}

// Validate checks an application before it is stored.
func (a *Application) Validate() error {
	switch {
	case a.Platform == "":
		return Errorf(EINVALID, "缺少平台 appkey")
	case a.ApplyNo == "":
		return Errorf(EINVALID, "缺少业务流水号 applyno")
	case a.Amount <= 0:
		return Errorf(EINVALID, "%s错误：应大于 0，实际为 %s", fieldRef(wire.BaohanApply, wire.FieldBzjAmount), a.Amount)
	}
	if !a.State.known() {
		return Errorf(EINVALID, "未知状态 %q", a.State)
	}
	return nil
}

// String is for logs.
func (a *Application) String() string {
	return fmt.Sprintf("application %d (%s/%s, %s)", a.ID, a.Platform, a.ApplyNo, a.State)
}
