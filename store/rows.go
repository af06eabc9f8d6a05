package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// The rows' conventions, shared by every table: times in UTC at microsecond
// precision (what DATETIME(6) keeps), the zero time as NULL; optional unique
// strings as NULL when empty; maps and slices as JSON text, empty when absent.
//
// A row whose domain type has only numbers, strings, bools, times and bytes,
// each named as its column, embeds that type (officerRow, sessionRow,
// claimRow, documentRow): gorm maps the embedded fields as the row's own.
// The row declares again the fields stored in another form (every time:
// dbTime, nullTime), and for a column gorm reads and writes the row's own
// field, the shallower one, never the embedded one; declaring CreatedAt and
// UpdatedAt again also keeps gorm from stamping them itself. The other rows
// copy field by field: gorm cannot parse a type with a map, slice or struct
// field (it takes them for associations) unless the field is tagged, and the
// service types carry no gorm tags; nor can it rename an embedded field's
// column (interface_name, duration_ns, error_text).

// dbTime is t as stored: UTC, truncated to the microsecond.
func dbTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// nullTime is t as a nullable column: nil for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := dbTime(t)
	return &u
}

// fromNullTime is a nullable column as a time: the zero time for NULL.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullString is s as a nullable column: nil for "" (a unique key that is
// not set yet must not collide with another one that is not set either).
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func fromNullString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonText is v as JSON. The values the store marshals are strings, bools,
// string maps and structs of those, which json.Marshal cannot fail on.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err))
	}
	return string(b)
}

// mapText is a map as JSON text: empty for nil, so that nil and an empty map
// both come back as they went in.
func mapText(m map[string]string) string {
	if m == nil {
		return ""
	}
	return jsonText(m)
}

// textMap reads what mapText wrote.
func textMap(column, s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("column %s: %w", column, err)
	}
	return m, nil
}

// toServices converts rows with conv, in order; the first error stops it.
func toServices[R, T any](rows []R, conv func(*R) (T, error)) ([]T, error) {
	out := make([]T, 0, len(rows))
	for i := range rows {
		v, err := conv(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// infallible is conv for toServices and the queries: a conversion that
// cannot fail (its row has no JSON to parse).
func infallible[R, T any](conv func(*R) T) func(*R) (T, error) {
	return func(r *R) (T, error) { return conv(r), nil }
}
