// Package storetest gives tests a fresh, migrated store on every engine:
// SQLite always, MySQL too when BAOHAN_TEST_MYSQL_DSN is set. Its helpers
// fail the test themselves and clean up after it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/baohangateway/baohan/store"
)

// MySQLEnv names the environment variable holding the DSN of a MySQL (or
// MariaDB) server for the tests, without a database name, e.g.
// root:@tcp(127.0.0.1:3306)/?parseTime=true&charset=utf8mb4. Each store gets
// a database of its own there, dropped when its test ends.
const MySQLEnv = "BAOHAN_TEST_MYSQL_DSN"

// Engine is a fresh store on one database engine.
type Engine struct {
	Name  string // "sqlite" or "mysql"
	Store *store.Store
}

// Engines returns a fresh, migrated store on SQLite and, when MySQLEnv is
// set, on MySQL. A set but unreachable MySQL fails the test: it is not
// skipped.
func Engines(tb testing.TB) []Engine {
	tb.Helper()
	engines := []Engine{{Name: store.DriverSQLite, Store: SQLite(tb)}}
	if dsn := os.Getenv(MySQLEnv); dsn != "" {
		engines = append(engines, Engine{Name: store.DriverMySQL, Store: MySQL(tb, dsn)})
	}
	return engines
}

// ForEach runs fn as a subtest per engine ("sqlite", "mysql"), each with a
// fresh, migrated store of its own.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run(store.DriverSQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	if dsn := os.Getenv(MySQLEnv); dsn != "" {
		t.Run(store.DriverMySQL, func(t *testing.T) { fn(t, MySQL(t, dsn)) })
	}
}

// SQLite returns a migrated store on a new SQLite file in tb.TempDir(),
// closed when the test ends.
func SQLite(tb testing.TB, opts ...store.Option) *store.Store {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "baohan.db")
	return open(tb, store.DriverSQLite, path, opts)
}

// MySQL creates a database baohan_test_<random> on the server of dsn (a
// DSN without database name), returns a migrated store on it, and closes
// the store and drops the database when the test ends.
func MySQL(tb testing.TB, dsn string, opts ...store.Option) *store.Store {
	tb.Helper()
	return open(tb, store.DriverMySQL, MySQLDatabase(tb, dsn), opts) // closed before the database is dropped
}

// MySQLDatabase creates an empty database baohan_test_<random> on the
// server of dsn (a DSN without database name), drops it when the test ends,
// and returns the DSN of that database: for tests of what happens before
// Migrate.
func MySQLDatabase(tb testing.TB, dsn string) string {
	tb.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatalf("%s: %v", MySQLEnv, err)
	}
	admin := openAdmin(tb, cfg)
	name := "baohan_test_" + strings.ToLower(rand.Text()[:12])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		tb.Fatalf("create test database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE `"+name+"`"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	cfg = cfg.Clone()
	cfg.DBName = name
	return cfg.FormatDSN()
}

// openAdmin connects to the MySQL server of cfg without a database.
func openAdmin(tb testing.TB, cfg *mysql.Config) *sql.DB {
	tb.Helper()
	cfg = cfg.Clone()
	cfg.DBName = ""
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		tb.Fatalf("%s: %v", MySQLEnv, err)
	}
	db := sql.OpenDB(connector)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		tb.Fatalf("%s is set but MySQL does not answer: %v", MySQLEnv, err)
	}
	return db
}

// open opens and migrates a store, closed when the test ends.
func open(tb testing.TB, driver, dsn string, opts []store.Option) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, driver, dsn, opts...)
	if err != nil {
		tb.Fatalf("open %s store: %v", driver, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close %s store: %v", driver, err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s store: %v", driver, err)
	}
	return s
}
