package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"

	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestMigrate(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		current, latest, err := s.MigrationStatus(ctx)
		if err != nil {
			t.Fatalf("MigrationStatus: %v", err)
		}
		if latest < 1 || current != latest {
			t.Fatalf("after Migrate: got current %d, latest %d, want current == latest >= 1", current, latest)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if c, l, err := s.MigrationStatus(ctx); err != nil || c != current || l != latest {
			t.Fatalf("after second Migrate: got %d, %d, %v, want %d, %d, nil", c, l, err, current, latest)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

func TestMigrationStatusBeforeMigrate(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.DriverSQLite, filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	current, latest, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatalf("MigrationStatus: %v", err)
	}
	if current != 0 || latest < 1 {
		t.Fatalf("fresh database: got current %d, latest %d, want 0 and >= 1", current, latest)
	}
}

func TestOpenSQLiteMakesDirectory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "sub", "baohan.db")
	s, err := store.Open(ctx, store.DriverSQLite, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log next to the database (journal_mode WAL): %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ driver, dsn string }{
		{"postgres", "whatever"},
		{store.DriverSQLite, ""},
		{store.DriverMySQL, "not a dsn"},
		{store.DriverMySQL, "root:@tcp(127.0.0.1:1)/baohan"}, // nothing listens on port 1
	} {
		s, err := store.Open(ctx, tc.driver, tc.dsn)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q, %q): got no error", tc.driver, tc.dsn)
		}
	}
}

func TestLogHasNoParameters(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// Every statement counts as slow, so that both log paths run.
	s := storetest.SQLite(t, store.WithLogger(log), store.WithSlowThreshold(time.Nanosecond))
	ctx := context.Background()
	a := minimalApplication("jilin", "T001")
	a.BidderName = "SECRET-BIDDER"
	mustCreateApplication(t, s, a)
	d := &service.Document{ApplicationID: a.ID, Token: "SECRET-TOKEN", Data: []byte("SECRET-PDF")}
	if err := s.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDocumentByToken(ctx, "SECRET-TOKEN"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "INSERT INTO") || !strings.Contains(buf.String(), "slow sql") {
		t.Fatalf("log lacks the statements: %s", buf.String())
	}
	if strings.Contains(buf.String(), "SECRET") {
		t.Errorf("log shows a parameter:\n%s", buf.String())
	}
}

func TestMigrateConcurrently(t *testing.T) {
	// Instances starting at once against one database all succeed (they
	// take turns under a GET_LOCK). Goose alone let one instance see the
	// version table of another before its first row (1 run in 40 failed
	// with "missing zero version migration").
	dsn := os.Getenv(storetest.MySQLEnv)
	if dsn == "" {
		t.Skip(storetest.MySQLEnv + " not set: SQLite has one process per file")
	}
	ctx := context.Background()
	db := storetest.MySQLDatabase(t, dsn)
	var stores []*store.Store
	for range 3 {
		s, err := store.Open(ctx, store.DriverMySQL, db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	// Readiness probes look at the schema meanwhile: goose's first look
	// creates its version table, which must not race the migrations.
	errs := make(chan error, 2*len(stores))
	for _, s := range stores {
		go func() { errs <- s.Migrate(ctx) }()
		go func() {
			_, _, err := s.MigrationStatus(ctx)
			errs <- err
		}()
	}
	for range 2 * len(stores) {
		if err := <-errs; err != nil {
			t.Errorf("Migrate or MigrationStatus: %v", err)
		}
	}
	for _, s := range stores {
		if current, latest, err := s.MigrationStatus(ctx); err != nil || current != latest {
			t.Errorf("MigrationStatus: got %d, %d, %v, want current == latest", current, latest, err)
		}
	}
}

// TestMySQLDurabilityRead: the store reads the server's durability settings
// at Open; the test server (innodb_flush_log_at_trx_commit=1, no binary
// log) draws no warning, and the settings are read, not skipped.
func TestMySQLDurabilityRead(t *testing.T) {
	dsn := os.Getenv(storetest.MySQLEnv)
	if dsn == "" {
		t.Skip(storetest.MySQLEnv + " not set")
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := store.Open(context.Background(), store.DriverMySQL, storetest.MySQLDatabase(t, dsn), store.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if out := buf.String(); strings.Contains(out, "durability") {
		t.Errorf("Open logged about durability on a server flushing every commit:\n%s", out)
	}
}
