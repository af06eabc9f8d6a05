package service_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/pdf"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

// sealedApply is a baohanapply whose sealed fields are plain encrypted with
// the test key (ECB, as the platform does without an IV).
func sealedApply(t *testing.T, applyNo string, plain service.Sealed) service.ApplyRequest {
	t.Helper()
	key, err := gmcrypto.ParseKey(v2Key)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(s string) string {
		c, err := gmcrypto.EncryptString(s, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	req := applyReq(applyNo)
	req.BiaoduanNo, req.BiaoduanName, req.Zbr, req.ZbrOrgNum = enc(plain.BiaoduanNo), enc(plain.BiaoduanName), enc(plain.Zbr), enc(plain.ZbrOrgNum)
	return req
}

// oddPlaintexts are the section names and tenderers of the bid-opening
// finding: each made the old renderer refuse the letter.
func oddPlaintexts() []service.Sealed {
	normal := service.Sealed{BiaoduanNo: "D1506011506000527001003", BiaoduanName: "长春市南关区老旧小区改造工程施工", Zbr: "长春市南关区住房和城乡建设局", ZbrOrgNum: "11220102MB1234567X"}
	with := func(edit func(p *service.Sealed)) service.Sealed {
		p := normal
		edit(&p)
		return p
	}
	return []service.Sealed{
		with(func(p *service.Sealed) { p.BiaoduanName = "老旧小区改造工程\n（一标段）施工" }),
		with(func(p *service.Sealed) { p.BiaoduanName = "老旧小区改造工程\t一标段" }),
		with(func(p *service.Sealed) { p.Zbr = "长春市南关区\a住房和城乡建设局" }),
		with(func(p *service.Sealed) { p.BiaoduanName = "老旧\u200b小区\ufeff改造\u2028工程\u00ad施工" }),
		with(func(p *service.Sealed) {
			p.BiaoduanName = strings.Repeat("长春市南关区老旧小区改造工程施工监理服务一标段二", 10)
		}),
		with(func(p *service.Sealed) { p.Zbr = "长春市𪚥区住房和城乡建设局" }),
	}
}

// TestOddPlaintextsNeverBlockLetters reproduces the bid-opening finding on
// the real renderer: three times as many odd plaintexts as letter workers,
// and one that cannot be made at all (a tenderer that is nothing but
// control characters), restored before a normal application. The normal
// restorenotice goes out; the odd letters are issued, the exact plaintext
// kept in the record and the audit, the missing character flagged; the one
// that cannot be made waits under 出函失败 without holding anything up, and
// the log stays small.
func TestOddPlaintextsNeverBlockLetters(t *testing.T) {
	renderer, err := pdf.NewRenderer(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		logs := &servicetest.Log{}
		inst := service.Institution{Name: "测试银行股份有限公司", Kind: service.KindBank, Code: "TB"}
		svc := service.New(service.Config{
			Store: st, Renderer: &service.PDFLetters{Renderer: renderer, Institution: inst, PublicURL: "https://baohan.example.com"},
			Log: slog.New(slog.NewTextHandler(logs, nil)), Institution: inst, Underwriting: service.DefaultUnderwriting(),
			Platforms: []service.PlatformInfo{{AppKey: appkey, Name: "测试平台"}}, PublicURL: "https://baohan.example.com",
		})
		const workers = 2
		// The sender accepts every notice and tells of each restorenotice.
		arrived := make(chan string, 64)
		sender := &servicetest.Sender{}
		sender.SetAnswer(func(_ context.Context, s servicetest.Sent) (service.SendResult, error) {
			if s.Interface == "restorenotice" {
				arrived <- s.Fields["applyno"]
			}
			return servicetest.Accepted(), nil
		})
		runDispatcher(t, svc.NewDispatcher(sender, service.DispatcherConfig{Poll: 50 * time.Millisecond, Workers: 4, Owner: "odd"}))
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc.Letters.RunLetterWorkers(ctx, workers, 50*time.Millisecond)
		}()
		defer wg.Wait()
		defer cancel()

		type app struct {
			no    string
			plain service.Sealed
			a     *service.Application
		}
		var odd []*app
		for i := 0; len(odd) < 3*workers; i++ {
			p := oddPlaintexts()[i%len(oddPlaintexts())]
			odd = append(odd, &app{no: fmt.Sprintf("TBaoHanODD%04d", i), plain: p})
		}
		blank := &app{no: "TBaoHanBLANK", plain: oddPlaintexts()[0]}
		blank.plain.Zbr = "\u200b\r\n"
		normal := &app{no: "TBaoHanNORMAL", plain: service.Sealed{BiaoduanNo: "D1", BiaoduanName: "正常标段", Zbr: "正常招标人", ZbrOrgNum: "11220102MB1234567X"}}
		all := append(append(append([]*app{}, odd...), blank), normal)
		for _, x := range all {
			if _, err := svc.Guarantees.Apply(ctx, sealedApply(t, x.no, x.plain)); err != nil {
				t.Fatalf("apply %s: %v", x.no, err)
			}
			a, err := svc.Views.FindApplication(ctx, appkey, x.no)
			if err != nil {
				t.Fatal(err)
			}
			if x.a, err = svc.Guarantees.Approve(ctx, officerChecker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"}); err != nil {
				t.Fatalf("approve %s: %v", x.no, err)
			}
		}
		for _, x := range all { // odd ones first, the normal one last
			if err := svc.Guarantees.Restore(ctx, restoreReq(x.a)); err != nil {
				t.Fatalf("restore %s: %v (a restore is refused only for what the platform can correct)", x.no, err)
			}
		}

		// Every issued letter's restorenotice arrives, the normal one among
		// them; the deadline only ends a broken run.
		want := map[string]bool{normal.no: true}
		for _, x := range odd {
			want[x.no] = true
		}
		deadline := time.After(2 * time.Minute)
		for len(want) > 0 {
			select {
			case no := <-arrived:
				delete(want, no)
			case <-deadline:
				t.Fatalf("no restorenotice for %v; log:\n%s", want, clipLog(logs.String()))
			}
		}

		// The one that cannot be made is recorded as failed, with the field
		// named, and does not block: it has been tried, and waits.
		var failed *service.Application
		for failed == nil || !failed.LetterFailed() {
			select {
			case <-deadline:
				t.Fatalf("the blank tenderer's letter is not recorded as failed: %+v", failed)
			case <-time.After(10 * time.Millisecond):
			}
			if failed, err = st.GetApplication(ctx, blank.a.ID); err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(failed.PlainError, "招标人（zbr）") || failed.PlainAttempts != 1 || failed.PlainNextAt.IsZero() {
			t.Errorf("failed letter: attempts %d, next %v, error %q", failed.PlainAttempts, failed.PlainNextAt, failed.PlainError)
		}
		q, err := svc.Views.Queue(ctx, service.ApplicationFilter{LetterFailed: true})
		if err != nil {
			t.Fatal(err)
		}
		if q.LetterFailed != 1 || len(q.Applications) != 1 || q.Applications[0].ApplyNo != blank.no {
			t.Errorf("出函失败: %d, %v; want only %s", q.LetterFailed, q.Applications, blank.no)
		}

		for _, x := range odd {
			a, err := st.GetApplication(ctx, x.a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.Plain != x.plain {
				t.Errorf("%s: record holds %+v, want the exact plaintext %+v", x.no, a.Plain, x.plain)
			}
			if a.PlainPending || a.State != service.StateRestored {
				t.Errorf("%s: pending %v, state %s", x.no, a.PlainPending, a.State)
			}
			events, _, err := st.FindAudit(ctx, service.AuditFilter{ApplicationID: a.ID, Action: "plain_letter"})
			if err != nil || len(events) != 1 {
				t.Fatalf("%s: plain_letter audit %v, %v", x.no, events, err)
			}
			detail := events[0].Detail
			marked := strings.ContainsRune(x.plain.Zbr, 0x2A6A5)
			hasFlag := false
			for _, f := range a.Flags {
				hasFlag = hasFlag || (f.Code == "letter_chars" && strings.Contains(f.Message, "U+2A6A5") && !f.Blocking)
			}
			if hasFlag != marked {
				t.Errorf("%s: flags %+v; want a letter_chars flag only for the missing character", x.no, a.Flags)
			}
			switch {
			case strings.ContainsAny(x.plain.BiaoduanName+x.plain.Zbr, "\n\t\a\u200b"):
				if !strings.Contains(detail, "以空格打印") || !containsQuoted(detail, x.plain) {
					t.Errorf("%s: audit %q does not say what was printed as spaces with the exact text", x.no, detail)
				}
			case marked:
				if !strings.Contains(detail, "以 □ 标示") || !strings.Contains(detail, strconv.Quote(x.plain.Zbr)) {
					t.Errorf("%s: audit %q does not name the marked character with the exact text", x.no, detail)
				}
			}
		}

		restored := map[string]int{} // restorenotices by applyno
		for _, s := range sender.Sends() {
			if s.Interface == "restorenotice" {
				restored[s.Fields["applyno"]]++
			}
		}
		for no, n := range restored {
			if n != 1 {
				t.Errorf("%s: %d restorenotices, want 1", no, n)
			}
		}
		log := logs.String()
		if n := len(log); n > 2<<20 {
			t.Errorf("log grew to %d bytes", n)
		}
		if n := strings.Count(log, "application_id="+strconv.FormatInt(blank.a.ID, 10)+" "); n != 1 {
			t.Errorf("the failing letter logged %d lines, want 1 (one per backoff step):\n%s", n, clipLog(log))
		}
	})
}

// containsQuoted reports whether detail quotes a field of p that has a
// control or format character, exactly.
func containsQuoted(detail string, p service.Sealed) bool {
	for _, v := range []string{p.BiaoduanName, p.Zbr} {
		if strings.ContainsAny(v, "\n\t\a\u200b") && strings.Contains(detail, strconv.Quote(v)) {
			return true
		}
	}
	return false
}

func clipLog(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// TestRestoreRefusesOnlyWhatThePlatformCanCorrect: whatever the plaintext
// holds, a restore whose key decrypts every field is accepted (the letter
// is the gateway's problem); a key that does not decrypt, or decrypts to
// bytes that are not text (a wrong key or IV), is refused and changes
// nothing.
func TestRestoreRefusesOnlyWhatThePlatformCanCorrect(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		approve := func(req service.ApplyRequest) *service.Application {
			t.Helper()
			if _, err := e.svc.Guarantees.Apply(e.ctx, req); err != nil {
				t.Fatal(err)
			}
			a := e.get(req.ApplyNo)
			a, err := e.svc.Guarantees.Approve(e.ctx, officerChecker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "6222020200112233"})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		odd := approve(sealedApply(t, "TBaoHanRODD0001", service.Sealed{BiaoduanNo: "\a", BiaoduanName: "\n\t\u200b", Zbr: "\ufeff", ZbrOrgNum: ""}))
		if err := e.svc.Guarantees.Restore(e.ctx, restoreReq(odd)); err != nil {
			t.Errorf("restore of odd plaintext refused: %v", err)
		}
		events, _, err := e.store.FindAudit(e.ctx, service.AuditFilter{ApplicationID: odd.ID, Action: "restore"})
		if err != nil || len(events) != 1 {
			t.Fatalf("restore audit: %v %v", events, err)
		}
		for _, q := range []string{`"\a"`, `"\n\t\u200b"`, `"\ufeff"`} {
			if !strings.Contains(events[0].Detail, q) {
				t.Errorf("the restore's audit %q does not quote %s exactly", events[0].Detail, q)
			}
		}

		key, _ := gmcrypto.ParseKey(v2Key)
		ct, err := gmcrypto.Encrypt([]byte{0xff, 0xfe, 0x41}, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		req := applyReq("TBaoHanRBIN0001")
		req.BiaoduanName = base64.StdEncoding.EncodeToString(ct)
		binary := approve(req)
		for _, tc := range []struct {
			name string
			a    *service.Application
			key  string
		}{
			{"not text", binary, v2Key},
			{"wrong key", approve(applyReq("TBaoHanRKEY0001")), "169b909483f5822975d316b6676b0a0a"},
		} {
			r := restoreReq(tc.a)
			r.Key = tc.key
			err := e.svc.Guarantees.Restore(e.ctx, r)
			if service.ErrorCode(err) != service.EINVALID || !strings.Contains(service.ErrorMessage(err), "key") {
				t.Errorf("%s: restore answered %v, want EINVALID naming the key", tc.name, err)
			}
			if got := e.get(tc.a.ApplyNo); got.State != service.StateIssued || got.PlainPending {
				t.Errorf("%s: a refused restore changed the application: %s pending %v", tc.name, got.State, got.PlainPending)
			}
		}
	})
}
