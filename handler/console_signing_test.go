package handler

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
)

// TestSigningView: the signing panel warns from 30 days before expiry,
// alarms on an expired certificate and an unreachable TSA, and counts
// letters that went out untimestamped.
func TestSigningView(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	cert := func(days int) service.SigningCert {
		return service.SigningCert{Subject: "测试签章", Algorithm: "SM2 / SM3", NotAfter: now.AddDate(0, 0, days),
			DaysLeft: days, Expiring: time.Duration(days)*24*time.Hour < service.ExpiryWarning}
	}
	tests := []struct {
		name      string
		st        service.SigningStatus
		class     string
		summary   string
		certClass string
	}{
		{"fine", service.SigningStatus{Certificates: []service.SigningCert{cert(200)}}, "ok", "签名正常", "b-ok"},
		{"expiring", service.SigningStatus{Certificates: []service.SigningCert{cert(29)}}, "warn", "29 天后到期", "b-warn"},
		{"expired", service.SigningStatus{Certificates: []service.SigningCert{cert(-1)}}, "bad", "已过期", "b-danger"},
		{"TSA down", service.SigningStatus{Certificates: []service.SigningCert{cert(200)}, TSAURL: "http://tsa.example", TSAErrorAt: now,
			TSALastError: errors.New("HTTP 503").Error(), TSAFailures: 3}, "bad", "时间戳服务不可达", "b-ok"},
		{"untimestamped", service.SigningStatus{Certificates: []service.SigningCert{cert(200)}, TSAURL: "http://tsa.example", TSALastOK: now,
			TSAReachable: true, Untimestamped: 2}, "warn", "2 份保函未带时间戳", "b-ok"},
	}
	for _, tt := range tests {
		p := signingView(&tt.st)
		if p.Class != tt.class || !strings.Contains(p.Summary, tt.summary) || p.Certs[0].Class != tt.certClass {
			t.Errorf("%s: class %q summary %q cert %q; want %q, %q, %q", tt.name, p.Class, p.Summary, p.Certs[0].Class, tt.class, tt.summary, tt.certClass)
		}
	}
	if signingView(nil) != nil {
		t.Error("no signer: want no panel")
	}
}
