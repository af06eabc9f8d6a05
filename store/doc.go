// Package store keeps Baohan Gateway's data in SQLite or MySQL through gorm:
// it implements service.Store, returns service types (its gorm rows never
// leave the package), applies the versioned migrations embedded from
// migrations/, carries transactions in the context (WithTx) and translates
// database errors into the service's codes: a missing row is ENOTFOUND, a
// duplicate key or a stale version ECONFLICT, anything else an internal
// error.
//
// Both engines run the same queries on the same schema (written once per
// engine in migrations/sqlite and migrations/mysql). Money is int64 fen;
// times are stored in UTC at microsecond precision and come back in UTC, the
// zero time as NULL; maps and slices are JSON text.
//
// # SQLite
//
// The SQLite database is one file (WAL journal, foreign keys on) behind a
// single connection: SQLite lets one writer in at a time, and a transaction
// that reads then writes on one connection while another connection writes
// fails at once with SQLITE_BUSY, which no busy timeout cures. With one
// connection every statement and transaction of the process queues in
// database/sql instead, which suits the gateway's load of a few requests a
// second. The price: inside WithTx, every store call must use the context
// WithTx passed, or it waits for the connection the transaction holds.
//
// # MySQL
//
// MySQL (or MariaDB 10.5+) is reached with the go-sql-driver DSN; the store
// forces parseTime=true, loc=UTC, time_zone='+00:00' and clientFoundRows (so
// that an UPDATE reports the rows it matched, as SQLite does). Notices are
// leased with conditional updates, so several gateway instances may share
// one database.
package store
