package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// CreateProposal inserts p and sets its ID. ECONFLICT when the same action
// on the same application and target is pending already.
func (s *Store) CreateProposal(ctx context.Context, p *service.Proposal) error {
	if p.Status != service.ProposalPending {
		return fmt.Errorf("store: create proposal: status %q, want pending", p.Status)
	}
	row := proposalToRow(p) // OpenID 0: pending
	return s.create(ctx, s.insertRow, &row, stamps{id: &p.ID}, about{op: "create proposal " + string(p.Action) + " for " + p.ApplyNo,
		conflict: fmt.Sprintf("业务流水号 %s 已有待复核的同类提议", p.ApplyNo)})
}

// DecideProposal writes p's status, DecidedBy, DecidedAt and DecisionNote
// if the stored proposal is still pending, and frees its slot for a new
// proposal of the same action. ECONFLICT when it was decided meanwhile;
// ENOTFOUND when there is none.
func (s *Store) DecideProposal(ctx context.Context, p *service.Proposal) error {
	ab := about{op: fmt.Sprintf("decide proposal %d", p.ID), what: fmt.Sprintf("编号为 %d 的提议", p.ID)}
	res := s.conn(ctx).Model(&proposalRow{}).
		Where("id = ? AND status = ?", p.ID, string(service.ProposalPending)).
		Updates(map[string]any{
			"status":        string(p.Status),
			"open_id":       p.ID,
			"decided_by":    p.DecidedBy,
			"decided_at":    nullTime(p.DecidedAt),
			"decision_note": p.DecisionNote,
		})
	if res.Error != nil {
		return translate(res.Error, ab)
	}
	if res.RowsAffected == 0 {
		if _, err := s.GetProposal(ctx, p.ID); err != nil {
			return err
		}
		return service.Errorf(service.ECONFLICT, "提议 %d 已被其他复核人员处理，请刷新后查看", p.ID)
	}
	return nil
}

// GetProposal returns the proposal with id; ENOTFOUND if none.
func (s *Store) GetProposal(ctx context.Context, id int64) (*service.Proposal, error) {
	return take(ctx, s, about{op: fmt.Sprintf("get proposal %d", id), what: fmt.Sprintf("编号为 %d 的提议", id)},
		(*proposalRow).toService, "id = ?", id)
}

// FindProposals returns a page of the proposals f selects, newest first,
// and how many f selects in all.
func (s *Store) FindProposals(ctx context.Context, f service.ProposalFilter) ([]*service.Proposal, int, error) {
	ab := about{op: "find proposals"}
	scope := func(db *gorm.DB) *gorm.DB {
		if f.ApplicationID != 0 {
			db = db.Where("application_id = ?", f.ApplicationID)
		}
		if len(f.Statuses) > 0 {
			db = db.Where("status IN ?", asStrings(f.Statuses))
		}
		return db
	}
	return findPage(ctx, s, scope, "proposed_at DESC, id DESC", f.Offset, f.Limit, ab, (*proposalRow).toService)
}
