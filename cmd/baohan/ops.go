package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
)

// newRegistry makes the process's Prometheus registry: Go runtime, process
// and database pool figures, and the gateway's own collectors.
func newRegistry(st *store.Store, m *service.Metrics) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db, err := st.DB(); err == nil {
		reg.MustRegister(collectors.NewDBStatsCollector(db, "baohan"))
	}
	if err := m.Register(reg); err != nil {
		return nil, err
	}
	return reg, nil
}

// readiness checks what serving needs: the database answers, its schema is
// the binary's, and the notice dispatcher is turning.
func readiness(st *store.Store, d *service.Dispatcher, poll time.Duration) func(ctx context.Context) []handler.Check {
	return func(ctx context.Context) []handler.Check {
		var checks []handler.Check
		db := handler.Check{Name: "database", OK: true}
		if err := st.Ping(ctx); err != nil {
			db.OK, db.Detail = false, "数据库无法连接"
		}
		checks = append(checks, db)
		mig := handler.Check{Name: "migrations", OK: true}
		switch current, latest, err := st.MigrationStatus(ctx); {
		case err != nil:
			mig.OK, mig.Detail = false, "无法读取数据库版本"
		case current != latest:
			mig.OK, mig.Detail = false, fmt.Sprintf("数据库版本 %d，程序需要 %d", current, latest)
		default:
			mig.Detail = fmt.Sprintf("version %d", current)
		}
		checks = append(checks, mig)
		disp := handler.Check{Name: "dispatcher", OK: true}
		switch last := d.LastBeat(); {
		case last.IsZero():
			disp.OK, disp.Detail = false, "通知发送程序尚未启动"
		case time.Since(last) > 10*poll+30*time.Second:
			disp.OK, disp.Detail = false, fmt.Sprintf("通知发送程序 %s 未响应", time.Since(last).Round(time.Second))
		}
		checks = append(checks, disp)
		return checks
	}
}
