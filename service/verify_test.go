package service_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/baohangateway/baohan/service"
)

func TestVerifyStatuses(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		check := func(a *service.Application, wantStatus string, wantOpened bool) *service.Verification {
			t.Helper()
			a = e.get(a.ApplyNo)
			v, err := e.svc.Public.Verify(e.ctx, a.BaohanNo, strings.ToLower(a.CheckCode))
			if err != nil {
				t.Fatalf("%s: %v", a.ApplyNo, err)
			}
			if v.Status != wantStatus || v.Opened != wantOpened || v.Amount != a.Amount || v.Issuer != "测试银行股份有限公司" {
				t.Fatalf("%s: %+v, want status %s opened %v", a.ApplyNo, v, wantStatus, wantOpened)
			}
			if !wantOpened && v.Project != (service.Sealed{}) {
				t.Fatalf("%s: the project is shown before opening: %+v", a.ApplyNo, v.Project)
			}
			return v
		}
		issued := e.approve("TBaoHanVER00001")
		check(issued, "valid", false)
		if _, err := e.svc.Public.Verify(e.ctx, issued.BaohanNo, "WRONGCODE"); service.ErrorCode(err) != service.ENOTFOUND {
			t.Fatalf("wrong check code: %v", err)
		}
		if _, err := e.svc.Public.Verify(e.ctx, "TB2099010100000000", issued.CheckCode); service.ErrorCode(err) != service.ENOTFOUND {
			t.Fatalf("unknown number: %v", err)
		}
		if _, err := e.svc.Public.Verify(e.ctx, "", ""); service.ErrorCode(err) != service.EINVALID {
			t.Fatalf("empty query: %v", err)
		}

		restored := e.restore("TBaoHanVER00002")
		if v := check(restored, "valid", true); v.Project.Zbr != "针织服饰有限公司" {
			t.Fatalf("plaintext after opening: %+v", v.Project)
		}
		withdrawn := e.approve("TBaoHanVER00003")
		if err := e.svc.Guarantees.Quit(e.ctx, quitReq(withdrawn, "r")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Guarantees.DecideQuit(e.ctx, officerMaker, withdrawn.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		check(withdrawn, "withdrawn", false)
		claimed := e.restore("TBaoHanVER00004")
		if err := e.svc.Guarantees.Claim(e.ctx, claimReq(claimed)); err != nil {
			t.Fatal(err)
		}
		check(claimed, "claimed", true)

		// Past its validity a live guarantee shows as expired.
		e.clock.Set(e.clock.Now().AddDate(0, 0, 181))
		check(issued, "expired", false)
		e.clock.Set(e.clock.Now().AddDate(0, 0, -181))

		// An uploaded letter is recognised by its digest; after opening the
		// ciphertext letter is marked superseded.
		docs, err := e.store.ListDocuments(e.ctx, restored.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			full, err := e.store.GetDocument(e.ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Read as a stream, in small pieces.
			v, err := e.svc.Public.VerifyDocument(e.ctx, iotest.HalfReader(bytes.NewReader(full.Data)))
			if err != nil {
				t.Fatal(err)
			}
			if v.Document.Kind != d.Kind || v.DocumentCurrent != (d.Kind == service.DocPlainLetter) || v.BaohanNo != restored.BaohanNo {
				t.Fatalf("document %s: %+v current %v", d.Kind, v.Document, v.DocumentCurrent)
			}
		}
		if _, err := e.svc.Public.VerifyDocument(e.ctx, strings.NewReader("%PDF-1.7 forged")); service.ErrorCode(err) != service.ENOTFOUND {
			t.Fatalf("unknown document: %v", err)
		}
		// A file past the signature-check bound is hashed only, as it streams.
		big := io.MultiReader(strings.NewReader("%PDF-1.7 "), io.LimitReader(zeros{}, 3<<20))
		if v, err := e.svc.Public.VerifyDocument(e.ctx, big); service.ErrorCode(err) != service.ENOTFOUND || v == nil || !v.SignaturesUnchecked || len(v.Signatures) != 0 {
			t.Fatalf("3 MB upload: %+v, %v, want ENOTFOUND with its signatures unchecked", v, err)
		}
		if _, err := e.svc.Public.VerifyDocument(e.ctx, strings.NewReader("")); service.ErrorCode(err) != service.EINVALID {
			t.Fatalf("empty document: %v", err)
		}
		// A broken upload is the reader's error, as it is, for the edge.
		broken := errors.New("upload broken off")
		if _, err := e.svc.Public.VerifyDocument(e.ctx, iotest.ErrReader(broken)); !errors.Is(err, broken) {
			t.Fatalf("broken upload: %v", err)
		}
		if _, err := e.svc.Public.Download(e.ctx, "short"); service.ErrorCode(err) != service.ENOTFOUND {
			t.Fatalf("short token: %v", err)
		}
	})
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
