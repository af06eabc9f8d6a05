package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ContentType is the content type of every message we send.
const ContentType = "application/json;charset=UTF-8"

// maxReplyBytes bounds how much of a platform's answer is read and kept.
const maxReplyBytes = 64 << 10

// Reply is the answer of either side: code 1 success, 0 refusal.
type Reply struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Data    map[string]string `json:"data,omitempty"`
}

// OK reports whether the reply is a success (code 1).
func (r Reply) OK() bool { return r.Code == 1 }

// UnmarshalJSON accepts code as a number or a string ("1"), as platforms differ.
func (r *Reply) UnmarshalJSON(b []byte) error {
	var raw struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Msg     string          `json:"msg"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	code := strings.Trim(strings.TrimSpace(string(raw.Code)), `"`)
	if code == "" {
		return errors.New("answer has no code")
	}
	n, err := strconv.Atoi(code)
	if err != nil {
		return fmt.Errorf("answer code %s is not a number", raw.Code)
	}
	r.Code, r.Message, r.Data = n, raw.Message, nil
	if r.Message == "" {
		r.Message = raw.Msg
	}
	if d := bytes.TrimSpace(raw.Data); len(d) > 0 && d[0] == '{' {
		var data map[string]any
		if err := json.Unmarshal(d, &data); err == nil && len(data) > 0 {
			r.Data = make(map[string]string, len(data))
			for k, v := range data {
				if s, ok := v.(string); ok {
					r.Data[k] = s
				} else if v != nil {
					r.Data[k] = fmt.Sprint(v)
				}
			}
		}
	}
	return nil
}

// TransportError is a failure to get an answer from the platform: no
// connection, a timeout, or an HTTP status other than 200 (a redirect
// included: it is never followed). Such failures are worth retrying soon.
type TransportError struct {
	URL        string
	StatusCode int    // 0 when no HTTP answer was received
	Location   string // of a redirect (3xx), as the platform sent it
	Err        error
}

func (e *TransportError) Error() string {
	switch {
	case e.StatusCode >= 300 && e.StatusCode < 400:
		return fmt.Sprintf("POST %s: HTTP %d redirect to %q, not followed", e.URL, e.StatusCode, clip(e.Location))
	case e.StatusCode != 0:
		return fmt.Sprintf("POST %s: HTTP %d", e.URL, e.StatusCode)
	}
	return fmt.Sprintf("POST %s: %v", e.URL, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the failure was a timeout.
func (e *TransportError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout() || errors.Is(e.Err, context.DeadlineExceeded)
}

// MalformedReplyError is an HTTP 200 whose body is not a reply we can read.
type MalformedReplyError struct {
	URL  string
	Body []byte
	Err  error
}

func (e *MalformedReplyError) Error() string {
	return fmt.Sprintf("POST %s: unreadable answer (%v): %q", e.URL, e.Err, clip(string(e.Body)))
}

func (e *MalformedReplyError) Unwrap() error { return e.Err }

// Exchange records one attempt to deliver a message.
type Exchange struct {
	URL        string
	Request    []byte            // the body sent
	Params     map[string]string // the signed params
	StatusCode int
	Response   []byte // the answer's body, at most 64 KiB
	Reply      *Reply // nil unless the answer was readable
	Duration   time.Duration
}

// Client posts signed messages to a platform.
type Client struct {
	HTTP *http.Client // nil means a client with a 30-second timeout
}

// NoticeURL is where a notice called name goes: notify_url + "/" + name.
func NoticeURL(notifyURL, name string) string {
	return strings.TrimRight(notifyURL, "/") + "/" + name
}

// Send builds the message from fields (fresh timestamp and signature), posts
// it to notifyURL/name and reads the platform's answer. The error is a
// *TransportError or *MalformedReplyError when there is no readable answer, or
// a build error when the fields break the spec; a refusal (code 0) is not an
// error: look at Exchange.Reply.
func (c *Client) Send(ctx context.Context, notifyURL string, spec *Spec, fields map[string]string, cred Credentials, now time.Time) (*Exchange, error) {
	body, params, err := spec.Build(fields, cred, now)
	if err != nil {
		return nil, err
	}
	return c.Post(ctx, NoticeURL(notifyURL, spec.Name), body, params)
}

// Post sends an already built body to url and reads the answer. A redirect
// is not followed, whatever c.HTTP would do: a notice goes to the configured
// notify_url only, signed for it, and a 3xx is a failed attempt.
func (c *Client) Post(ctx context.Context, url string, body []byte, params map[string]string) (*Exchange, error) {
	ex := &Exchange{URL: url, Request: body, Params: params}
	hc := &http.Client{Timeout: 30 * time.Second}
	if c.HTTP != nil {
		copied := *c.HTTP
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return ex, &TransportError{URL: url, Err: err}
	}
	req.Header.Set("Content-Type", ContentType)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		ex.Duration = time.Since(start)
		return ex, &TransportError{URL: url, Err: err}
	}
	defer resp.Body.Close()
	ex.StatusCode = resp.StatusCode
	ex.Response, err = io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	ex.Duration = time.Since(start)
	if err != nil {
		return ex, &TransportError{URL: url, StatusCode: 0, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		te := &TransportError{URL: url, StatusCode: resp.StatusCode, Err: fmt.Errorf("HTTP %d", resp.StatusCode)}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			te.Location = resp.Header.Get("Location")
		}
		return ex, te
	}
	var r Reply
	if err := json.Unmarshal(bytes.TrimSpace(ex.Response), &r); err != nil {
		return ex, &MalformedReplyError{URL: url, Body: ex.Response, Err: err}
	}
	ex.Reply = &r
	return ex, nil
}
