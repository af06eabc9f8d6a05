package handler

import (
	"bufio"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/internal/text"
)

// Uploads bounds the file uploads of a group of routes (the invoice PDF in
// the console, the letter checked at /verify/document): the size of a file,
// answered 413 above it, and how many uploads are read at once; a request
// that finds no free slot within a few seconds is answered 503 with
// Retry-After. Files are read as a stream from the request itself, part by
// part: nothing is written to disk, so nothing outlives the request.
type Uploads struct {
	maxBytes int64
	slots    chan struct{}
	wait     time.Duration
}

// Upload defaults and bounds.
const (
	DefaultMaxUpload = 20 << 20 // http.max_upload_bytes
	DefaultUploads   = 4        // http.max_uploads: uploads read at once per group
	uploadWait       = 5 * time.Second
	uploadRetryAfter = 10 // seconds, with a 503
	// formSlack is what an upload's body may hold besides the file: the
	// boundaries, the part headers and the small fields.
	formSlack     = 64 << 10
	maxFieldBytes = 4 << 10 // one text field of an upload form
	maxParts      = 16      // parts of an upload form
)

// NewUploads accepts files of at most maxBytes, concurrent at once (each at
// least 1).
func NewUploads(maxBytes int64, concurrent int) *Uploads {
	return &Uploads{maxBytes: max(maxBytes, 1), slots: make(chan struct{}, max(concurrent, 1)), wait: uploadWait}
}

// orDefault returns u, or the defaults when u is nil.
func (u *Uploads) orDefault() *Uploads {
	if u == nil {
		return NewUploads(DefaultMaxUpload, DefaultUploads)
	}
	return u
}

// MaxBytes is the largest file accepted.
func (u *Uploads) MaxBytes() int64 { return u.maxBytes }

// begin admits an upload: a multipart/form-data body within the bound and a
// free slot (waited for at most u.wait). It returns the reader of the
// request's own multipart body and the function that frees the slot.
func (u *Uploads) begin(c *gin.Context) (*multipart.Reader, func(), *bodyError) {
	r := c.Request
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, newBodyError(http.StatusUnsupportedMediaType, nil, "请以 multipart/form-data 表单上传文件")
	}
	bound := u.maxBytes + formSlack
	if r.ContentLength > bound {
		return nil, nil, tooLarge("上传的文件", u.maxBytes)
	}
	timer := time.NewTimer(u.wait)
	defer timer.Stop()
	select {
	case u.slots <- struct{}{}:
	case <-timer.C:
		busy := newBodyError(http.StatusServiceUnavailable, nil, "正在处理的上传较多：请 %d 秒后重试", uploadRetryAfter)
		busy.RetryAfter = uploadRetryAfter
		return nil, nil, busy
	case <-r.Context().Done():
		return nil, nil, newBodyError(http.StatusServiceUnavailable, r.Context().Err(), "上传已取消")
	}
	release := func() { <-u.slots }
	limitBody(c, bound)
	mr, err := r.MultipartReader()
	if err != nil {
		release()
		return nil, nil, readError("上传的表单", u.maxBytes, err)
	}
	return mr, release, nil
}

// readUpload reads the parts of mr: text fields into the values returned
// (each at most maxFieldBytes, at most maxParts parts), and the part named
// file handed to take as a stream of at most limit bytes; take is not called
// when no file was chosen. An error of take ends the reading and is
// returned as it is; the stream's own errors are *bodyError (413, 400).
func readUpload(mr *multipart.Reader, file string, limit int64, take func(io.Reader) error) (url.Values, error) {
	values := url.Values{}
	taken := false
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return values, nil
		}
		if err != nil {
			return values, readError("上传的表单", limit, err)
		}
		if n >= maxParts {
			return values, newBodyError(http.StatusBadRequest, nil, "上传的表单字段过多：至多 %d 个", maxParts)
		}
		name := part.FormName()
		if name == file {
			if taken {
				return values, newBodyError(http.StatusBadRequest, nil, "一次只能上传一个文件")
			}
			taken = true
			br := bufio.NewReader(&cappedReader{r: part, limit: limit})
			if _, err := br.Peek(1); errors.Is(err, io.EOF) {
				continue // no file chosen
			} else if err != nil {
				return values, readError("上传的文件", limit, err)
			}
			if err := take(br); err != nil {
				return values, err
			}
			// What take left unread still counts against the limit.
			if _, err := io.Copy(io.Discard, br); err != nil {
				return values, readError("上传的文件", limit, err)
			}
			continue
		}
		if part.FileName() != "" {
			return values, newBodyError(http.StatusBadRequest, nil, "表单字段「%s」不接受文件", text.Clip(name, 40))
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return values, readError("上传的表单", limit, err)
		}
		if len(b) > maxFieldBytes {
			return values, newBodyError(http.StatusRequestEntityTooLarge, nil, "表单字段「%s」过长：不得超过 %s", text.Clip(name, 40), byteSize(maxFieldBytes))
		}
		values.Add(name, string(b))
	}
}

// cappedReader reads at most limit bytes of r; one byte more is a 413.
// Errors of r are 400s (or 413s past the body's bound).
type cappedReader struct {
	r     io.Reader
	limit int64
	n     int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, tooLarge("上传的文件", c.limit)
	}
	if room := c.limit + 1 - c.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n - int(c.n-c.limit), tooLarge("上传的文件", c.limit)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, readError("上传的文件", c.limit, err)
	}
	return n, err
}
