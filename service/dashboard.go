package service

import (
	"context"
	"time"
)

// ReportStore answers the console's summaries.
type ReportStore interface {
	// DailyStats returns, per Beijing day in [from, to), the applications
	// received and the guarantees issued with their amounts and premiums.
	// Days without either are absent.
	DailyStats(ctx context.Context, from, to time.Time) ([]DayStat, error)
	// OpenClaims counts the pending claims and sums their amounts.
	OpenClaims(ctx context.Context) (int, Money, error)
	// ApplyNos returns the applyno of each application id that exists.
	ApplyNos(ctx context.Context, ids []int64) (map[int64]string, error)
	// AttemptsOf returns the attempts of each notice, oldest first.
	AttemptsOf(ctx context.Context, noticeIDs []int64) (map[int64][]*NoticeAttempt, error)
}

// DayStat is one day (Beijing time) of business.
type DayStat struct {
	Day          string // 2006-01-02
	Applications int    // received that day
	Issued       int    // guarantees issued that day
	IssuedAmount Money
	Premium      Money
}

// Dashboard is the console's first page: the day's and month's business,
// claims, exposure and the health of the notices.
type Dashboard struct {
	Now               time.Time
	Today, Month      DayStat // Day is the first day of the period
	Days              []DayStat
	States            map[State]int
	OpenClaims        int
	OpenClaimAmount   Money
	Exposure          Money
	ExposureLimit     Money // 0: no limit
	PendingProposals  int
	Notices           map[NoticeStatus]int
	OldestUndelivered time.Time
	Settings          Settings
}

// DashboardDays is how many days the dashboard's chart shows.
const DashboardDays = 30

// BeijingDay returns the midnight (Beijing time) that begins t's day.
func BeijingDay(t time.Time) time.Time {
	y, m, d := t.In(beijing).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, beijing)
}

// Dashboard gathers the dashboard.
func (s *Views) Dashboard(ctx context.Context) (*Dashboard, error) {
	now := s.now()
	today := BeijingDay(now)
	monthStart := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, beijing)
	chartStart := today.AddDate(0, 0, -(DashboardDays - 1))
	from := chartStart
	if monthStart.Before(from) {
		from = monthStart
	}
	st := s.Settings()
	d := &Dashboard{Now: now, ExposureLimit: st.Underwriting.ExposureLimit, Settings: st}
	stats, err := s.Store.DailyStats(ctx, from, today.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	byDay := make(map[string]DayStat, len(stats))
	d.Today.Day, d.Month.Day = today.Format("2006-01-02"), monthStart.Format("2006-01-02")
	for _, ds := range stats {
		byDay[ds.Day] = ds
		if ds.Day >= d.Month.Day {
			d.Month.add(ds)
		}
		if ds.Day == d.Today.Day {
			d.Today.add(ds)
		}
	}
	for day := chartStart; !day.After(today); day = day.AddDate(0, 0, 1) {
		key := day.Format("2006-01-02")
		ds := byDay[key]
		ds.Day = key
		d.Days = append(d.Days, ds)
	}
	if d.States, err = s.Store.CountByState(ctx, ApplicationFilter{}); err != nil {
		return nil, err
	}
	if d.OpenClaims, d.OpenClaimAmount, err = s.Store.OpenClaims(ctx); err != nil {
		return nil, err
	}
	if d.Exposure, err = s.Store.Exposure(ctx); err != nil {
		return nil, err
	}
	if _, d.PendingProposals, err = s.Store.FindProposals(ctx, ProposalFilter{Statuses: []ProposalStatus{ProposalPending}, Limit: 1}); err != nil {
		return nil, err
	}
	if d.Notices, d.OldestUndelivered, err = s.Store.NoticeStats(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *DayStat) add(o DayStat) {
	d.Applications += o.Applications
	d.Issued += o.Issued
	d.IssuedAmount += o.IssuedAmount
	d.Premium += o.Premium
}
