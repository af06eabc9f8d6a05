package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"

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
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if driver == DriverMySQL {
		opts = append(opts, goose.WithSessionLocker(mysqlMigrationLock{}))
	}
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies the migrations the database has not had yet. It is safe
// to call on every start, and by several instances at once on MySQL.
func (s *Store) Migrate(ctx context.Context) error {
	results, err := s.migrations.Up(ctx)
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
	return nil
}

// MigrationStatus reports the schema version of the database and the
// latest version this binary knows: a readiness probe wants them equal. A
// database never migrated reports 0 (goose creates its empty version table
// on the way).
func (s *Store) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	current, latest, err = s.migrations.GetVersions(ctx)
	if err != nil {
		return current, latest, fmt.Errorf("store: migration status: %w", err)
	}
	return current, latest, nil
}

// mysqlMigrationLock makes gateway instances that start at once against one
// MySQL database migrate one after the other. GET_LOCK belongs to the
// connection goose migrates on, so a crashed instance releases it.
type mysqlMigrationLock struct{}

// migrationLockName names the lock per database (a MySQL server may hold
// several gateways' databases); the hash keeps it within 64 characters.
const migrationLockName = "CONCAT('baohan_migrate_', SHA1(DATABASE()))"

// SessionLock waits up to five minutes for the lock.
func (mysqlMigrationLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+migrationLockName+", 300)").Scan(&got); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if got.Int64 != 1 {
		return errors.New("take the migration lock: another instance has been migrating for five minutes")
	}
	return nil
}

// SessionUnlock releases the lock.
func (mysqlMigrationLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "DO RELEASE_LOCK("+migrationLockName+")"); err != nil {
		return fmt.Errorf("release the migration lock: %w", err)
	}
	return nil
}
