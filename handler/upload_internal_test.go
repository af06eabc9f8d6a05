package handler

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
)

// countingVerifier hashes nothing: it reads the upload and says it is not ours.
type countingVerifier struct{ read int64 }

func (v *countingVerifier) Verify(context.Context, string, string) (*service.Verification, error) {
	return nil, service.Errorf(service.ENOTFOUND, "未查询到该保函")
}

func (v *countingVerifier) VerifyDocument(_ context.Context, r io.Reader) (*service.Verification, error) {
	n, err := io.Copy(io.Discard, r)
	v.read += n
	if err != nil {
		return nil, err
	}
	return nil, service.Errorf(service.ENOTFOUND, "文件与本机构出具的任何保函都不一致")
}

func (v *countingVerifier) Download(context.Context, string) (*service.Document, error) {
	return nil, service.Errorf(service.ENOTFOUND, "文件不存在或链接无效")
}

// TestUploadsBusy: with every slot taken, an upload waits at most the wait
// and is then answered 503 with Retry-After, its body unread.
func TestUploadsBusy(t *testing.T) {
	u := NewUploads(1<<20, 1)
	u.wait = 20 * time.Millisecond
	svc := &countingVerifier{}
	engine := NewEngine(slog.New(slog.NewTextHandler(io.Discard, nil)))
	(&Public{Service: svc, Issuer: "测试银行", Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Uploads: u}).Register(engine)
	post := func() *httptest.ResponseRecorder {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "a.pdf")
		_, _ = fw.Write([]byte("%PDF-1.7 something"))
		_ = w.Close()
		req := httptest.NewRequest(http.MethodPost, "/verify/document", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		return rec
	}
	u.slots <- struct{}{} // another upload holds the only slot
	rec := post()
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "10" || !strings.Contains(rec.Body.String(), "请 10 秒后重试") {
		t.Fatalf("busy: HTTP %d Retry-After %q\n%s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if svc.read != 0 {
		t.Fatalf("a refused upload was read: %d bytes", svc.read)
	}
	<-u.slots
	if rec := post(); rec.Code != http.StatusNotFound || svc.read != int64(len("%PDF-1.7 something")) {
		t.Fatalf("with a free slot: HTTP %d, read %d\n%s", rec.Code, svc.read, rec.Body)
	}
	if len(u.slots) != 0 {
		t.Fatal("the slot was not given back")
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{20 << 20: "20 MB", 64 << 10: "64 KB", 1500: "1500 字节", 3<<20 + 1<<19: "3.5 MB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
