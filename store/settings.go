package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ListSettings returns every stored setting by name.
func (s *Store) ListSettings(ctx context.Context) (map[string]string, error) {
	var rows []settingRow
	if err := s.reader(ctx).Find(&rows).Error; err != nil {
		return nil, translate(err, about{op: "list settings"})
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Name] = r.Value
	}
	return out, nil
}

// PutSettings inserts or replaces values, stamped at.
func (s *Store) PutSettings(ctx context.Context, values map[string]string, at time.Time) error {
	if len(values) == 0 {
		return nil
	}
	rows := make([]settingRow, 0, len(values))
	for name, value := range values {
		rows = append(rows, settingRow{Name: name, Value: value, UpdatedAt: dbTime(at)})
	}
	err := s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&rows).Error
	return translate(err, about{op: "put settings"})
}

// EnsureSetting stores value under name unless name has a value, and
// returns the stored value. Of concurrent callers, the first insert wins and
// the others read it.
func (s *Store) EnsureSetting(ctx context.Context, name, value string, at time.Time) (string, error) {
	ab := about{op: "ensure setting " + name}
	var row settingRow
	err := s.conn(ctx).Where("name = ?", name).Take(&row).Error
	if err == nil {
		return row.Value, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", translate(err, ab)
	}
	row = settingRow{Name: name, Value: value, UpdatedAt: dbTime(at)}
	if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", translate(err, ab)
	}
	if err := s.conn(ctx).Where("name = ?", name).Take(&row).Error; err != nil {
		return "", translate(err, ab)
	}
	return row.Value, nil
}
