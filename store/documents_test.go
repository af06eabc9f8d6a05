package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestDocuments(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("jilin", "T001"))
		data := bytes.Repeat([]byte("%PDF-1.7\x00\xff\x01binary"), 40000) // ~680 KB with NULs and high bytes
		d := &service.Document{
			ApplicationID: app.ID,
			Kind:          service.DocCipherLetter,
			Token:         "Tok-CaseSensitive",
			FileName:      "保函-T001.pdf",
			ContentType:   "application/pdf",
			SM3:           "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
			Size:          int64(len(data)),
			Data:          data,
			CreatedAt:     at(1, 11, 0),
		}
		allSet(t, d, "ID")
		want := stored(d)
		if err := s.CreateDocument(ctx, d); err != nil {
			t.Fatalf("CreateDocument: %v", err)
		}
		want.ID = d.ID

		got, err := s.GetDocument(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, want)
		got, err = s.GetDocumentByToken(ctx, "Tok-CaseSensitive")
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, want)

		// Listed and found by digest without the data.
		meta := *want
		meta.Data = nil
		list, err := s.ListDocuments(ctx, app.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("ListDocuments: got %d, %v, want 1", len(list), err)
		}
		sameFields(t, list[0], &meta)
		found, err := s.FindDocumentBySM3(ctx, d.SM3)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, found, &meta)

		// A second document, empty.
		empty := &service.Document{ApplicationID: app.ID, Kind: service.DocInvoice, Token: "tok-2", SM3: "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"}
		if err := s.CreateDocument(ctx, empty); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetDocument(ctx, empty.ID); err != nil || got.Data == nil || len(got.Data) != 0 {
			t.Fatalf("empty document: got %v, %v, want empty non-nil data", got, err)
		}
		if list, _ := s.ListDocuments(ctx, app.ID); len(list) != 2 || list[0].ID != d.ID || list[1].ID != empty.ID {
			t.Fatalf("ListDocuments: got %v, want both, oldest first", list)
		}
		if list, err := s.ListDocuments(ctx, 424242); err != nil || len(list) != 0 {
			t.Fatalf("ListDocuments of no application: got %v, %v", list, err)
		}

		// Tokens are compared byte for byte, and unique.
		for _, token := range []string{"tok-casesensitive", "", "nope"} {
			_, err := s.GetDocumentByToken(ctx, token)
			if e := wantCode(t, err, service.ENOTFOUND); e.Message != "未找到该链接对应的文件" {
				t.Errorf("token %q: got message %q", token, e.Message)
			}
		}
		dup := &service.Document{ApplicationID: app.ID, Kind: service.DocInvoice, Token: "tok-2"}
		wantCode(t, s.CreateDocument(ctx, dup), service.ECONFLICT)
		_, err = s.GetDocument(ctx, 424242)
		wantCode(t, err, service.ENOTFOUND)
		_, err = s.FindDocumentBySM3(ctx, "00")
		if e := wantCode(t, err, service.ENOTFOUND); e.Message != "未找到摘要（SM3）为 00 的文件" {
			t.Errorf("got message %q", e.Message)
		}
	})
}

func TestInvoices(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("jilin", "T001"))
		inv := &service.Invoice{
			ApplicationID: app.ID,
			Request: service.InvoiceRequest{
				Origin: service.Origin{Platform: "jilin", PlatformCode: "JL", ApplyNo: "T001"}, BaohanNo: "BH-T001",
				BidderName: "吉林省建设集团有限公司", BidderCode: "91220000123456789X", Amount: "100.00", Type: "1",
				Address: "长春市", Phone: "0431-1234567", Bank: "吉林银行", Account: "0712345678",
				Email: "a@example.com", Mobile: "13800000000", ContactName: "李四", ContactAddress: "长春市人民大街 1 号",
			},
			Amount:      10000,
			Status:      service.InvoiceIssued,
			InvoiceCode: "2200000000",
			InvoiceNo:   "01234567",
			DocumentID:  77,
			IssuedAt:    at(3, 9, 0),
			CreatedAt:   at(2, 9, 0),
		}
		allSet(t, inv, "ID")
		allSet(t, &inv.Request)
		want := stored(inv)
		if err := s.CreateInvoice(ctx, inv); err != nil {
			t.Fatalf("CreateInvoice: %v", err)
		}
		want.ID = inv.ID
		got, err := s.GetInvoiceByApplication(ctx, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, want)

		// One invoice request per application.
		e := wantCode(t, s.CreateInvoice(ctx, &service.Invoice{ApplicationID: app.ID, Request: service.InvoiceRequest{Origin: service.Origin{ApplyNo: "T001"}}}), service.ECONFLICT)
		if e.Message != "业务流水号 T001 已有发票申请" {
			t.Errorf("got message %q", e.Message)
		}

		// Update writes every field, zero values included.
		upd := &service.Invoice{ID: inv.ID, ApplicationID: app.ID, Status: service.InvoiceRefused, CreatedAt: inv.CreatedAt}
		if err := s.UpdateInvoice(ctx, upd); err != nil {
			t.Fatalf("UpdateInvoice: %v", err)
		}
		got, err = s.GetInvoiceByApplication(ctx, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameFields(t, got, upd)

		wantCode(t, s.UpdateInvoice(ctx, &service.Invoice{ID: 424242}), service.ENOTFOUND)
		_, err = s.GetInvoiceByApplication(ctx, 424242)
		wantCode(t, err, service.ENOTFOUND)
	})
}

func TestClaims(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("jilin", "T001"))
		c := &service.Claim{
			ApplicationID: app.ID,
			PayeeAccount:  "0712345678901234",
			Amount:        2000012,
			FileList:      `[{"name":"索赔函.pdf","url":"https://example.com/f/1"}]`,
			ContactName:   "王五",
			ContactPhone:  "13900000000",
			Reason:        "中标后拒签合同",
			Status:        service.ClaimPaid,
			PaidAmount:    2000012,
			PaidAt:        at(15, 10, 0),
			PaidBy:        "checker1",
			PaymentRef:    "PAY-0001",
			CreatedAt:     at(14, 10, 0),
		}
		allSet(t, c, "ID")
		want := stored(c)
		if err := s.CreateClaim(ctx, c); err != nil {
			t.Fatalf("CreateClaim: %v", err)
		}
		want.ID = c.ID
		second := &service.Claim{ApplicationID: app.ID, Amount: 1, Status: service.ClaimPending}
		if err := s.CreateClaim(ctx, second); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListClaims(ctx, app.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("ListClaims: got %d, %v, want 2", len(list), err)
		}
		sameFields(t, list[0], want)
		if list[1].ID != second.ID || list[1].CreatedAt.IsZero() {
			t.Errorf("second claim: got %+v", list[1])
		}

		second.Status, second.PaidAmount, second.PaidAt, second.PaidBy = service.ClaimPaid, 1, at(16, 0, 0), "checker2"
		if err := s.UpdateClaim(ctx, second); err != nil {
			t.Fatalf("UpdateClaim: %v", err)
		}
		list, _ = s.ListClaims(ctx, app.ID)
		sameFields(t, list[1], stored(second))
		wantCode(t, s.UpdateClaim(ctx, &service.Claim{ID: 424242}), service.ENOTFOUND)
	})
}

// TestDocumentsInTransactions: documents written inside transactions (as
// the letter workers do; on MySQL through the statement each pooled
// connection prepares once) keep every byte value, and vanish with a
// rolled-back transaction.
func TestDocumentsInTransactions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		app := mustCreateApplication(t, s, minimalApplication("jilin", "T002"))
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i) // NUL, quotes, backslash, invalid UTF-8
		}
		doc := func(i int) *service.Document {
			data := bytes.Repeat(all, 64+i)
			return &service.Document{ApplicationID: app.ID, Kind: service.DocPlainLetter, Token: fmt.Sprintf("tx-token-%d", i),
				FileName: "a.pdf", ContentType: "application/pdf", SM3: "x", Size: int64(len(data)), Data: data}
		}
		rolledBack := doc(0)
		errBoom := errors.New("boom")
		if err := s.WithTx(ctx, func(ctx context.Context) error {
			if err := s.CreateDocument(ctx, rolledBack); err != nil {
				return err
			}
			return errBoom
		}); !errors.Is(err, errBoom) {
			t.Fatalf("WithTx: %v", err)
		}
		wantCode(t, func() error { _, err := s.GetDocumentByToken(ctx, rolledBack.Token); return err }(), service.ENOTFOUND)
		for i := 1; i <= 30; i++ { // more than the pool's connections
			d := doc(i)
			if err := s.WithTx(ctx, func(ctx context.Context) error { return s.CreateDocument(ctx, d) }); err != nil {
				t.Fatalf("document %d: %v", i, err)
			}
			got, err := s.GetDocument(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Data, d.Data) {
				t.Fatalf("document %d: %d bytes read back differ from the %d written", i, len(got.Data), len(d.Data))
			}
		}
	})
}

// TestMySQLDocumentsFromAFullPool: letters issued by as many transactions
// as the pool has connections, each holding its connection, are stored, on
// a store just migrated and on one opened without Migrate (its first
// inserts). The insert once prepared its statement on the pool from inside
// the transaction; with every connection held that waited for ever, and
// two replicas' first approvals under load hung.
func TestMySQLDocumentsFromAFullPool(t *testing.T) {
	dsn := os.Getenv(storetest.MySQLEnv)
	if dsn == "" {
		t.Skip(storetest.MySQLEnv + " not set")
	}
	db := storetest.MySQLDatabase(t, dsn)
	for _, migrate := range []bool{false, true} {
		t.Run(fmt.Sprintf("migrate=%v", migrate), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := store.Open(ctx, store.DriverMySQL, db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if migrate {
				if err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			} else { // migrated by another instance
				m, err := store.Open(ctx, store.DriverMySQL, db)
				if err != nil {
					t.Fatal(err)
				}
				err = m.Migrate(ctx)
				m.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			letter := func(appID int64, token string) *service.Document {
				return &service.Document{ApplicationID: appID, Kind: service.DocCipherLetter, Token: token,
					FileName: "保函.pdf", ContentType: "application/pdf", Size: 4, Data: []byte("%PDF"),
					SM3: "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"}
			}
			const conns = 2
			store.LimitPool(s, conns)
			var inside, wg sync.WaitGroup
			inside.Add(conns)
			for i := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := s.WithTx(ctx, func(ctx context.Context) error {
						app := minimalApplication("jilin", fmt.Sprintf("TPOOL%v%d", migrate, i))
						if err := s.CreateApplication(ctx, app); err != nil { // the transaction holds its connection
							inside.Done()
							return err
						}
						inside.Done()
						inside.Wait() // every connection is held
						return s.CreateDocument(ctx, letter(app.ID, fmt.Sprintf("pool-%v-%d", migrate, i)))
					})
					if err != nil {
						t.Errorf("transaction %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			// And outside a transaction, on the same pool.
			app := mustCreateApplication(t, s, minimalApplication("jilin", fmt.Sprintf("TPOOL%vX", migrate)))
			if err := s.CreateDocument(ctx, letter(app.ID, fmt.Sprintf("pool-%v-x", migrate))); err != nil {
				t.Fatal(err)
			}
		})
	}
}
