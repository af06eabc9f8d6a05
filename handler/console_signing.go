package handler

import (
	"fmt"

	"github.com/baohangateway/baohan/service"
)

// signingPanel is the console's signing panel (dashboard and settings):
// certificates in use with days to expiry, the TSA, the last error.
type signingPanel struct {
	Certs                            []signingCertRow
	Certify                          string
	TSA, TSAState, TSAClass, TSAMode string
	LastError, LastErrorAt, LastOK   string
	Failures, Untimestamped          uint64
	RevocationError, RevocationAt    string // the last failed CRL/OCSP fetch
	Summary, Class                   string // the worst of the above
}

type signingCertRow struct {
	Role, Subject, Issuer, Serial, Algorithm, NotAfter, DaysLeft, Class string
	Dev                                                                 bool
}

func signingView(st *service.SigningStatus) *signingPanel {
	if st == nil {
		return nil
	}
	p := &signingPanel{Certify: "否（批准签名）", Class: "ok", Summary: "签名正常"}
	if st.Certify {
		p.Certify = "是（首个签名为认证签名，仅允许追加签名）"
	}
	for i, c := range st.Certificates {
		r := signingCertRow{Subject: c.Subject, Issuer: c.Issuer, Serial: c.Serial, Algorithm: c.Algorithm,
			NotAfter: service.BeijingTime(c.NotAfter), DaysLeft: fmt.Sprintf("剩余 %d 天", c.DaysLeft), Class: "b-ok", Dev: c.Dev}
		r.Role = "第一签名"
		if i > 0 {
			r.Role = "第二签名（国密）"
		}
		switch {
		case c.DaysLeft < 0:
			r.DaysLeft, r.Class = "已过期", "b-danger"
			p.Class, p.Summary = "bad", "签名证书已过期：新出保函的签名无法通过验证"
		case c.Expiring:
			r.Class = "b-warn"
			if p.Class == "ok" {
				p.Class, p.Summary = "warn", fmt.Sprintf("签名证书 %d 天后到期，请及时更换", c.DaysLeft)
			}
		}
		p.Certs = append(p.Certs, r)
	}
	if st.RevocationError != "" {
		p.RevocationError, p.RevocationAt = st.RevocationError, service.BeijingTime(st.RevocationErrorAt)
	}
	if st.TSAURL == "" {
		p.TSA, p.TSAState, p.TSAClass = "未配置", "保函不带可信时间戳，签名时间来自本机时钟", "b-muted"
		return p
	}
	p.TSA, p.Failures, p.Untimestamped = st.TSAURL, st.TSAFailures, st.Untimestamped
	p.TSAMode = "可选：时间戳服务无响应时，短暂等待后不带时间戳出函并记录"
	if st.TSARequired {
		p.TSAMode = "必需：时间戳服务无响应时，保函等待直至取得时间戳"
	}
	switch {
	case st.TSAReachable:
		p.TSAState, p.TSAClass = "可达", "b-ok"
	case st.TSALastOK.IsZero() && st.TSAErrorAt.IsZero():
		p.TSAState, p.TSAClass = "尚未请求", "b-muted"
	default:
		p.TSAState, p.TSAClass = "不可达", "b-danger"
		if p.Class != "bad" {
			p.Class, p.Summary = "bad", "时间戳服务不可达"
		}
	}
	if !st.TSALastOK.IsZero() {
		p.LastOK = service.BeijingTime(st.TSALastOK)
	}
	if st.TSALastError != "" {
		p.LastError, p.LastErrorAt = st.TSALastError, service.BeijingTime(st.TSAErrorAt)
	}
	if st.Untimestamped > 0 && p.Class == "ok" {
		p.Class, p.Summary = "warn", fmt.Sprintf("%d 份保函未带时间戳出函", st.Untimestamped)
	}
	return p
}
