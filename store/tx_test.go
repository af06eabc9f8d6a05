package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestWithTx(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		exists := func(applyNo string) bool {
			t.Helper()
			_, err := s.GetApplicationByApplyNo(ctx, "jilin", applyNo)
			switch service.ErrorCode(err) {
			case "":
				return true
			case service.ENOTFOUND:
				return false
			}
			t.Fatalf("GetApplicationByApplyNo(%s): %v", applyNo, err)
			return false
		}

		t.Run("commit", func(t *testing.T) {
			err := s.WithTx(ctx, func(ctx context.Context) error {
				a := minimalApplication("jilin", "C1")
				if err := s.CreateApplication(ctx, a); err != nil {
					return err
				}
				// The transaction sees its own writes. (Using the outer
				// context here would wait forever on SQLite: see WithTx.)
				if _, err := s.GetApplication(ctx, a.ID); err != nil {
					t.Errorf("inside the transaction: %v", err)
				}
				return s.CreateNotice(ctx, &service.Notice{ApplicationID: a.ID, Status: service.NoticePending})
			})
			if err != nil {
				t.Fatalf("WithTx: %v", err)
			}
			if !exists("C1") {
				t.Error("committed application not visible")
			}
		})

		t.Run("rollback on error", func(t *testing.T) {
			boom := errors.New("boom")
			err := s.WithTx(ctx, func(ctx context.Context) error {
				if err := s.CreateApplication(ctx, minimalApplication("jilin", "R1")); err != nil {
					return err
				}
				return boom
			})
			if err != boom {
				t.Fatalf("got %v, want fn's error itself", err)
			}
			if exists("R1") {
				t.Error("rolled back application is visible")
			}
		})

		t.Run("rollback on panic", func(t *testing.T) {
			defer func() {
				if r := recover(); r != "kaboom" {
					t.Fatalf("got panic %v, want kaboom to go on", r)
				}
				if exists("P1") {
					t.Error("application of a panicked transaction is visible")
				}
				// The store still works: the connection went back to the pool.
				mustCreateApplication(t, s, minimalApplication("jilin", "P2"))
			}()
			_ = s.WithTx(ctx, func(ctx context.Context) error {
				if err := s.CreateApplication(ctx, minimalApplication("jilin", "P1")); err != nil {
					return err
				}
				panic("kaboom")
			})
		})

		t.Run("nested calls join", func(t *testing.T) {
			boom := errors.New("outer fails")
			err := s.WithTx(ctx, func(ctx context.Context) error {
				err := s.WithTx(ctx, func(ctx context.Context) error {
					return s.CreateApplication(ctx, minimalApplication("jilin", "N1"))
				})
				if err != nil {
					return err
				}
				// The inner call's write is in the outer transaction.
				if _, err := s.GetApplicationByApplyNo(ctx, "jilin", "N1"); err != nil {
					t.Errorf("nested write not visible in the outer transaction: %v", err)
				}
				return boom
			})
			if err != boom {
				t.Fatalf("got %v, want the outer error", err)
			}
			if exists("N1") {
				t.Error("the nested write survived the outer rollback")
			}
		})

		t.Run("a store error rolls back what came before", func(t *testing.T) {
			mustCreateApplication(t, s, minimalApplication("jilin", "D1"))
			err := s.WithTx(ctx, func(ctx context.Context) error {
				if err := s.CreateApplication(ctx, minimalApplication("jilin", "D2")); err != nil {
					return err
				}
				return s.CreateApplication(ctx, minimalApplication("jilin", "D1"))
			})
			wantCode(t, err, service.ECONFLICT)
			if exists("D2") {
				t.Error("D2 survived the failed transaction")
			}
		})
	})
}

func TestWithTxOfAnotherStore(t *testing.T) {
	ctx := context.Background()
	s1, s2 := storetest.SQLite(t), storetest.SQLite(t)
	boom := errors.New("boom")
	err := s1.WithTx(ctx, func(ctx context.Context) error {
		// s2 does not join s1's transaction (nor wait for its connection).
		if err := s2.CreateApplication(ctx, minimalApplication("jilin", "S2")); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("got %v, want boom", err)
	}
	if _, err := s2.GetApplicationByApplyNo(ctx, "jilin", "S2"); err != nil {
		t.Fatalf("s2's write was rolled back with s1's transaction: %v", err)
	}
}
