package store

import (
	"context"
	"fmt"
	"time"

	"github.com/baohangateway/baohan/service"
)

// CreateSession inserts sess and sets its ID.
func (s *Store) CreateSession(ctx context.Context, sess *service.Session) error {
	row := sessionToRow(sess)
	return s.create(ctx, s.insertRow, &row, stamps{id: &sess.ID},
		about{op: fmt.Sprintf("create session of officer %d", sess.OfficerID)})
}

// GetSession returns the session whose token has tokenHash; ENOTFOUND if
// none. Neither the hash nor the token appears in its errors.
func (s *Store) GetSession(ctx context.Context, tokenHash string) (*service.Session, error) {
	return take(ctx, s, about{op: "get session", what: "登录会话"}, infallible((*sessionRow).toService), "token_hash = ?", tokenHash)
}

// TouchSession records a use of the session at seen.
func (s *Store) TouchSession(ctx context.Context, id int64, seen time.Time) error {
	err := s.conn(ctx).Model(&sessionRow{}).Where("id = ?", id).Update("last_seen_at", dbTime(seen)).Error
	return translate(err, about{op: fmt.Sprintf("touch session %d", id)})
}

// DeleteSession removes the session with id, if it is there.
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	err := s.conn(ctx).Where("id = ?", id).Delete(&sessionRow{}).Error
	return translate(err, about{op: fmt.Sprintf("delete session %d", id)})
}

// DeleteOfficerSessions removes the officer's sessions but keep (0: all).
func (s *Store) DeleteOfficerSessions(ctx context.Context, officerID, keep int64) error {
	err := s.conn(ctx).Where("officer_id = ? AND id <> ?", officerID, keep).Delete(&sessionRow{}).Error
	return translate(err, about{op: fmt.Sprintf("delete sessions of officer %d", officerID)})
}

// DeleteSessionsBefore removes the sessions that expired before t or were
// last used before idle.
func (s *Store) DeleteSessionsBefore(ctx context.Context, t, idle time.Time) error {
	err := s.conn(ctx).Where("expires_at < ? OR last_seen_at < ?", dbTime(t), dbTime(idle)).Delete(&sessionRow{}).Error
	return translate(err, about{op: "delete ended sessions"})
}
