package service

import (
	"context"
	"strings"
	"time"
)

// Views are the read models of the console and the admin API: the work
// queue, an application's case file and detail, the notice log, the audit
// trail and the dashboard (dashboard.go). They change nothing.
type Views struct {
	*env
	proposals *Proposals // which approvals await a checker
}

// Queue is a page of the officers' work queue with the count of each state
// under the same criteria.
type Queue struct {
	Applications []*Application
	Total        int
	Counts       map[State]int
	// PendingApproval marks the applications with an approval waiting for a
	// checker.
	PendingApproval map[int64]bool
	// LetterFailed counts the applications of f's platform whose plaintext
	// letter failed (出函失败), whatever f's other criteria.
	LetterFailed int
}

// Queue returns a page of the applications f selects, the counts per state
// of all f selects but its states, and which of the page await a checker.
func (s *Views) Queue(ctx context.Context, f ApplicationFilter) (*Queue, error) {
	q := &Queue{PendingApproval: map[int64]bool{}}
	var err error
	if q.Applications, q.Total, err = s.Store.FindApplications(ctx, f); err != nil {
		return nil, err
	}
	if q.Counts, err = s.Store.CountByState(ctx, f); err != nil {
		return nil, err
	}
	if _, q.LetterFailed, err = s.Store.FindApplications(ctx, ApplicationFilter{Platform: f.Platform, LetterFailed: true, Limit: 1}); err != nil {
		return nil, err
	}
	pending, _, err := s.Store.FindProposals(ctx, ProposalFilter{Statuses: []ProposalStatus{ProposalPending}, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		q.PendingApproval[p.ApplicationID] = true
	}
	return q, nil
}

// CaseFile is everything the application page shows: the application's
// detail, its proposals, and whether an approval now would need a checker.
type CaseFile struct {
	*Detail
	Proposals    []*Proposal
	ApprovalNeed string // NeedsChecker's answer while the application awaits review
}

// CaseFile gathers the application page of the application with id.
func (s *Views) CaseFile(ctx context.Context, id int64) (*CaseFile, error) {
	a, err := s.Store.GetApplication(ctx, id)
	if err != nil {
		return nil, err
	}
	d, err := s.Detail(ctx, a)
	if err != nil {
		return nil, err
	}
	cf := &CaseFile{Detail: d}
	if cf.Proposals, _, err = s.Store.FindProposals(ctx, ProposalFilter{ApplicationID: a.ID, Limit: 100}); err != nil {
		return nil, err
	}
	if a.may(OpApprove) {
		if cf.ApprovalNeed, err = s.proposals.NeedsChecker(ctx, a); err != nil {
			return nil, err
		}
	}
	return cf, nil
}

// NoticeLog is a page of the delivery log across applications.
type NoticeLog struct {
	Notices           []NoticeDetail
	ApplyNos          map[int64]string // by application id
	Total             int
	Stats             map[NoticeStatus]int
	OldestUndelivered time.Time
	PendingResend     map[int64]bool // notices with a resend awaiting a checker
}

// NoticeLog returns a page of the notices f selects, failed and pending
// first, each with its attempts.
func (s *Views) NoticeLog(ctx context.Context, f NoticeFilter) (*NoticeLog, error) {
	l := &NoticeLog{PendingResend: map[int64]bool{}}
	notices, total, err := s.Store.FindNotices(ctx, f)
	if err != nil {
		return nil, err
	}
	l.Total = total
	var noticeIDs, appIDs []int64
	for _, n := range notices {
		noticeIDs, appIDs = append(noticeIDs, n.ID), append(appIDs, n.ApplicationID)
	}
	attempts, err := s.Store.AttemptsOf(ctx, noticeIDs)
	if err != nil {
		return nil, err
	}
	for _, n := range notices {
		l.Notices = append(l.Notices, NoticeDetail{Notice: n, Attempts: attempts[n.ID]})
	}
	if l.ApplyNos, err = s.Store.ApplyNos(ctx, appIDs); err != nil {
		return nil, err
	}
	if l.Stats, l.OldestUndelivered, err = s.Store.NoticeStats(ctx); err != nil {
		return nil, err
	}
	pending, _, err := s.Store.FindProposals(ctx, ProposalFilter{Statuses: []ProposalStatus{ProposalPending}, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		if p.Action == ActionResend {
			l.PendingResend[p.TargetID] = true
		}
	}
	return l, nil
}

// AuditQuery selects audit events as the audit page asks: by applyno rather
// than application id.
type AuditQuery struct {
	ApplyNo  string
	Actor    string
	Action   string
	From, To time.Time
	Offset   int
	Limit    int
}

// FindAudit returns a page of the audit trail, newest first, and how many
// events the query selects. An applyno no application has selects nothing.
func (s *Views) FindAudit(ctx context.Context, q AuditQuery) ([]*AuditEvent, int, error) {
	f := AuditFilter{Actor: strings.TrimSpace(q.Actor), Action: q.Action, From: q.From, To: q.To, Offset: q.Offset, Limit: q.Limit}
	if no := strings.TrimSpace(q.ApplyNo); no != "" {
		a, err := s.FindApplication(ctx, "", no)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			return nil, 0, nil
		case err != nil:
			return nil, 0, err
		}
		f.ApplicationID = a.ID
	}
	return s.Store.FindAudit(ctx, f)
}

// FindApplication returns an application by applyno. platform may be empty
// when only one configured platform has that applyno.
func (s *Views) FindApplication(ctx context.Context, platform, applyNo string) (*Application, error) {
	if platform != "" {
		a, err := s.Store.GetApplicationByApplyNo(ctx, platform, applyNo)
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(ENOTFOUND, "未找到业务流水号 %s 的投保申请", applyNo)
		}
		return a, err
	}
	var found *Application
	for _, p := range s.Platforms {
		a, err := s.Store.GetApplicationByApplyNo(ctx, p.AppKey, applyNo)
		switch {
		case err == nil && found != nil:
			return nil, Errorf(ECONFLICT, "业务流水号 %s 在多个交易平台都有申请，请指明 platform（appkey）", applyNo)
		case err == nil:
			found = a
		case ErrorCode(err) != ENOTFOUND:
			return nil, err
		}
	}
	if found == nil {
		return nil, Errorf(ENOTFOUND, "未找到业务流水号 %s 的投保申请", applyNo)
	}
	return found, nil
}
