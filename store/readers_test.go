package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
)

// openSQLite opens and migrates a SQLite store at path.
func openSQLite(t *testing.T, dsn string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, DriverSQLite, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSQLiteReaders: reads outside a transaction do not wait for the one
// writing connection, see what was committed, cannot write, and a read
// inside a transaction sees the transaction's writes.
func TestSQLiteReaders(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "baohan.db"))
	ctx := context.Background()
	a := &service.Application{Platform: "jilin", ApplyNo: "T001", State: service.StateReceived, BidderName: "甲公司"}
	if err := s.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	err := s.WithTx(ctx, func(txCtx context.Context) error {
		a.BidderName = "乙公司"
		if err := s.UpdateApplication(txCtx, a); err != nil {
			return err
		}
		// The transaction holds the writer. With one connection for all,
		// this read would wait for it until its context ended.
		readCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		outside, err := s.GetApplication(readCtx, a.ID)
		if err != nil {
			t.Fatalf("read outside the transaction: %v", err)
		}
		if outside.BidderName != "甲公司" {
			t.Errorf("outside the transaction: %q, want the committed 甲公司", outside.BidderName)
		}
		inside, err := s.GetApplication(txCtx, a.ID)
		if err != nil {
			return err
		}
		if inside.BidderName != "乙公司" {
			t.Errorf("inside the transaction: %q, want its own write 乙公司", inside.BidderName)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetApplication(ctx, a.ID)
	if err != nil || got.BidderName != "乙公司" {
		t.Fatalf("after the commit: %+v, %v; want 乙公司", got, err)
	}
	if err := s.readDB.WithContext(ctx).Exec("DELETE FROM applications").Error; err == nil {
		t.Error("a reader deleted rows: readers must be read-only")
	}
	if s.readSQL == nil || s.readSQL.Stats().MaxOpenConnections != sqliteReaders {
		t.Errorf("readers: %+v", s.readSQL)
	}
}

func TestSQLiteInMemoryHasNoReaders(t *testing.T) {
	s := openSQLite(t, "file:readers?mode=memory&cache=private")
	if s.readSQL != nil || s.readDB != s.db {
		t.Error("an in-memory database got readers of its own, which would see another database")
	}
	ctx := context.Background()
	a := &service.Application{Platform: "jilin", ApplyNo: "T001", State: service.StateReceived}
	if err := s.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetApplication(ctx, a.ID); err != nil {
		t.Errorf("reading back from memory: %v", err)
	}
}

// TestSQLiteCheckpoints: while a SQLite store writes, its WAL is folded back
// into the database file without the writer doing it, and stays far below
// the writer's own threshold.
func TestSQLiteCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "baohan.db")
	s := openSQLite(t, path)
	ctx := context.Background()
	a := &service.Application{Platform: "jilin", ApplyNo: "T001", State: service.StateReceived}
	if err := s.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	dbSize := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := dbSize()
	letter := bytes.Repeat([]byte("%PDF-1.7 "), 8<<10) // 72 KiB, 18 pages
	for i := range 100 {
		doc := &service.Document{ApplicationID: a.ID, Kind: service.DocPlainLetter, Token: fmt.Sprintf("tok%03d", i), SM3: "ab", Data: letter}
		if err := s.CreateDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	// 1,800 pages went through the WAL, below the writer's 10,000: only the
	// checkpointer can have put them into the file. Wait for it.
	for deadline := time.Now().Add(30 * time.Second); dbSize()-before < 100*int64(len(letter)); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("database file grew by %d bytes in 30 s, want the %d of the letters", dbSize()-before, 100*len(letter))
		}
	}
	frames, folded, err := s.checkpoint(ctx)
	if err != nil || folded != frames {
		t.Errorf("after the checkpoints: %d of %d frames folded, %v", folded, frames, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
