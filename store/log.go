package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm/logger"
)

// gormLogger passes gorm's messages to slog. Statements are logged with
// their placeholders and never their parameters (ParamsFilter drops them):
// slow ones as warnings, every one at debug level. Failed statements are not
// logged here: the store returns their errors, and the edge logs internal
// errors once.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

var _ logger.Interface = gormLogger{}

// LogMode is gorm's level switch; the slog handler's level rules instead.
func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

// Info logs gorm's own informational messages.
func (l gormLogger) Info(ctx context.Context, msg string, data ...any) {
	l.log.InfoContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

// Warn logs gorm's own warnings.
func (l gormLogger) Warn(ctx context.Context, msg string, data ...any) {
	l.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

// Error logs gorm's own errors (not those of statements).
func (l gormLogger) Error(ctx context.Context, msg string, data ...any) {
	l.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, data...))
}

// Trace logs a statement that was slow, or any at debug level.
func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	slow := l.slow > 0 && elapsed > l.slow
	if !slow && !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	sql, rows := fc()
	level, msg := slog.LevelDebug, "sql"
	if slow {
		level, msg = slog.LevelWarn, "slow sql"
	}
	l.log.Log(ctx, level, msg, "sql", sql, "rows", rows, "duration", elapsed, "failed", err != nil)
}

// ParamsFilter keeps statements' parameters out of the log.
func (gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
