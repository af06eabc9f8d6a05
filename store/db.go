package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// The drivers Open knows.
const (
	DriverSQLite = "sqlite"
	DriverMySQL  = "mysql"
)

// Store is service.Store on a SQLite or MySQL database. It is safe for
// concurrent use.
type Store struct {
	db         *gorm.DB
	sqlDB      *sql.DB
	readDB     *gorm.DB // reads outside transactions: SQLite's readers, else db
	readSQL    *sql.DB  // readDB's pool when it has one of its own
	readFrom   string   // the SQLite DSN the readers open, until they are opened
	stopCkpt   func()   // stops the SQLite checkpointer (see checkpoints)
	driver     string
	now        func() time.Time
	log        *slog.Logger
	migrations *goose.Provider
	docStmt    preparedOnce // MySQL: the document insert (documents.go)
}

var _ service.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	log  *slog.Logger
	now  func() time.Time
	slow time.Duration
}

// WithLogger sends the store's messages to log: migrations applied, slow
// statements (warn) and, at debug level, every statement. Statements are
// logged with their placeholders, never with their parameters, which hold
// documents and personal data. Without it the store logs nothing.
func WithLogger(log *slog.Logger) Option {
	return func(o *options) { o.log = log }
}

// WithClock makes the store take the time it stamps rows with (CreatedAt
// when the caller left it zero, UpdatedAt) from now instead of time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithSlowThreshold sets how long a statement may take before it is logged
// as slow (default 500ms).
func WithSlowThreshold(d time.Duration) Option {
	return func(o *options) { o.slow = d }
}

// Open connects to the database: driver "sqlite" with a file path as dsn
// (data/baohan.db; its directory is created), or "mysql" with a
// go-sql-driver DSN (user:pass@tcp(host:3306)/baohan?charset=utf8mb4). It
// does not migrate: call Migrate.
func Open(ctx context.Context, driver, dsn string, opts ...Option) (*Store, error) {
	o := options{now: time.Now, slow: 500 * time.Millisecond}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	s := &Store{driver: driver, now: o.now, log: o.log}
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true, // multi-statement changes use WithTx
		Logger:                 gormLogger{log: o.log, slow: o.slow},
		NowFunc:                func() time.Time { return dbTime(o.now()) },
	}

	var (
		dialector gorm.Dialector
		dialect   goose.Dialect
		pool      *sql.DB // SQLite's, opened here
	)
	switch driver {
	case DriverSQLite:
		full, err := sqliteDSN(dsn)
		if err != nil {
			return nil, err
		}
		if !inMemory(full) {
			s.readFrom = full
		}
		if pool, err = sql.Open(sqlite.DriverName, full); err != nil {
			return nil, fmt.Errorf("store: sqlite: %w", err)
		}
		dialector, dialect = sqlite.New(sqlite.Config{Conn: pool}), goose.DialectSQLite3
	case DriverMySQL:
		mcfg, err := mysqlConfig(dsn)
		if err != nil {
			return nil, err
		}
		connector, err := mysqldriver.NewConnector(mcfg)
		if err != nil {
			return nil, fmt.Errorf("store: mysql: %w", err)
		}
		dialector = mysql.New(mysql.Config{Conn: sql.OpenDB(connector), DSNConfig: mcfg})
		dialect = goose.DialectMySQL
	default:
		return nil, fmt.Errorf("store: unknown database driver %q (want %q or %q)", driver, DriverSQLite, DriverMySQL)
	}

	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		if pool != nil {
			pool.Close()
		} else if db != nil { // gorm opened the pool before failing to use it
			if sqlDB, dbErr := db.DB(); dbErr == nil {
				sqlDB.Close()
			}
		}
		return nil, fmt.Errorf("store: open %s: %w", driver, err)
	}
	s.db = db
	if s.sqlDB, err = db.DB(); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", driver, err)
	}
	switch driver {
	case DriverSQLite:
		// One connection: see the package documentation.
		s.sqlDB.SetMaxOpenConns(1)
		s.sqlDB.SetMaxIdleConns(1)
		s.sqlDB.SetConnMaxLifetime(0)
	case DriverMySQL:
		// As many kept idle as may be open: with fewer, every burst
		// beyond them closed connections on release and opened new ones
		// (TCP, authentication, SET NAMES, time_zone, the document insert
		// prepared again): 433 connections opened in a 2,000-letter storm.
		// Idle ones still close after ConnMaxIdleTime.
		s.sqlDB.SetMaxOpenConns(mysqlMaxOpen)
		s.sqlDB.SetMaxIdleConns(mysqlMaxOpen)
		s.sqlDB.SetConnMaxLifetime(30 * time.Minute) // below any server wait_timeout
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s.readDB = s.db
	if s.readFrom != "" {
		if err := s.openReaders(cfg); err != nil {
			s.sqlDB.Close()
			return nil, err
		}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if driver == DriverMySQL {
		s.warnDurability(ctx)
	}
	if s.migrations, err = newMigrations(s.sqlDB, driver, dialect); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// mysqlMaxOpen is how many connections a MySQL store opens at most.
const mysqlMaxOpen = 20

// sqliteReaders is how many read-only connections a SQLite store keeps.
const sqliteReaders = 4

// openReaders opens the read-only connections of a SQLite store: with the
// WAL journal, readers see every committed transaction and run beside the
// one writer, so a console page or a letter worker looking something up
// does not queue behind the writes of a bid opening. They are query_only:
// nothing written ever goes through them, so the single-writer rule of the
// package documentation holds.
func (s *Store) openReaders(cfg *gorm.Config) error {
	path, query, _ := strings.Cut(s.readFrom, "?")
	values, err := url.ParseQuery(query)
	if err != nil {
		return fmt.Errorf("store: sqlite: %w", err)
	}
	values.Add("_pragma", "query_only(1)")
	values.Set("_txlock", "deferred")
	pool, err := sql.Open(sqlite.DriverName, path+"?"+values.Encode())
	if err != nil {
		return fmt.Errorf("store: open sqlite readers: %w", err)
	}
	db, err := gorm.Open(sqlite.New(sqlite.Config{Conn: pool}), cfg)
	if err != nil {
		pool.Close()
		return fmt.Errorf("store: open sqlite readers: %w", err)
	}
	if s.readSQL, err = db.DB(); err != nil {
		return fmt.Errorf("store: open sqlite readers: %w", err)
	}
	s.readSQL.SetMaxOpenConns(sqliteReaders)
	s.readSQL.SetMaxIdleConns(sqliteReaders)
	s.readSQL.SetConnMaxLifetime(0)
	s.readDB = db
	stop, stopped := make(chan struct{}), make(chan struct{})
	go s.checkpoints(stop, stopped)
	s.stopCkpt = func() {
		close(stop)
		<-stopped
	}
	return nil
}

// checkpointEvery is how often a SQLite store folds its WAL back into the
// database file.
const checkpointEvery = 200 * time.Millisecond

// checkpoints folds the WAL back into the database file every
// checkpointEvery, with a passive checkpoint on a reader, until stop is
// closed. Left to the writer (SQLite's default, every 1000 pages), the
// folding and its two fsyncs happen inside some commit, while every other
// write of the process waits for the one writing connection; at a bid
// opening that is a good part of the writer's time. A passive checkpoint
// takes no lock that writers or readers wait for. Should the WAL grow to
// 10000 pages all the same, the writer checkpoints as before.
func (s *Store) checkpoints(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, _, err := s.checkpoint(ctx); err != nil {
			s.log.Warn("sqlite checkpoint failed; the writer will checkpoint when the WAL reaches 10000 pages", "error", err)
		}
		cancel()
	}
}

// checkpoint runs one passive checkpoint and returns the WAL's frames and
// how many of them are in the database file now.
func (s *Store) checkpoint(ctx context.Context) (frames, folded int, err error) {
	var busy int
	err = s.readSQL.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &folded)
	return frames, folded, err
}

// inMemory reports whether a SQLite DSN names an in-memory database, which
// another connection would not share.
func inMemory(dsn string) bool {
	path, query, _ := strings.Cut(dsn, "?")
	values, _ := url.ParseQuery(query)
	return strings.TrimPrefix(path, "file:") == ":memory:" || values.Get("mode") == "memory"
}

// sqliteDSN makes the directory of the database file and adds the
// connection settings the store relies on to dsn, unless dsn sets them.
func sqliteDSN(dsn string) (string, error) {
	path, query, _ := strings.Cut(dsn, "?")
	if path == "" {
		return "", fmt.Errorf("store: sqlite: empty database path")
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("store: sqlite: %w", err)
	}
	if file := strings.TrimPrefix(path, "file:"); file != ":memory:" && values.Get("mode") != "memory" {
		if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
			return "", fmt.Errorf("store: sqlite: %w", err)
		}
	}
	for _, p := range []struct{ name, pragma string }{
		{"journal_mode", "journal_mode(WAL)"},   // readers do not block the writer
		{"foreign_keys", "foreign_keys(1)"},     // off by default in SQLite
		{"synchronous", "synchronous(FULL)"},    // every commit on disk before its answer (see durability.go)
		{"busy_timeout", "busy_timeout(10000)"}, // another process (a backup) holding the lock
		// The readers fold the WAL back into the database file (see
		// checkpoints); the writer does it only if they fall behind.
		{"wal_autocheckpoint", "wal_autocheckpoint(10000)"},
	} {
		if !hasPragma(values, p.name) {
			values.Add("_pragma", p.pragma)
		}
	}
	set := func(key, value string) {
		if !values.Has(key) {
			values.Set(key, value)
		}
	}
	set("_txlock", "immediate") // take the write lock at BEGIN: no lock upgrade failing mid-transaction
	set("_timezone", "UTC")
	set("_time_format", "sqlite")
	set("_texttotime", "1") // DATETIME columns come back as time.Time
	set("_inttotime", "1")
	return path + "?" + values.Encode(), nil
}

func hasPragma(values url.Values, name string) bool {
	for _, p := range values["_pragma"] {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), name) {
			return true
		}
	}
	return false
}

// mysqlConfig parses dsn and forces what the store relies on: times parsed
// as UTC, the session in UTC, UPDATE counting matched rows.
func mysqlConfig(dsn string) (*mysqldriver.Config, error) {
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: mysql DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	// Arguments go into the statement text on the client (escaped, safe
	// with utf8mb4, which the schema needs anyway; the driver refuses it
	// with the multibyte charsets where escaping is unsafe): one round trip
	// per statement instead of prepare, execute and close. baohanapply on
	// MariaDB: +15 to +60 % (BENCHMARKS.md). A DSN that says
	// interpolateParams=false keeps the server-side prepared statements.
	if !strings.Contains(dsn, "interpolateParams=") {
		cfg.InterpolateParams = true
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return cfg, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.stopCkpt != nil {
		s.stopCkpt()
		s.stopCkpt = nil
	}
	err := errors.Join(s.docStmt.close(), s.sqlDB.Close())
	if s.readSQL != nil {
		err = errors.Join(err, s.readSQL.Close())
	}
	return err
}

// Ping checks that the database answers, to its readers too.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.driver, err)
	}
	if s.readSQL != nil {
		if err := s.readSQL.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping %s readers: %w", s.driver, err)
		}
	}
	return nil
}

// timestamp is the store's now, as stored.
func (s *Store) timestamp() time.Time {
	return dbTime(s.now())
}

// DB returns the underlying connection pool, for its statistics (metrics);
// callers must not use it to bypass the store.
func (s *Store) DB() (*sql.DB, error) {
	if s.sqlDB == nil {
		return nil, errors.New("store: no connection pool")
	}
	return s.sqlDB, nil
}
