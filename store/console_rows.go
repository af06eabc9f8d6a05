package store

import (
	"time"

	"github.com/baohangateway/baohan/service"
)

// The rows of the officer console's tables (migration 00002), with the
// conventions of rows.go.

// officerRow is a row of officers: the officer, with its times as stored.
type officerRow struct {
	service.Officer
	LockedUntil       *time.Time
	LastLoginAt       *time.Time
	PasswordChangedAt *time.Time
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"`
}

func (officerRow) TableName() string { return "officers" }

func (r *officerRow) stamps() stamps {
	return stamps{id: &r.ID, createdAt: &r.CreatedAt, updatedAt: &r.UpdatedAt}
}

func officerToRow(o *service.Officer) officerRow {
	return officerRow{
		Officer:           *o,
		LockedUntil:       nullTime(o.LockedUntil),
		LastLoginAt:       nullTime(o.LastLoginAt),
		PasswordChangedAt: nullTime(o.PasswordChangedAt),
		CreatedAt:         dbTime(o.CreatedAt),
		UpdatedAt:         dbTime(o.UpdatedAt),
	}
}

func (r *officerRow) toService() *service.Officer {
	o := r.Officer
	o.LockedUntil = fromNullTime(r.LockedUntil)
	o.LastLoginAt = fromNullTime(r.LastLoginAt)
	o.PasswordChangedAt = fromNullTime(r.PasswordChangedAt)
	o.CreatedAt = r.CreatedAt.UTC()
	o.UpdatedAt = r.UpdatedAt.UTC()
	return &o
}

// sessionRow is a row of sessions: the session, with its times as stored.
type sessionRow struct {
	service.Session
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// stamps leave CreatedAt to the caller: CreateSession has never filled it
// in (the service always sets it).
func (r *sessionRow) stamps() stamps { return stamps{id: &r.ID} }

func sessionToRow(s *service.Session) sessionRow {
	return sessionRow{
		Session:    *s,
		CreatedAt:  dbTime(s.CreatedAt),
		LastSeenAt: dbTime(s.LastSeenAt),
		ExpiresAt:  dbTime(s.ExpiresAt),
	}
}

func (r *sessionRow) toService() *service.Session {
	s := r.Session
	s.CreatedAt = r.CreatedAt.UTC()
	s.LastSeenAt = r.LastSeenAt.UTC()
	s.ExpiresAt = r.ExpiresAt.UTC()
	return &s
}

// proposalRow is a row of proposals. OpenID is 0 while the proposal is
// pending and its own ID once decided (see the migration).
type proposalRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	ApplyNo       string
	Action        string
	TargetID      int64
	OpenID        int64
	Input         string
	Note          string
	Why           string
	ProposedBy    string
	ProposerRole  string
	ProposedAt    time.Time
	Status        string
	DecidedBy     string
	DecidedAt     *time.Time
	DecisionNote  string
}

func (proposalRow) TableName() string { return "proposals" }

// stamps leave ProposedAt to the caller: CreateProposal has never filled
// it in (the service always sets it).
func (r *proposalRow) stamps() stamps { return stamps{id: &r.ID} }

func proposalToRow(p *service.Proposal) proposalRow {
	return proposalRow{
		ID:            p.ID,
		ApplicationID: p.ApplicationID,
		ApplyNo:       p.ApplyNo,
		Action:        string(p.Action),
		TargetID:      p.TargetID,
		Input:         mapText(p.Input),
		Note:          p.Note,
		Why:           p.Why,
		ProposedBy:    p.ProposedBy,
		ProposerRole:  p.ProposerRole,
		ProposedAt:    dbTime(p.ProposedAt),
		Status:        string(p.Status),
		DecidedBy:     p.DecidedBy,
		DecidedAt:     nullTime(p.DecidedAt),
		DecisionNote:  p.DecisionNote,
	}
}

func (r *proposalRow) toService() (*service.Proposal, error) {
	input, err := textMap("input", r.Input)
	if err != nil {
		return nil, err
	}
	return &service.Proposal{
		ID:            r.ID,
		ApplicationID: r.ApplicationID,
		ApplyNo:       r.ApplyNo,
		Action:        service.ProposalAction(r.Action),
		TargetID:      r.TargetID,
		Input:         input,
		Note:          r.Note,
		Why:           r.Why,
		ProposedBy:    r.ProposedBy,
		ProposerRole:  r.ProposerRole,
		ProposedAt:    r.ProposedAt.UTC(),
		Status:        service.ProposalStatus(r.Status),
		DecidedBy:     r.DecidedBy,
		DecidedAt:     fromNullTime(r.DecidedAt),
		DecisionNote:  r.DecisionNote,
	}, nil
}

// settingRow is a row of settings.
type settingRow struct {
	Name      string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (settingRow) TableName() string { return "settings" }
