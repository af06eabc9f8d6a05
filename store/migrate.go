package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/pressly/goose/v3"
)

// migrationFiles are the schema's versions, one directory per engine.
//
//go:embed migrations/sqlite/*.sql migrations/mysql/*.sql
var migrationFiles embed.FS

// newMigrations makes the goose provider of the driver's migrations. It
// reads and checks the embedded files, but does not touch the database.
func newMigrations(db *sql.DB, driver string, dialect goose.Dialect) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationFiles, path.Join("migrations", driver))
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	// No goose session locker: goose checks for pending migrations, and may
	// create its version table, before it takes the lock; Migrate and
	// MigrationStatus hold the lock around the whole of it instead.
	p, err := goose.NewProvider(dialect, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies the migrations the database has not had yet. It is safe
// to call on every start, and by several instances at once on MySQL.
func (s *Store) Migrate(ctx context.Context) error {
	var results []*goose.MigrationResult
	err := s.withMigrationLock(ctx, migrateLockWait, func() error {
		var err error
		results, err = s.migrations.Up(ctx)
		return err
	})
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		results = partial.Applied
	}
	for _, r := range results {
		s.log.InfoContext(ctx, "migration applied", "driver", s.driver,
			"version", r.Source.Version, "file", path.Base(r.Source.Path), "duration", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", s.driver, err)
	}
	if s.driver == DriverMySQL {
		// The documents table exists now: prepare its insert on the pool
		// while no transaction holds a connection (insertDocumentPrepared).
		if _, err := s.docStmt.prepare(ctx, s.sqlDB, insertDocumentSQL); err != nil {
			return fmt.Errorf("store: prepare the document insert: %w", err)
		}
	}
	return nil
}

// MigrationStatus reports the schema version of the database and the
// latest version this binary knows: a readiness probe wants them equal. A
// database never migrated reports 0 (goose creates its empty version table
// on the way).
func (s *Store) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	err = s.withMigrationLock(ctx, statusLockWait, func() error {
		var err error
		current, latest, err = s.migrations.GetVersions(ctx)
		return err
	})
	if err != nil {
		return current, latest, fmt.Errorf("store: migration status: %w", err)
	}
	return current, latest, nil
}

// How long Migrate and MigrationStatus wait for another instance's
// migration.
const (
	migrateLockWait = 5 * time.Minute
	statusLockWait  = 5 * time.Second
)

// migrationLockName names the lock per database (a MySQL server may hold
// several gateways' databases); the hash keeps it within 64 characters.
const migrationLockName = "CONCAT('baohan_migrate_', SHA1(DATABASE()))"

// withMigrationLock runs fn holding the MySQL migration lock, so that gateway
// instances starting at once against one database look at and migrate the
// schema one after the other: goose's first look creates its version table
// and then inserts its first row, two steps that another instance must not
// see between. The lock (GET_LOCK) belongs to a connection of its own, so a
// crashed instance releases it. SQLite has one process per file: fn runs
// as it is.
func (s *Store) withMigrationLock(ctx context.Context, wait time.Duration, fn func() error) error {
	if s.driver != DriverMySQL {
		return fn()
	}
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer conn.Close()
	var got sql.NullInt64
	q := fmt.Sprintf("SELECT GET_LOCK(%s, %d)", migrationLockName, int(wait.Seconds()))
	if err := conn.QueryRowContext(ctx, q).Scan(&got); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if got.Int64 != 1 {
		return fmt.Errorf("take the migration lock: another instance has been migrating for %s", wait)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK("+migrationLockName+")"); err != nil {
			// Closing the session releases it: drop the connection
			// instead of returning it to the pool.
			s.log.Error("releasing the migration lock; dropping its connection", "error", err)
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn()
}
