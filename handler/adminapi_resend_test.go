package handler_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/service"
)

// resendService is an admin API service that only resends notices.
type resendService struct {
	handler.AdminCases     // nil: any other call panics
	handler.AdminDecisions // nil but ResendNotice
	handler.AdminLetters   // nil
	err                    error
	gotActor               service.Actor
	gotID                  int64
}

func (r *resendService) ResendNotice(_ context.Context, actor service.Actor, id int64) (*service.NoticeDetail, error) {
	r.gotActor, r.gotID = actor, id
	if r.err != nil {
		return nil, r.err
	}
	at := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	return &service.NoticeDetail{
		Notice: &service.Notice{ID: id, Interface: "baohannotice", Status: service.NoticePending, NextAttemptAt: at, CreatedAt: at.Add(-time.Hour),
			Fields: map[string]string{"applyno": "TBaoHanRS1", "applystatus": "1"}},
		Attempts: []*service.NoticeAttempt{{StartedAt: at.Add(-time.Hour), Duration: 3 * time.Millisecond, HTTPStatus: 200, Code: "0", Message: "数据未同步"}},
	}, nil
}

func TestAdminResendNotice(t *testing.T) {
	tests := []struct {
		desc       string
		path       string
		token      string
		err        error
		wantStatus int
		wantError  string
	}{
		{"resent", "/admin/api/notices/42/resend", "tok-12345678", nil, http.StatusOK, ""},
		{"not failed", "/admin/api/notices/42/resend", "tok-12345678", service.Errorf(service.ESTATE, "只有发送失败的通知可以重新发送"), http.StatusConflict, service.ESTATE},
		{"no such notice", "/admin/api/notices/7/resend", "tok-12345678", service.Errorf(service.ENOTFOUND, "未找到编号为 7 的通知"), http.StatusNotFound, service.ENOTFOUND},
		{"bad id", "/admin/api/notices/abc/resend", "tok-12345678", nil, http.StatusBadRequest, service.EINVALID},
		{"no token", "/admin/api/notices/42/resend", "", nil, http.StatusUnauthorized, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			svc := &resendService{err: tt.err}
			r := handler.NewEngine(slog.New(slog.DiscardHandler))
			(&handler.AdminAPI{Cases: svc, Decisions: svc, Letters: svc, Tokens: []handler.APIToken{{Name: "core-banking", Token: "tok-12345678"}}, Log: slog.New(slog.DiscardHandler)}).Register(r)
			req := httptest.NewRequest(http.MethodPost, tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.wantStatus {
				t.Fatalf("got HTTP %d %s, want %d", w.Code, w.Body, tt.wantStatus)
			}
			var body struct {
				Error       string `json:"error"`
				ID          int64  `json:"id"`
				Status      string `json:"status"`
				NextAttempt string `json:"next_attempt_at"`
				Attempts    []struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"attempts"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("answer %s: %v", w.Body, err)
			}
			if body.Error != tt.wantError {
				t.Errorf("error %q, want %q", body.Error, tt.wantError)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if svc.gotID != 42 || svc.gotActor.Name != "core-banking" || svc.gotActor.Kind != service.ActorAPI {
				t.Errorf("service called with %d by %+v", svc.gotID, svc.gotActor)
			}
			if body.ID != 42 || body.Status != "pending" || body.NextAttempt != "2026-11-27 10:00:00" || len(body.Attempts) != 1 || body.Attempts[0].Message != "数据未同步" {
				t.Errorf("answer: %s", w.Body)
			}
		})
	}
}
