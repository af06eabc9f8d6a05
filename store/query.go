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

// asStrings is a filter's states or statuses as the column's values, for
// an IN condition.
func asStrings[S ~string](values []S) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// findPage counts the rows of R that scope selects and reads the page of
// them at offset and limit (see page) in order, converted with conv: the
// values and the count of all, for a list with pages.
func findPage[R, T any](ctx context.Context, s *Store, scope func(*gorm.DB) *gorm.DB, order string, offset, limit int, ab about, conv func(*R) (T, error)) ([]T, int, error) {
	var total int64
	if err := s.reader(ctx).Model(new(R)).Scopes(scope).Count(&total).Error; err != nil {
		return nil, 0, translate(err, ab)
	}
	offset, limit = page(offset, limit)
	out, err := findAll(s.reader(ctx).Scopes(scope).Order(order).Offset(offset).Limit(limit), ab, conv)
	if err != nil {
		return nil, 0, err
	}
	return out, int(total), nil
}

// findAll reads the rows of R that q selects, in its order, and converts
// them with conv.
func findAll[R, T any](q *gorm.DB, ab about, conv func(*R) (T, error)) ([]T, error) {
	var rows []R
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate(err, ab)
	}
	out, err := toServices(rows, conv)
	return out, translate(err, ab)
}

// take reads the one row of R that where selects and converts it with
// conv: ENOTFOUND (from ab) when there is none.
func take[R, T any](ctx context.Context, s *Store, ab about, conv func(*R) (T, error), where string, args ...any) (T, error) {
	var row R
	if err := s.reader(ctx).Where(where, args...).Take(&row).Error; err != nil {
		var none T
		return none, translate(err, ab)
	}
	v, err := conv(&row)
	return v, translate(err, ab)
}

// stamps point at what an insert fills in, in a row or in the domain value
// it came from: the ID the database gives, the creation time (now unless
// set) and the time of the last change (the creation time). A nil time is
// one the table does not keep.
type stamps struct {
	id        *int64
	createdAt *time.Time
	updatedAt *time.Time
}

// newRow is a row that the store inserts for a new domain value.
type newRow interface {
	stamps() stamps
}

// inserter writes a new row: insertRow, or on MySQL insertDocumentPrepared.
type inserter func(ctx context.Context, row newRow, ab about) error

// create inserts row, the row of a new domain value, with insert, after
// giving it its stamps: the database gives the ID, and the creation time
// is now unless set. Only when that succeeds does it copy the row's stamps
// to the value's, to: on error the value is as it was.
func (s *Store) create(ctx context.Context, insert inserter, row newRow, to stamps, ab about) error {
	st := row.stamps()
	*st.id = 0
	if st.createdAt != nil && st.createdAt.IsZero() {
		*st.createdAt = s.timestamp()
	}
	if st.updatedAt != nil {
		*st.updatedAt = *st.createdAt
	}
	if err := insert(ctx, row, ab); err != nil {
		return err
	}
	*to.id = *st.id
	if to.createdAt != nil {
		*to.createdAt = *st.createdAt
	}
	if to.updatedAt != nil {
		*to.updatedAt = *st.updatedAt
	}
	return nil
}

// insertRow inserts row through gorm. Errors are translated with ab.
func (s *Store) insertRow(ctx context.Context, row newRow, ab about) error {
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
