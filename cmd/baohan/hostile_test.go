package main

import (
	"bufio"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/baohangateway/baohan/service/servicetest"
)

// Hostile bodies against the real binary (issue 11, findings 2 and 3): what
// an unauthenticated client sends is bounded before anything reads it,
// leaves no file behind, and uploads do not grow the process's memory.

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ left int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	for i := range p {
		p[i] = byte('A' + (r.left-int64(i))%23)
	}
	r.left -= int64(len(p))
	return len(p), nil
}

// multipartBody streams a multipart/form-data body with small fields and
// one file of size bytes; it returns the body, its content type and its
// exact length.
func multipartBody(fields map[string]string, fileField string, size int64) (io.Reader, string, int64) {
	var head strings.Builder
	w := multipart.NewWriter(&head)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	_, _ = w.CreateFormFile(fileField, "big.pdf")
	tail := "\r\n--" + w.Boundary() + "--\r\n"
	body := io.MultiReader(strings.NewReader(head.String()), &patternReader{left: size}, strings.NewReader(tail))
	return body, w.FormDataContentType(), int64(head.Len()) + size + int64(len(tail))
}

// postBody posts body; length -1 sends it chunked. It returns the status
// and the page, or the error when the server closed the connection before
// the client could read an answer.
func postBody(url, contentType string, body io.Reader, length int64) (int, http.Header, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return 0, nil, "", err
	}
	req.ContentLength = length
	if length < 0 {
		req.TransferEncoding = []string{"chunked"}
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(page), nil
}

// TestHostileBodiesLeaveNothingInTMPDIR: 40 MB multipart POSTs to the login
// and the portal (finding 2), with and without a length, and oversized
// forms and uploads, are refused before they are read in full and leave
// nothing in the server's TMPDIR.
func TestHostileBodiesLeaveNothingInTMPDIR(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBaohan(t)
	tmp := t.TempDir()
	var log servicetest.Log
	p := startProcess(t, bin, serveConfig(t, "127.0.0.1:0"), &log, "TMPDIR="+tmp)

	const big = 40 << 20
	tests := []struct {
		desc, path string
		multipart  bool
		chunked    bool
		want       int
		wantText   string
	}{
		{"login multipart", "/console/login", true, false, 413, "不得超过 64 KB"},
		{"login multipart chunked", "/console/login", true, true, 415, "表单编码不受支持"},
		{"login form chunked", "/console/login", false, true, 413, "提交的表单过大"},
		{"portal multipart", "/portal/anything", true, false, 413, "不得超过 64 KB"},
		{"portal multipart chunked", "/portal/anything", true, true, 415, "表单编码不受支持"},
		{"verify upload", "/verify/document", true, false, 413, "上传的文件过大：不得超过 20 MB"},
		{"verify upload chunked", "/verify/document", true, true, 413, "上传的文件过大：不得超过 20 MB"},
		{"invoice without a session", "/console/applications/1/invoice", true, true, http.StatusSeeOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var (
				body   io.Reader
				ctype  string
				length int64
				status int
				header http.Header
				page   string
				err    error
				tries  = 0
			)
			if tt.multipart {
				body, ctype, length = multipartBody(map[string]string{"username": "admin", "password": "x", "csrf_token": "x"}, "file", big)
			} else {
				body, ctype, length = io.MultiReader(strings.NewReader("username=admin&password="), &patternReader{left: big}), "application/x-www-form-urlencoded", big+24
			}
			if tt.chunked {
				length = -1
			}
			// The server answers early and closes; the client may still be
			// writing and see the connection reset instead of the answer:
			// then it asks again (the check of TMPDIR below counts both).
			for tries < 3 {
				status, header, page, err = postBody(p.base+tt.path, ctype, body, length)
				if err == nil {
					break
				}
				tries++
				if tt.multipart {
					body, _, _ = multipartBody(map[string]string{"username": "admin", "password": "x", "csrf_token": "x"}, "file", big)
				} else {
					body = io.MultiReader(strings.NewReader("username=admin&password="), &patternReader{left: big})
				}
			}
			if err != nil {
				t.Fatalf("POST %s: %v", tt.path, err)
			}
			if status != tt.want || !strings.Contains(page, tt.wantText) {
				t.Fatalf("POST %s: HTTP %d, want %d with %q\n%.2000s", tt.path, status, tt.want, tt.wantText, page)
			}
			if status == http.StatusSeeOther && !strings.HasPrefix(header.Get("Location"), "/console/login") {
				t.Fatalf("POST %s: redirected to %q", tt.path, header.Get("Location"))
			}
		})
	}
	// The server is still well and left nothing behind.
	if status, _, _, err := postBody(p.base+"/console/login", "application/x-www-form-urlencoded", strings.NewReader("username=a"), 10); err != nil || status != http.StatusForbidden {
		t.Fatalf("a small login form after the hostile ones: HTTP %d, %v", status, err)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		t.Errorf("left in TMPDIR: %s (%d bytes)", e.Name(), info.Size())
	}
	p.stop()
}

// procMemory reads the peak and current resident set (VmHWM, VmRSS) of a
// process, in bytes.
func procMemory(t *testing.T, pid int) (hwm, rss int64) {
	t.Helper()
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", k, v)
		}
		if k == "VmHWM" {
			hwm = kb << 10
		} else {
			rss = kb << 10
		}
	}
	if hwm == 0 || rss == 0 {
		t.Fatalf("no VmHWM/VmRSS in /proc/%d/status", pid)
	}
	return hwm, rss
}

// TestConcurrentUploadsMemory: twelve 20 MB letters uploaded at once to
// /verify/document (finding 3: +530 MiB) grow the peak resident memory of
// the gateway by less than 150 MiB. A resource bound, not a timing one.
func TestConcurrentUploadsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBaohan(t)
	tmp := t.TempDir()
	var log servicetest.Log
	p := startProcess(t, bin, serveConfig(t, "127.0.0.1:0"), &log, "TMPDIR="+tmp)

	upload := func(size int64) (int, http.Header, string, error) {
		body, ctype, length := multipartBody(nil, "file", size)
		return postBody(p.base+"/verify/document", ctype, body, length)
	}
	// Warm up: the first upload and page render allocate what every later
	// one reuses.
	if status, _, page, err := upload(1 << 20); err != nil || status != http.StatusNotFound || !strings.Contains(page, "不一致") {
		t.Fatalf("a 1 MB upload: HTTP %d, %v\n%.500s", status, err, page)
	}
	pid := p.cmd.Process.Pid
	hwm0, rss0 := procMemory(t, pid)

	const n, size = 12, 20 << 20
	var wg sync.WaitGroup
	results := make([]string, n)
	checked := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, header, page, err := upload(size)
			switch {
			case err != nil:
				results[i] = err.Error()
			case status == http.StatusNotFound && strings.Contains(page, "不一致"):
				checked[i] = true
			case status == http.StatusServiceUnavailable && header.Get("Retry-After") != "":
				results[i] = "503 busy"
			default:
				results[i] = fmt.Sprintf("HTTP %d: %.300s", status, page)
			}
		}()
	}
	wg.Wait()
	hwm1, rss1 := procMemory(t, pid)
	done := 0
	for i := range n {
		if checked[i] {
			done++
		} else if results[i] != "503 busy" {
			t.Errorf("upload %d: %s", i, results[i])
		}
	}
	t.Logf("%d of %d uploads checked (the rest busy); VmHWM %d → %d MiB (+%d), VmRSS %d → %d MiB",
		done, n, hwm0>>20, hwm1>>20, (hwm1-hwm0)>>20, rss0>>20, rss1>>20)
	if done < 4 {
		t.Errorf("only %d of %d uploads were checked", done, n)
	}
	if grew := hwm1 - hwm0; grew >= 150<<20 {
		t.Errorf("peak resident memory grew by %d MiB under %d concurrent %d MB uploads, want under 150 MiB", grew>>20, n, size>>20)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("uploads left %d files in TMPDIR", len(entries))
	}
	p.stop()
}
