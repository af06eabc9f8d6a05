package store

import (
	"context"
	"fmt"

	"github.com/baohangateway/baohan/service"
)

// CreateClaim stores a claim and sets its ID and CreatedAt (now, unless
// set).
func (s *Store) CreateClaim(ctx context.Context, c *service.Claim) error {
	row := claimToRow(c)
	return s.create(ctx, s.insertRow, &row, stamps{id: &c.ID, createdAt: &c.CreatedAt},
		about{op: fmt.Sprintf("create claim of application %d", c.ApplicationID)})
}

// UpdateClaim writes every field of c but its ID and CreatedAt. ENOTFOUND
// if there is no such claim.
func (s *Store) UpdateClaim(ctx context.Context, c *service.Claim) error {
	ab := about{op: fmt.Sprintf("update claim %d", c.ID), what: fmt.Sprintf("编号为 %d 的理赔", c.ID)}
	row := claimToRow(c)
	return s.updateRow(ctx, &claimRow{}, c.ID, &row, ab)
}

// ListClaims returns an application's claims, oldest first.
func (s *Store) ListClaims(ctx context.Context, applicationID int64) ([]*service.Claim, error) {
	return findAll(s.reader(ctx).Where("application_id = ?", applicationID).Order("id"),
		about{op: fmt.Sprintf("list claims of application %d", applicationID)}, infallible((*claimRow).toService))
}
