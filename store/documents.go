package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// CreateDocument stores d and sets its ID and CreatedAt (now, unless set).
// ECONFLICT if its token is taken.
func (s *Store) CreateDocument(ctx context.Context, d *service.Document) error {
	insert := s.insertRow
	if s.driver == DriverMySQL {
		insert = s.insertDocumentPrepared
	}
	row := documentToRow(d)
	return s.create(ctx, insert, &row, stamps{id: &d.ID, createdAt: &d.CreatedAt}, about{
		op:       fmt.Sprintf("create document %s of application %d", d.Kind, d.ApplicationID),
		conflict: "文件下载令牌重复，请重试",
	})
}

// insertDocumentSQL is the one statement of the store written by hand; see
// insertDocumentPrepared.
const insertDocumentSQL = "INSERT INTO documents (application_id, kind, token, file_name, content_type, sm3, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

// insertDocumentPrepared inserts a document row on MySQL as a prepared
// statement, whatever the DSN's interpolateParams says. Interpolation (one
// round trip per statement, on by default: see mysqlConfig) would send a
// 100 KB letter as an escaped string literal inside the SQL text, which
// the server then lexes and unescapes byte by byte: in a bid-opening storm
// on MariaDB that was the largest single cost of the server's CPU
// (Lex_input_stream::get_text and unescape, about a quarter of its
// samples; the storm of 2,000 letters took 16.0 s, 12.1 s without it). A
// prepared statement sends the letter as a binary parameter. The pool's
// statement is prepared once, by Migrate or by the first insert outside a
// transaction, and then once per pooled connection (database/sql keeps it
// with the connection), so an insert is one round trip, as with
// interpolation.
//
// Preparing on the pool takes a connection of its own, so an insert in a
// transaction never does: before the pool's statement exists it prepares
// on the transaction's connection for that insert alone. (It once prepared
// on the pool while holding the transaction's connection: when the first
// letters of a process were issued by as many transactions as the pool has
// connections, each waited for a connection the others held, for ever.)
//
// It is an inserter (see create) of a *documentRow only.
func (s *Store) insertDocumentPrepared(ctx context.Context, doc newRow, ab about) error {
	row := doc.(*documentRow)
	begin := time.Now()
	var affected int64
	db := s.conn(ctx)
	err := func() error {
		var stmt *sql.Stmt
		var err error
		tx, inTx := db.Statement.ConnPool.(*sql.Tx)
		switch pooled := s.docStmt.ready(); {
		case !inTx:
			stmt, err = s.docStmt.prepare(ctx, s.sqlDB, insertDocumentSQL)
		case pooled != nil:
			stmt = tx.StmtContext(ctx, pooled) // prepared on this connection once, kept with it
			defer stmt.Close()
		default:
			stmt, err = tx.PrepareContext(ctx, insertDocumentSQL)
			if err == nil {
				defer stmt.Close()
			}
		}
		if err != nil {
			return err
		}
		res, err := stmt.ExecContext(ctx, row.ApplicationID, string(row.Kind), row.Token, row.FileName, row.ContentType,
			row.SM3, row.Size, row.Data, row.CreatedAt)
		if err != nil {
			return err
		}
		if affected, err = res.RowsAffected(); err != nil {
			return err
		}
		row.ID, err = res.LastInsertId()
		return err
	}()
	db.Logger.Trace(ctx, begin, func() (string, int64) { return insertDocumentSQL, affected }, err)
	if t, ok := db.Dialector.(gorm.ErrorTranslator); ok && err != nil {
		err = t.Translate(err)
	}
	return translate(err, ab)
}

// preparedOnce is a statement prepared on a pool when its table exists: not
// at Open, which may come before Migrate.
type preparedOnce struct {
	mu   sync.Mutex
	stmt *sql.Stmt
}

// ready is the statement, or nil if it has not been prepared.
func (p *preparedOnce) ready() *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stmt
}

// prepare returns the statement, preparing it on db if it has not been.
// Preparing takes a connection of db's: a caller holding one (in a
// transaction) must not call it. The lock is not held while preparing, so
// ready never waits for a connection; of two preparing at once, the second
// closes its own.
func (p *preparedOnce) prepare(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if stmt := p.ready(); stmt != nil {
		return stmt, nil
	}
	stmt, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmt != nil {
		stmt.Close()
		return p.stmt, nil
	}
	p.stmt = stmt
	return stmt, nil
}

func (p *preparedOnce) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmt == nil {
		return nil
	}
	err := p.stmt.Close()
	p.stmt = nil
	return err
}

// GetDocument returns the document with id and its data; ENOTFOUND if none.
func (s *Store) GetDocument(ctx context.Context, id int64) (*service.Document, error) {
	return s.getDocument(ctx, true, about{
		op:   fmt.Sprintf("get document %d", id),
		what: fmt.Sprintf("编号为 %d 的文件", id),
	}, "id = ?", id)
}

// GetDocumentByToken returns the document of a download token and its
// data; ENOTFOUND if none. The message does not repeat the token.
func (s *Store) GetDocumentByToken(ctx context.Context, token string) (*service.Document, error) {
	return s.getDocument(ctx, true, about{
		op:   "get document by token",
		what: "该链接对应的文件",
	}, "token = ?", token)
}

// FindDocumentBySM3 returns the (first stored) document whose SM3 digest is
// sm3, without its data: the verification page shows what it is, and its
// token leads to the content. ENOTFOUND if none.
func (s *Store) FindDocumentBySM3(ctx context.Context, sm3 string) (*service.Document, error) {
	return s.getDocument(ctx, false, about{
		op:   "find document by sm3 " + sm3,
		what: fmt.Sprintf("摘要（SM3）为 %s 的文件", sm3),
	}, "sm3 = ?", sm3)
}

func (s *Store) getDocument(ctx context.Context, withData bool, ab about, where string, args ...any) (*service.Document, error) {
	q := s.reader(ctx).Where(where, args...)
	if !withData {
		q = q.Omit("data")
	}
	var rows []documentRow
	if err := q.Order("id").Limit(1).Find(&rows).Error; err != nil {
		return nil, translate(err, ab)
	}
	if len(rows) == 0 {
		return nil, translate(gorm.ErrRecordNotFound, ab)
	}
	d := rows[0].toService()
	if withData && d.Data == nil {
		d.Data = []byte{} // an empty file, read with its (empty) content
	}
	return d, nil
}

// ListDocuments returns an application's documents, oldest first, without
// their data.
func (s *Store) ListDocuments(ctx context.Context, applicationID int64) ([]*service.Document, error) {
	return findAll(s.reader(ctx).Omit("data").Where("application_id = ?", applicationID).Order("id"),
		about{op: fmt.Sprintf("list documents of application %d", applicationID)}, infallible((*documentRow).toService))
}
