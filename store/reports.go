package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/baohangateway/baohan/service"
)

// beijingDayExpr is the SQL of the Beijing date of a UTC time column as
// "20060102", per engine. Not "2006-01-02": the SQLite driver reads a text
// that looks like a date as a time.
func (s *Store) beijingDayExpr(column string) string {
	if s.driver == DriverMySQL {
		return "DATE_FORMAT(DATE_ADD(" + column + ", INTERVAL 8 HOUR), '%Y%m%d')"
	}
	return "strftime('%Y%m%d', " + column + ", '+8 hours')"
}

// DailyStats returns, per Beijing day in [from, to), the applications
// received (by created_at) and the guarantees issued (by issued_at) with
// their amounts and premiums, oldest day first. Days with neither are
// absent.
func (s *Store) DailyStats(ctx context.Context, from, to time.Time) ([]service.DayStat, error) {
	ab := about{op: "daily stats"}
	type dayRow struct {
		Day     string
		N       int
		Amount  int64
		Premium int64
	}
	var received, issued []dayRow
	day := s.beijingDayExpr("created_at")
	err := s.reader(ctx).Model(&applicationRow{}).
		Select(day+" AS day, COUNT(*) AS n").
		Where("created_at >= ? AND created_at < ?", dbTime(from), dbTime(to)).
		Group("day").Scan(&received).Error
	if err != nil {
		return nil, translate(err, ab)
	}
	day = s.beijingDayExpr("issued_at")
	err = s.reader(ctx).Model(&applicationRow{}).
		Select(day+" AS day, COUNT(*) AS n, COALESCE(SUM(amount), 0) AS amount, COALESCE(SUM(premium), 0) AS premium").
		Where("issued_at >= ? AND issued_at < ?", dbTime(from), dbTime(to)).
		Group("day").Scan(&issued).Error
	if err != nil {
		return nil, translate(err, ab)
	}
	byDay := map[string]*service.DayStat{}
	get := func(d string) *service.DayStat {
		if len(d) == 8 {
			d = d[:4] + "-" + d[4:6] + "-" + d[6:]
		}
		if byDay[d] == nil {
			byDay[d] = &service.DayStat{Day: d}
		}
		return byDay[d]
	}
	for _, r := range received {
		get(r.Day).Applications = r.N
	}
	for _, r := range issued {
		ds := get(r.Day)
		ds.Issued, ds.IssuedAmount, ds.Premium = r.N, service.Money(r.Amount), service.Money(r.Premium)
	}
	out := make([]service.DayStat, 0, len(byDay))
	for _, ds := range byDay {
		out = append(out, *ds)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out, nil
}

// OpenClaims counts the pending claims and sums their amounts.
func (s *Store) OpenClaims(ctx context.Context) (int, service.Money, error) {
	var r struct {
		N      int
		Amount int64
	}
	err := s.reader(ctx).Model(&claimRow{}).Select("COUNT(*) AS n, COALESCE(SUM(amount), 0) AS amount").
		Where("status = ?", string(service.ClaimPending)).Scan(&r).Error
	if err != nil {
		return 0, 0, translate(err, about{op: "count open claims"})
	}
	return r.N, service.Money(r.Amount), nil
}

// ApplyNos returns the applyno of each of the applications ids.
func (s *Store) ApplyNos(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID      int64
		ApplyNo string
	}
	if err := s.reader(ctx).Model(&applicationRow{}).Select("id, apply_no").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, translate(err, about{op: fmt.Sprintf("applynos of %d applications", len(ids))})
	}
	for _, r := range rows {
		out[r.ID] = r.ApplyNo
	}
	return out, nil
}

// AttemptsOf returns the attempts of each of the notices, oldest first.
func (s *Store) AttemptsOf(ctx context.Context, noticeIDs []int64) (map[int64][]*service.NoticeAttempt, error) {
	out := make(map[int64][]*service.NoticeAttempt, len(noticeIDs))
	if len(noticeIDs) == 0 {
		return out, nil
	}
	var rows []attemptRow
	if err := s.reader(ctx).Where("notice_id IN ?", noticeIDs).Order("notice_id, id").Find(&rows).Error; err != nil {
		return nil, translate(err, about{op: fmt.Sprintf("attempts of %d notices", len(noticeIDs))})
	}
	for i := range rows {
		out[rows[i].NoticeID] = append(out[rows[i].NoticeID], rows[i].toService())
	}
	return out, nil
}
