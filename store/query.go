package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Page sizes of the Find methods.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// page is a filter's offset and limit as the Find methods apply them: a
// limit of 0 (or less) means 50, more than 500 means 500.
func page(offset, limit int) (int, int) {
	if offset < 0 {
		offset = 0
	}
	switch {
	case limit <= 0:
		limit = defaultLimit
	case limit > maxLimit:
		limit = maxLimit
	}
	return offset, limit
}

// likeEscape is the escape character of the LIKE patterns: '!' because a
// backslash means different things in MySQL and SQLite literals.
const likeEscape = "!"

// containsPattern is a LIKE pattern (with ESCAPE '!') matching values that
// contain s, lower-cased: the queries compare LOWER(column) so that both
// engines match case-insensitively whatever the column's collation.
func containsPattern(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// findPage counts the rows of R that scope selects and reads the page of
// them at offset and limit (see page) in order: the rows and the count of
// all, for a list with pages.
func findPage[R any](ctx context.Context, s *Store, scope func(*gorm.DB) *gorm.DB, order string, offset, limit int, ab about) ([]R, int64, error) {
	var total int64
	if err := s.reader(ctx).Model(new(R)).Scopes(scope).Count(&total).Error; err != nil {
		return nil, 0, translate(err, ab)
	}
	offset, limit = page(offset, limit)
	var rows []R
	if err := s.reader(ctx).Scopes(scope).Order(order).Offset(offset).Limit(limit).Find(&rows).Error; err != nil {
		return nil, 0, translate(err, ab)
	}
	return rows, total, nil
}

// insertRow inserts row, a new row of its table, whose ID and CreatedAt
// columns are id and createdAt: the database gives the ID, and CreatedAt is
// now unless set. Errors are translated with ab.
func (s *Store) insertRow(ctx context.Context, row any, id *int64, createdAt *time.Time, ab about) error {
	*id = 0
	if createdAt.IsZero() {
		*createdAt = s.timestamp()
	}
	return translate(s.conn(ctx).Create(row).Error, ab)
}

// updateRow writes every column of row but id, created_at and the columns
// of keep to the row of model with id: ENOTFOUND (from ab) when there is
// none.
func (s *Store) updateRow(ctx context.Context, model any, id int64, row any, ab about, keep ...string) error {
	res := s.conn(ctx).Model(model).Where("id = ?", id).Select("*").Omit(append([]string{"id", "created_at"}, keep...)...).Updates(row)
	if res.Error != nil {
		return translate(res.Error, ab)
	}
	if res.RowsAffected == 0 {
		return translate(gorm.ErrRecordNotFound, ab)
	}
	return nil
}
