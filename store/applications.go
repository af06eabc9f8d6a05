package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// CreateApplication inserts a and sets its ID, its Version to 1, its
// CreatedAt (now, unless set) and UpdatedAt. ECONFLICT when the platform
// already has the applyno, or the portal token or baohanno is taken.
func (s *Store) CreateApplication(ctx context.Context, a *service.Application) error {
	row := applicationToRow(a)
	row.Version = 1
	err := s.create(ctx, s.insertRow, &row, stamps{id: &a.ID, createdAt: &a.CreatedAt, updatedAt: &a.UpdatedAt}, about{
		op:       "create application " + a.ApplyNo,
		conflict: fmt.Sprintf("业务流水号 %s 的申请已存在，或其门户令牌、保函编号已被占用", a.ApplyNo),
	})
	if err != nil {
		return err
	}
	a.Version = row.Version
	return nil
}

// plainQueueColumns are the letter workers' record of a failing plaintext
// letter. UpdateApplication leaves them alone: a change made from an
// application read before a failure was recorded must not undo the record.
var plainQueueColumns = []string{"plain_attempts", "plain_next_at", "plain_error"}

// UpdateApplication writes every field of a (but the letter-queue record,
// plainQueueColumns) if the stored version is still
// a.Version, then increments a.Version and sets a.UpdatedAt. ECONFLICT when
// another change came first (or there is no such application), or when the
// new baohanno or portal token is another application's.
func (s *Store) UpdateApplication(ctx context.Context, a *service.Application) error {
	row := applicationToRow(a)
	row.Version = a.Version + 1
	row.UpdatedAt = s.timestamp()
	res := s.conn(ctx).Model(&applicationRow{}).
		Where("id = ? AND version = ?", a.ID, a.Version).
		Select("*").Omit(append([]string{"id", "created_at"}, plainQueueColumns...)...).
		Updates(&row)
	if res.Error != nil {
		conflict := "门户令牌已被其他申请使用"
		if a.BaohanNo != "" {
			conflict = fmt.Sprintf("保函编号 %s 或门户令牌已被其他申请使用", a.BaohanNo)
		}
		return translate(res.Error, about{op: fmt.Sprintf("update application %d", a.ID), conflict: conflict})
	}
	if res.RowsAffected == 0 {
		return errStale()
	}
	a.Version, a.UpdatedAt = row.Version, row.UpdatedAt
	return nil
}

// GetApplication returns the application with id; ENOTFOUND if none.
func (s *Store) GetApplication(ctx context.Context, id int64) (*service.Application, error) {
	return s.getApplication(ctx, about{
		op:   fmt.Sprintf("get application %d", id),
		what: fmt.Sprintf("编号为 %d 的申请", id),
	}, "id = ?", id)
}

// GetApplicationByApplyNo returns the platform's application with applyNo;
// ENOTFOUND if none.
func (s *Store) GetApplicationByApplyNo(ctx context.Context, platform, applyNo string) (*service.Application, error) {
	return s.getApplication(ctx, about{
		op:   fmt.Sprintf("get application %s/%s", platform, applyNo),
		what: fmt.Sprintf("业务流水号 %s 的申请", applyNo),
	}, "platform = ? AND apply_no = ?", platform, applyNo)
}

// GetApplicationByToken returns the application of a portal token;
// ENOTFOUND if none. The message does not repeat the token: it is a secret.
func (s *Store) GetApplicationByToken(ctx context.Context, portalToken string) (*service.Application, error) {
	ab := about{op: "get application by portal token", what: "该链接对应的申请"}
	if portalToken == "" { // NULL in the table when none
		return nil, translate(gorm.ErrRecordNotFound, ab)
	}
	return s.getApplication(ctx, ab, "portal_token = ?", portalToken)
}

// GetApplicationByBaohanNo returns the application that was issued
// baohanNo; ENOTFOUND if none.
func (s *Store) GetApplicationByBaohanNo(ctx context.Context, baohanNo string) (*service.Application, error) {
	ab := about{op: "get application by baohanno " + baohanNo, what: fmt.Sprintf("保函编号 %s 的保函", baohanNo)}
	if baohanNo == "" { // NULL in the table until issued
		return nil, translate(gorm.ErrRecordNotFound, ab)
	}
	return s.getApplication(ctx, ab, "baohan_no = ?", baohanNo)
}

func (s *Store) getApplication(ctx context.Context, ab about, where string, args ...any) (*service.Application, error) {
	return take(ctx, s, ab, (*applicationRow).toService, where, args...)
}

// FindApplications returns a page of the applications f selects, newest
// first, and how many f selects in all. Query matches a substring of the
// applyno, bidder name, credit code or baohanno, ignoring case.
func (s *Store) FindApplications(ctx context.Context, f service.ApplicationFilter) ([]*service.Application, int, error) {
	return findPage(ctx, s, applicationScope(f, true), "created_at DESC, id DESC", f.Offset, f.Limit,
		about{op: "find applications"}, (*applicationRow).toService)
}

// applicationScope applies f's criteria but the page, and f.States only if
// withStates.
func applicationScope(f service.ApplicationFilter, withStates bool) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if f.Platform != "" {
			db = db.Where("platform = ?", f.Platform)
		}
		if withStates && len(f.States) > 0 {
			db = db.Where("state IN ?", asStrings(f.States))
		}
		if f.Query != "" {
			p := containsPattern(f.Query)
			db = db.Where("(LOWER(apply_no) LIKE ? ESCAPE '"+likeEscape+"'"+
				" OR LOWER(bidder_name) LIKE ? ESCAPE '"+likeEscape+"'"+
				" OR LOWER(bidder_code) LIKE ? ESCAPE '"+likeEscape+"'"+
				" OR LOWER(baohan_no) LIKE ? ESCAPE '"+likeEscape+"')", p, p, p, p)
		}
		if f.Flagged != nil {
			if *f.Flagged {
				db = db.Where("flags <> ''")
			} else {
				db = db.Where("flags = ''")
			}
		}
		if f.PlainPending != nil {
			db = db.Where("plain_pending = ?", *f.PlainPending)
		}
		if f.LetterFailed {
			db = db.Where("plain_pending = ? AND plain_error <> ''", true)
		}
		if !f.From.IsZero() {
			db = db.Where("created_at >= ?", dbTime(f.From))
		}
		if !f.To.IsZero() {
			db = db.Where("created_at < ?", dbTime(f.To))
		}
		return db
	}
}

// CountByState counts the applications per state within f's criteria other
// than its states and page. States without applications are absent.
func (s *Store) CountByState(ctx context.Context, f service.ApplicationFilter) (map[service.State]int, error) {
	var counts []struct {
		State string
		N     int
	}
	err := s.reader(ctx).Model(&applicationRow{}).Scopes(applicationScope(f, false)).
		Select("state, COUNT(*) AS n").Group("state").
		Scan(&counts).Error
	if err != nil {
		return nil, translate(err, about{op: "count applications by state"})
	}
	out := make(map[service.State]int, len(counts))
	for _, c := range counts {
		out[service.State(c.State)] = c.N
	}
	return out, nil
}

// Exposure sums the amounts of the live guarantees (service.State.Live).
func (s *Store) Exposure(ctx context.Context) (service.Money, error) {
	var live []string
	for _, st := range service.States {
		if st.Live() {
			live = append(live, string(st))
		}
	}
	var sum int64
	err := s.reader(ctx).Model(&applicationRow{}).
		Select("COALESCE(SUM(amount), 0)").Where("state IN ?", live).
		Row().Scan(&sum)
	if err != nil {
		return 0, translate(err, about{op: "sum exposure"})
	}
	return service.Money(sum), nil
}

// PlainDueIDs returns up to limit restored applications whose plaintext
// letter is still to be made and due at now, by id only: first those never
// tried (no next attempt time), oldest first, then those waiting to be
// tried again, by the time they are due. It is the letter workers' queue,
// read once per letter during a bid-opening storm (index
// idx_applications_plain_due).
func (s *Store) PlainDueIDs(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.reader(ctx).Model(&applicationRow{}).
		Where("plain_pending = ? AND (plain_next_at IS NULL OR plain_next_at <= ?)", true, dbTime(now)).
		Order("plain_next_at").Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, translate(err, about{op: "list due plaintext letters"})
	}
	return ids, nil
}

// DeferPlainLetter records a failed attempt at the plaintext letter of
// application id: attempts failed in all, the next attempt at next, reason
// why. It records nothing and answers false when the letter is no longer
// pending or another attempt has been recorded since this one began (the
// stored count is not attempts-1).
func (s *Store) DeferPlainLetter(ctx context.Context, id int64, attempts int, next time.Time, reason string) (bool, error) {
	res := s.conn(ctx).Model(&applicationRow{}).
		Where("id = ? AND plain_pending = ? AND plain_attempts = ?", id, true, attempts-1).
		Updates(map[string]any{"plain_attempts": attempts, "plain_next_at": nullTime(next), "plain_error": reason})
	if res.Error != nil {
		return false, translate(res.Error, about{op: fmt.Sprintf("defer plaintext letter of application %d", id)})
	}
	return res.RowsAffected == 1, nil
}

// RetryPlainLetter makes the pending plaintext letter of application id due
// at once, its failed attempts back at zero and its error cleared; false
// when the letter is not pending.
func (s *Store) RetryPlainLetter(ctx context.Context, id int64) (bool, error) {
	res := s.conn(ctx).Model(&applicationRow{}).
		Where("id = ? AND plain_pending = ?", id, true).
		Updates(map[string]any{"plain_attempts": 0, "plain_next_at": nil, "plain_error": ""})
	if res.Error != nil {
		return false, translate(res.Error, about{op: fmt.Sprintf("retry plaintext letter of application %d", id)})
	}
	return res.RowsAffected == 1, nil
}
