package store

import (
	"context"
	"fmt"

	"github.com/baohangateway/baohan/service"
)

// CreateOfficer inserts o and sets its ID, CreatedAt (now, unless set) and
// UpdatedAt. ECONFLICT when the user name is taken (ignoring case).
func (s *Store) CreateOfficer(ctx context.Context, o *service.Officer) error {
	row := officerToRow(o)
	return s.create(ctx, s.insertRow, &row, stamps{id: &o.ID, createdAt: &o.CreatedAt, updatedAt: &o.UpdatedAt},
		about{op: "create officer " + o.Username, conflict: fmt.Sprintf("用户名 %s 已被使用", o.Username)})
}

// UpdateOfficer writes every field of o but its ID and CreatedAt, and sets
// o.UpdatedAt. ENOTFOUND when there is no such officer.
func (s *Store) UpdateOfficer(ctx context.Context, o *service.Officer) error {
	ab := about{op: fmt.Sprintf("update officer %d", o.ID), what: fmt.Sprintf("编号为 %d 的账户", o.ID),
		conflict: fmt.Sprintf("用户名 %s 已被使用", o.Username)}
	row := officerToRow(o)
	row.UpdatedAt = s.timestamp()
	// totp_last_step only moves forward, through UseTOTPStep: a whole-row
	// write of an officer read before a login must not move it back.
	if err := s.updateRow(ctx, &officerRow{}, o.ID, &row, ab, "totp_last_step"); err != nil {
		return err
	}
	o.UpdatedAt = row.UpdatedAt
	return nil
}

// UseTOTPStep records that the officer's dynamic password of the given time
// step was accepted, unless one of that step or a later one was: false then.
// The update is conditional, so of two logins with one code at once, one
// succeeds.
func (s *Store) UseTOTPStep(ctx context.Context, officerID, step int64) (bool, error) {
	res := s.conn(ctx).Model(&officerRow{}).Where("id = ? AND totp_last_step < ?", officerID, step).
		Update("totp_last_step", step)
	if res.Error != nil {
		return false, translate(res.Error, about{op: fmt.Sprintf("record the dynamic password step of officer %d", officerID)})
	}
	return res.RowsAffected == 1, nil
}

// GetOfficer returns the officer with id; ENOTFOUND if none.
func (s *Store) GetOfficer(ctx context.Context, id int64) (*service.Officer, error) {
	return take(ctx, s, about{op: fmt.Sprintf("get officer %d", id), what: fmt.Sprintf("编号为 %d 的账户", id)},
		infallible((*officerRow).toService), "id = ?", id)
}

// GetOfficerByUsername returns the officer with the user name, ignoring
// case; ENOTFOUND if none.
func (s *Store) GetOfficerByUsername(ctx context.Context, username string) (*service.Officer, error) {
	return take(ctx, s, about{op: "get officer " + username, what: "账户 " + username},
		infallible((*officerRow).toService), "username = ?", username)
}

// ListOfficers returns every officer by user name.
func (s *Store) ListOfficers(ctx context.Context) ([]*service.Officer, error) {
	return findAll(s.reader(ctx).Order("username"), about{op: "list officers"}, infallible((*officerRow).toService))
}

// CountOfficers counts the officers.
func (s *Store) CountOfficers(ctx context.Context) (int, error) {
	var n int64
	if err := s.reader(ctx).Model(&officerRow{}).Count(&n).Error; err != nil {
		return 0, translate(err, about{op: "count officers"})
	}
	return int(n), nil
}
