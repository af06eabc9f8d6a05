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
	row := proposalToRow(p)
	row.ID, row.OpenID = 0, 0
	if p.Status != service.ProposalPending {
		return fmt.Errorf("store: create proposal: status %q, want pending", p.Status)
	}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return translate(err, about{op: "create proposal " + string(p.Action) + " for " + p.ApplyNo,
			conflict: fmt.Sprintf("业务流水号 %s 已有待复核的同类提议", p.ApplyNo)})
	}
	p.ID = row.ID
	return nil
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
	ab := about{op: fmt.Sprintf("get proposal %d", id), what: fmt.Sprintf("编号为 %d 的提议", id)}
	var row proposalRow
	if err := s.reader(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err, ab)
	}
	p, err := row.toService()
	return p, translate(err, ab)
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
			statuses := make([]string, len(f.Statuses))
			for i, st := range f.Statuses {
				statuses[i] = string(st)
			}
			db = db.Where("status IN ?", statuses)
		}
		return db
	}
	rows, total, err := findPage[proposalRow](ctx, s, scope, "proposed_at DESC, id DESC", f.Offset, f.Limit, ab)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*service.Proposal, 0, len(rows))
	for i := range rows {
		p, err := rows[i].toService()
		if err != nil {
			return nil, 0, translate(err, ab)
		}
		out = append(out, p)
	}
	return out, int(total), nil
}
