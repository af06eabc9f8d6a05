package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// cacheOf returns the statement cache of conn.
func cacheOf(t *testing.T, conn *sql.Conn) map[string]*cachedStmt {
	t.Helper()
	var stmts map[string]*cachedStmt
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stmtCacheConn)
		if !ok {
			return fmt.Errorf("connection is %T, want *stmtCacheConn", dc)
		}
		stmts = c.stmts
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return stmts
}

func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	full, err := sqliteDSN(filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	db := openSQLitePool(full)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	if err := exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO t (id, name) VALUES (?, ?)"
	for i := 1; i <= 3; i++ {
		if err := exec(insert, i, fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(cacheOf(t, conn)); n != 1 {
		t.Errorf("%d statements cached after one statement run three times, want 1", n)
	}

	// A failing run leaves the statement usable.
	if err := exec(insert, 4, "n1"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("duplicate name: %v, want a UNIQUE failure", err)
	}
	if err := exec(insert, 4, "n4"); err != nil {
		t.Fatalf("the statement after a failure: %v", err)
	}

	// The same query while its rows are still open: a statement of its own.
	const sel = "SELECT id, name FROM t WHERE id >= ? ORDER BY id"
	outer, err := conn.QueryContext(ctx, sel, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var id int
		var name string
		if err := outer.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		var inner []int
		rows, err := conn.QueryContext(ctx, sel, 3)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id2 int
			var name2 string
			if err := rows.Scan(&id2, &name2); err != nil {
				t.Fatal(err)
			}
			inner = append(inner, id2)
		}
		rows.Close()
		got = append(got, fmt.Sprint(id, name, inner))
		if len(got) > 4 {
			t.Fatalf("the outer rows did not end: %v", got)
		}
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "[1n1[3 4] 2n2[3 4] 3n3[3 4] 4n4[3 4]]"; fmt.Sprint(got) != want {
		t.Errorf("nested queries: %v, want %v", got, want)
	}
	if cs := cacheOf(t, conn)[sel]; cs == nil || cs.busy {
		t.Errorf("the query's statement after its rows closed: %+v, want cached and free", cs)
	}

	// A schema change: SQLite prepares the cached statement again.
	if err := exec("ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT 'x'"); err != nil {
		t.Fatal(err)
	}
	var note string
	if err := conn.QueryRowContext(ctx, "SELECT note FROM t WHERE id = ?", 2).Scan(&note); err != nil || note != "x" {
		t.Fatalf("after ALTER TABLE: %q, %v", note, err)
	}
	if err := exec(insert, 5, "n5"); err != nil {
		t.Fatalf("cached insert after ALTER TABLE: %v", err)
	}

	// The cache is bounded.
	for i := range maxCachedStmts + 20 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) + %d FROM t WHERE id > ?", i), 0).Scan(&n); err != nil || n != 5+i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if n := len(cacheOf(t, conn)); n > maxCachedStmts {
		t.Errorf("%d statements cached, want at most %d", n, maxCachedStmts)
	}
}
