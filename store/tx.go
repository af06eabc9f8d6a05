package store

import (
	"context"

	"gorm.io/gorm"
)

// txKey is the context key under which WithTx puts its transaction.
type txKey struct{}

// txValue is a transaction and the store it belongs to: a context carrying
// another store's transaction (two stores in one test) is not joined.
type txValue struct {
	store *Store
	tx    *gorm.DB
}

// WithTx runs fn in a transaction carried by the context it passes to fn:
// every store method called with that context (or one derived from it) runs
// in the transaction. A nested WithTx joins the outer transaction, so an
// error it returns must make the outer fn fail too, or the outer commit
// keeps the nested changes. fn's error, or its panic, rolls the transaction
// back; the error is returned as fn returned it and the panic goes on. fn
// must not use the transaction from several goroutines.
//
// On SQLite the transaction holds the only connection: a store call inside
// fn with a context that does not carry the transaction waits for it until
// its context ends.
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if v, ok := ctx.Value(txKey{}).(*txValue); ok && v.store == s {
		return fn(ctx)
	}
	tx := s.db.WithContext(ctx).Begin()
	if tx.Error != nil {
		return translate(tx.Error, about{op: "begin transaction"})
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked, or the commit failed
			tx.Rollback()
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, &txValue{store: s, tx: tx})); err != nil {
		return err
	}
	if err := tx.Commit().Error; err != nil {
		return translate(err, about{op: "commit"})
	}
	done = true
	return nil
}

// conn is the database handle for ctx: its transaction if WithTx put one
// there, the pool otherwise.
func (s *Store) conn(ctx context.Context) *gorm.DB { return s.handle(ctx, s.db) }

// reader is the database handle for a read with ctx: its transaction if
// WithTx put one there (a read inside a transaction sees its writes), else
// the readers, which on SQLite do not wait for the writer.
func (s *Store) reader(ctx context.Context) *gorm.DB { return s.handle(ctx, s.readDB) }

// handle is ctx's transaction if WithTx put one there, else pool.
func (s *Store) handle(ctx context.Context, pool *gorm.DB) *gorm.DB {
	if v, ok := ctx.Value(txKey{}).(*txValue); ok && v.store == s {
		return v.tx.WithContext(ctx)
	}
	return pool.WithContext(ctx)
}
