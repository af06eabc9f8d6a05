package store

import (
	"context"
	"fmt"
)

// Durability: the gateway answers a platform request only after the
// transaction that records it has committed (service: once, WithTx), and a
// commit is durable when the engine has written it to disk before it
// returns. That is a setting of the engine:
//
//   - SQLite: synchronous(FULL), set by sqliteDSN. With the WAL journal,
//     NORMAL would only sync at checkpoints, and a power cut (not a process
//     crash) could lose requests already answered with code 1. A DSN may
//     still say otherwise; it is then the operator's choice.
//   - MySQL/MariaDB: innodb_flush_log_at_trx_commit=1 and, when the binary
//     log is on (replication, point-in-time recovery), sync_binlog=1. These
//     are the server's; the store does not change them but logs a warning
//     at start-up for each that does not hold (warnDurability), so that a
//     tuned-for-speed server is a visible, documented choice
//     (docs/operations.md, "Durability").

// warnDurability reads the MySQL server's durability settings and logs a
// warning for each that lets a committed transaction be lost. A server
// that does not answer (a MySQL-compatible database without these
// variables) is logged at info level and not refused.
func (s *Store) warnDurability(ctx context.Context) {
	var flush, logBin, syncBinlog int64
	err := s.sqlDB.QueryRowContext(ctx, "SELECT @@innodb_flush_log_at_trx_commit, @@log_bin, @@sync_binlog").Scan(&flush, &logBin, &syncBinlog)
	if err != nil {
		s.log.InfoContext(ctx, "durability settings of the database server not read", "err", err)
		return
	}
	for _, w := range durabilityWarnings(flush, logBin != 0, syncBinlog) {
		s.log.WarnContext(ctx, "durability: "+w)
	}
}

// durabilityWarnings says what a MySQL server with these settings may lose.
func durabilityWarnings(flushLogAtTrxCommit int64, logBin bool, syncBinlog int64) []string {
	var ws []string
	if flushLogAtTrxCommit != 1 {
		ws = append(ws, fmt.Sprintf("innodb_flush_log_at_trx_commit=%d: a crash of the database server's machine may lose "+
			"about the last second of commits, requests the platform was already answered code 1 for; set it to 1", flushLogAtTrxCommit))
	}
	if logBin && syncBinlog != 1 {
		ws = append(ws, fmt.Sprintf("sync_binlog=%d with the binary log on: a crash of the database server's machine may lose "+
			"commits from the binary log that the replicas and point-in-time recovery rely on; set it to 1", syncBinlog))
	}
	return ws
}
