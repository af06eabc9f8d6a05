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
// single writing connection: SQLite lets one writer in at a time, and a
// transaction that reads then writes on one connection while another
// connection writes fails at once with SQLITE_BUSY, which no busy timeout
// cures. With one writer every write and transaction of the process queues
// in database/sql instead. The price: inside WithTx, every store call must
// use the context WithTx passed, or a write waits for the connection the
// transaction holds.
//
// Reads outside a transaction go to a few more connections that are
// read-only (query_only): with the WAL journal they see every committed
// transaction and do not wait for the writer, so a console page, a download
// or a letter worker looking up its application does not queue behind the
// writes of a bid opening. A read inside a transaction stays in it, and sees
// its writes. An in-memory database has no readers: another connection
// would open another database.
//
// # MySQL
//
// MySQL (or MariaDB 10.5+) is reached with the go-sql-driver DSN; the store
// forces parseTime=true, loc=UTC, time_zone='+00:00' and clientFoundRows (so
// that an UPDATE reports the rows it matched, as SQLite does). Notices are
// leased with conditional updates, so several gateway instances may share
// one database.
package store
