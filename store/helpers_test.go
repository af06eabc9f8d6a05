package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
)

// cst is China Standard Time: fixtures are written in it and must come back
// in UTC.
var cst = time.FixedZone("CST", 8*3600)

// at is a time in CST with nanoseconds, which the store keeps to the
// microsecond.
func at(day, hour, min int) time.Time {
	return time.Date(2025, 3, day, hour, min, 7, 123456789, cst)
}

// fullApplication is an application with every field set, unique by applyNo.
func fullApplication(platform, applyNo string) *service.Application {
	return &service.Application{
		Platform:     platform,
		PlatformCode: "JL-" + platform,
		ApplyNo:      applyNo,
		BidderName:   "吉林省建设集团有限公司",
		BidderCode:   "91220000123456789X",
		JbrName:      "张三",
		JbrPhone:     "13800000000",
		Cipher:       service.Sealed{BiaoduanNo: "c-bdno", BiaoduanName: "c-bdname", Zbr: "c-zbr", ZbrOrgNum: "c-org"},
		Plain:        service.Sealed{BiaoduanNo: "JLGC-2025-001", BiaoduanName: "长春市某道路工程", Zbr: "长春市城建局", ZbrOrgNum: "11220100MB1234567A"},
		Amount:       2000012, // 20000.12 yuan
		State:        service.StateIssued,
		Version:      99, // ignored by Create
		Flags: []service.Flag{
			{Code: "amount_limit", Message: "金额超过单笔限额", Blocking: true},
			{Code: "credit_code", Message: "信用代码校验位不符"},
		},
		OverrideReason:  "总行批准",
		OverrideBy:      "checker1",
		PortalToken:     "pt-" + applyNo,
		PortalExpiresAt: at(2, 9, 0),
		PayerName:       "吉林省建设集团有限公司",
		PayerAccount:    "0712345678901234",
		InvoiceEmail:    "finance@example.com",
		TermsAcceptedAt: at(1, 10, 1),
		Rate:            "0.005",
		Premium:         10000,
		BaohanNo:        "BH-" + applyNo,
		CheckCode:       "8K3M",
		IssuedAt:        at(1, 11, 0),
		ValidTo:         at(30, 23, 59),
		KaibiaoTime:     at(10, 9, 30),
		RestoredAt:      at(10, 9, 45),
		PlainPending:    true,
		PlainAttempts:   2,
		PlainNextAt:     at(10, 9, 50),
		PlainError:      "明文保函无法生成：字段 招标人（zbr） 为空",
		RejectReason:    "无",
		QuitReason:      "项目取消",
		QuitRequestedAt: at(5, 8, 0),
		QuitDecidedAt:   at(5, 9, 0),
		WithdrawnAt:     at(5, 9, 1),
		CancelledAt:     at(20, 9, 0),
		AbandonedAt:     at(21, 9, 0),
		AbandonReason:   "投标人放弃",
		CreatedAt:       at(1, 10, 0),
		UpdatedAt:       at(1, 10, 0),
	}
}

// minimalApplication is an application as baohanapply creates it: no
// baohanno, no portal token, no times but CreatedAt.
func minimalApplication(platform, applyNo string) *service.Application {
	return &service.Application{
		Platform: platform,
		ApplyNo:  applyNo,
		Amount:   100,
		State:    service.StateReceived,
	}
}

// mustCreateApplication creates a or fails the test.
func mustCreateApplication(t *testing.T, s *store.Store, a *service.Application) *service.Application {
	t.Helper()
	if err := s.CreateApplication(context.Background(), a); err != nil {
		t.Fatalf("CreateApplication(%s): %v", a.ApplyNo, err)
	}
	return a
}

// stored is v as the store gives it back: every time in UTC, truncated to
// the microsecond. v is a pointer to a struct; stored returns a copy.
func stored[T any](v *T) *T {
	c := *v
	normalizeTimes(reflect.ValueOf(&c).Elem())
	return &c
}

func normalizeTimes(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			if !t.IsZero() {
				v.Set(reflect.ValueOf(t.UTC().Truncate(time.Microsecond)))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				normalizeTimes(v.Field(i))
			}
		}
	}
}

// allSet fails the test if a field of the struct *v is zero: a round-trip
// fixture must set every field, so that a field the store forgets shows.
func allSet(t *testing.T, v any, except ...string) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		name := rv.Type().Field(i).Name
		if rv.Field(i).IsZero() && !contains(except, name) {
			t.Errorf("fixture %T leaves %s zero", v, name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sameFields fails the test for each field of the structs *got and *want
// that differ. Times must be equal instants and, unless zero, in UTC.
func sameFields(t *testing.T, got, want any) {
	t.Helper()
	for _, d := range diff("", reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()) {
		t.Error(d)
	}
}

func diff(path string, got, want reflect.Value) []string {
	if gt, ok := got.Interface().(time.Time); ok {
		wt := want.Interface().(time.Time)
		switch {
		case !gt.Equal(wt):
			return []string{fmt.Sprintf("%s: got %v, want %v", path, gt, wt)}
		case !gt.IsZero() && gt.Location() != time.UTC:
			return []string{fmt.Sprintf("%s: got location %v, want UTC", path, gt.Location())}
		}
		return nil
	}
	if got.Kind() == reflect.Struct {
		var out []string
		for i := 0; i < got.NumField(); i++ {
			if !got.Type().Field(i).IsExported() {
				continue
			}
			name := strings.TrimPrefix(path+"."+got.Type().Field(i).Name, ".")
			out = append(out, diff(name, got.Field(i), want.Field(i))...)
		}
		return out
	}
	if !reflect.DeepEqual(got.Interface(), want.Interface()) {
		return []string{fmt.Sprintf("%s: got %#v, want %#v", path, got.Interface(), want.Interface())}
	}
	return nil
}

// wantCode fails the test unless err is a *service.Error with code.
func wantCode(t *testing.T, err error, code string) *service.Error {
	t.Helper()
	var se *service.Error
	if !errors.As(err, &se) {
		t.Fatalf("got error %v, want a *service.Error with code %s", err, code)
	}
	if se.Code != code {
		t.Fatalf("got code %s (%s), want %s", se.Code, se.Message, code)
	}
	return se
}
