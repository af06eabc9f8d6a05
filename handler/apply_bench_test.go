package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

const (
	benchAppKey = "finance_bench"
	benchSecret = "bench-secret-0123456789"
)

// signatureOnly is the baseline: the platform API's checks (parse, appkey,
// SM3 signature, timestamp, field table) with a service that only answers.
type signatureOnly struct{}

func (signatureOnly) Apply(context.Context, service.ApplyRequest) (service.ApplyResult, error) {
	return service.ApplyResult{RedirectURL: "http://x/portal/t"}, nil
}
func (signatureOnly) Restore(context.Context, service.RestoreRequest) error { return nil }
func (signatureOnly) Invoice(context.Context, service.InvoiceRequest) error { return nil }
func (signatureOnly) Quit(context.Context, service.QuitRequest) error       { return nil }
func (signatureOnly) Cancel(context.Context, service.CancelRequest) error   { return nil }
func (signatureOnly) Claim(context.Context, service.ClaimRequest) error     { return nil }
func (signatureOnly) GiveUp(context.Context, service.GiveUpRequest) error   { return nil }

func applyServer(b *testing.B, svc handler.PlatformService) *httptest.Server {
	b.Helper()
	log := slog.New(slog.DiscardHandler)
	engine := handler.NewEngine(log)
	api := &handler.PlatformAPI{
		Receiver: &platform.Receiver{Accounts: []platform.Account{{Name: "bench", AppKey: benchAppKey, AppSecret: benchSecret, NotifyURL: "http://127.0.0.1:1"}}, Direction: platform.Inbound},
		Service:  svc, Log: log, Now: time.Now,
	}
	api.Register(engine)
	srv := httptest.NewServer(engine)
	b.Cleanup(srv.Close)
	return srv
}

var benchSeq atomic.Int64

// signedApply is a realistic baohanapply (V1's shape) with a fresh applyno.
func signedApply(run string) []byte {
	p := map[string]string{
		"appkey": benchAppKey, "timestamp": platform.FormatTime(time.Now()), "platformcode": "A3205650121",
		"applyno":    fmt.Sprintf("TBaoHan%s%014d", run, benchSeq.Add(1)),
		"biddername": "江苏国泰测试用单位新疆4建", "biddercode": "91320000MA1MUX8B5X", "jbrname": "张三", "jbrphone": "18118833439",
		"biaoduanno": "ZQTlFtJoYGGph9ER3ft7rOynfKUgdTF2gGqvpgvv9fk=", "biaoduanname": "22yLFrP+hxQKOJe71oMF4Q==",
		"bzjamount": "20000.00", "zbr": "XhKYCAmA6IqQvH/eDuTabVrzVPeTmWLluA0X4fkU00k=", "zbrorgnum": "6ParPCtarP8r5rCLbv3wZ1gIEjlmUW27AOfUxd+85ww=",
	}
	p["sign"] = gmcrypto.Sign(p, benchSecret)
	body, _ := json.Marshal(p)
	return body
}

// BenchmarkApplyHTTP measures signed baohanapply requests per second through
// the real HTTP stack (gin, checks, service, store) on SQLite and, with
// BAOHAN_TEST_MYSQL_DSN, MariaDB, beside the signature-only baseline.
// Run: go test -run '^$' -bench ApplyHTTP ./handler
func BenchmarkApplyHTTP(b *testing.B) {
	targets := []struct {
		name string
		open func(b *testing.B) handler.PlatformService
	}{
		{"baseline", func(*testing.B) handler.PlatformService { return signatureOnly{} }},
		{"sqlite", func(b *testing.B) handler.PlatformService { return newApplyService(storetest.SQLite(b)) }},
	}
	if dsn := os.Getenv(storetest.MySQLEnv); dsn != "" {
		targets = append(targets, struct {
			name string
			open func(b *testing.B) handler.PlatformService
		}{"mysql", func(b *testing.B) handler.PlatformService { return newApplyService(storetest.MySQL(b, dsn)) }})
	}
	for _, tt := range targets {
		b.Run(tt.name, func(b *testing.B) {
			srv := applyServer(b, tt.open(b))
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			run := fmt.Sprintf("%06d", time.Now().UnixNano()%1000000)
			b.SetParallelism(8) // 8 × GOMAXPROCS concurrent platform connections
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(srv.URL+"/api/baohanapply", platform.ContentType, bytes.NewReader(signedApply(run)))
					if err != nil {
						b.Error(err)
						return
					}
					var r platform.Reply
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err := json.Unmarshal(body, &r); err != nil || r.Code != 1 {
						b.Errorf("answer %s", body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

func newApplyService(st *store.Store) handler.PlatformService {
	return service.New(service.Config{Store: st, Renderer: &servicetest.Letters{}, Underwriting: service.DefaultUnderwriting(),
		Platforms: []service.PlatformInfo{{AppKey: benchAppKey, Name: "bench"}}, PublicURL: "http://gateway.test"}).Guarantees
}
