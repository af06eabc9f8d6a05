package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// maxCachedStmts bounds the statements a SQLite connection keeps prepared.
// The store issues a few dozen distinct statements; lists with IN (?, ?, …)
// make more, which take the place of others.
const maxCachedStmts = 128

// stmtCacheConnector opens SQLite connections that keep their statements
// prepared. database/sql prepares, runs and finalizes a statement for every
// query with arguments; SQLite's parsing and planning of it then costs as
// much as running it, and on the one writing connection every other write
// of the process waits meanwhile. A cached statement is reset after each
// use and prepared again by SQLite itself when the schema changes.
type stmtCacheConnector struct {
	dsn string
	drv *sqlite.Driver
}

// openSQLitePool returns a pool of SQLite connections to dsn that keep their
// statements prepared.
func openSQLitePool(dsn string) *sql.DB {
	return sql.OpenDB(stmtCacheConnector{dsn: dsn, drv: &sqlite.Driver{}})
}

func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("store: the sqlite driver's connection lacks the methods the statement cache needs")
	}
	return &stmtCacheConn{sqliteConn: inner, stmts: map[string]*cachedStmt{}}, nil
}

func (c stmtCacheConnector) Driver() driver.Driver { return c.drv }

// sqliteConn is what the driver's connection offers and database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtCacheConn is a connection with its prepared statements by SQL text.
// database/sql uses a connection from one goroutine at a time, so the map
// needs no lock.
type stmtCacheConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement; busy while rows read from it are
// open, when a second query of the same text prepares its own.
type cachedStmt struct {
	stmt sqliteStmt
	busy bool
}

// sqliteStmt is what the driver's prepared statements offer.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cached returns the prepared statement of query, preparing it when it is
// not cached yet; nil when it cannot be used now (busy, or not preparable as
// one reusable statement), and the caller runs query the ordinary way.
func (c *stmtCacheConn) cached(ctx context.Context, query string) *cachedStmt {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil
		}
		return cs
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil // the ordinary way reports the error
	}
	st, ok := ds.(sqliteStmt)
	if !ok {
		ds.Close()
		return nil
	}
	if len(c.stmts) >= maxCachedStmts {
		for q, old := range c.stmts {
			if !old.busy {
				old.stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	cs := &cachedStmt{stmt: st}
	c.stmts[query] = cs
	return cs
}

func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 { // BEGIN, COMMIT, pragmas, scripts: as they come
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	cs := c.cached(ctx, query)
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.ExecContext(ctx, args)
}

func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	cs := c.cached(ctx, query)
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	sr, ok := rows.(sqliteRows)
	if !ok { // not the driver this was written for: the statement stays busy
		return rows, nil
	}
	return &cachedRows{sqliteRows: sr, cs: cs}, nil
}

// Close finalizes the cached statements, then closes the connection.
func (c *stmtCacheConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// cachedRows frees its statement for the next query when closed. It passes
// on what the driver tells of the columns, as the driver's rows would.
type cachedRows struct {
	sqliteRows
	cs *cachedStmt
}

// sqliteRows is what the driver's rows offer.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

func (r *cachedRows) Close() error {
	r.cs.busy = false
	return r.sqliteRows.Close()
}
