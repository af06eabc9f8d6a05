package service_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/baohangateway/baohan/service"
)

func TestSettings(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		good := service.SettingsInput{Rate: "0.006", MinPremium: "100.00", MaxAmount: "1,000,000", ExposureLimit: "",
			ValidityDays: "90", CheckerThreshold: "50000", BlockedBidders: "91110000600037341l\n\n91110000600037341L\n"}
		_, err := e.svc.Setup.UpdateSettings(e.ctx, officerChecker, good)
		wantCode(t, err, service.EFORBIDDEN)
		for _, tc := range []struct {
			change func(in *service.SettingsInput)
			want   string
		}{
			{func(in *service.SettingsInput) { in.Rate = "5%" }, "费率"},
			{func(in *service.SettingsInput) { in.Rate = "1.5" }, "费率"},
			{func(in *service.SettingsInput) { in.MinPremium = "" }, "最低保费"},
			{func(in *service.SettingsInput) { in.MinPremium = "abc" }, "最低保费「abc」格式错误"},
			{func(in *service.SettingsInput) { in.CheckerThreshold = "1.234" }, "复核金额阈值"},
			{func(in *service.SettingsInput) { in.ValidityDays = "0" }, "保函有效期"},
			{func(in *service.SettingsInput) { in.BlockedBidders = "91110000600037341L\nABC" }, "第 2 行「ABC」"},
		} {
			in := good
			tc.change(&in)
			_, err := e.svc.Setup.UpdateSettings(e.ctx, officerAdmin, in)
			if service.ErrorCode(err) != service.EINVALID || !strings.Contains(service.ErrorMessage(err), tc.want) {
				t.Errorf("%+v: got %v, want EINVALID naming %q", in, err, tc.want)
			}
		}
		if got := e.svc.Setup.Settings().Underwriting.Rate; got != "0.005" {
			t.Fatalf("a refused change took effect: rate %s", got)
		}

		st, err := e.svc.Setup.UpdateSettings(e.ctx, officerAdmin, good)
		if err != nil {
			t.Fatal(err)
		}
		uw := st.Underwriting
		if uw.Rate != "0.006" || uw.MinPremium != 10000 || uw.MaxAmount != 100000000 || uw.ExposureLimit != 0 || uw.ValidityDays != 90 ||
			st.CheckerThreshold != 5000000 || len(uw.BlockedBidders) != 1 || uw.BlockedBidders[0] != "91110000600037341L" {
			t.Fatalf("settings: %+v", st)
		}
		if e.svc.Setup.Settings().Underwriting.Rate != "0.006" {
			t.Fatal("the new settings are not in force")
		}
		// New applications use them: 20,000 at 0.6 % is 120.00.
		a := e.apply("TBaoHanSET0001")
		if a.Rate != "0.006" || a.Premium != 12000 {
			t.Errorf("application under the new rate: rate %s premium %s", a.Rate, a.Premium)
		}
		events, _, _ := e.store.FindAudit(e.ctx, service.AuditFilter{Action: "settings_update"})
		if len(events) != 1 || !strings.Contains(events[0].Detail, "费率：0.005 → 0.006") || events[0].Actor.Name != "admin" {
			t.Fatalf("audit: %+v", events)
		}
		// The same settings again change nothing and are not audited.
		if _, err := e.svc.Setup.UpdateSettings(e.ctx, officerAdmin, service.SettingsForm(st)); err != nil {
			t.Fatal(err)
		}
		if events, _, _ := e.store.FindAudit(e.ctx, service.AuditFilter{Action: "settings_update"}); len(events) != 1 {
			t.Errorf("an unchanged save was audited: %d events", len(events))
		}

		// Another instance on the same database loads them at start, and
		// says once that they override its configuration file.
		var logged bytes.Buffer
		other := service.New(service.Config{Store: e.store, Underwriting: service.DefaultUnderwriting(),
			Log: slog.New(slog.NewTextHandler(&logged, nil))})
		if other.Setup.Settings().Underwriting.Rate != "0.005" {
			t.Fatal("before LoadSettings the configuration's rules are in force")
		}
		if err := other.Setup.LoadSettings(e.ctx); err != nil {
			t.Fatal(err)
		}
		if got := other.Setup.Settings(); got.Underwriting.Rate != "0.006" || got.CheckerThreshold != 5000000 {
			t.Errorf("loaded settings: %+v", got)
		}
		if err := other.Setup.LoadSettings(e.ctx); err != nil { // the periodic reload: nothing new to say
			t.Fatal(err)
		}
		const overrideMsg = "settings saved in the console override the configuration file"
		if n := strings.Count(logged.String(), overrideMsg); n != 1 ||
			!strings.Contains(logged.String(), "keys=\"underwriting.rate, underwriting.max_amount, underwriting.validity_days, console.checker_threshold, underwriting.blocked_bidders\"") {
			t.Errorf("the override was logged %d times, want once naming the keys:\n%s", n, logged.String())
		}

		// Readers never see a torn update (run with -race where cgo is on).
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 200; j++ {
					if s := e.svc.Setup.Settings(); s.Underwriting.Rate == "" {
						t.Error("empty settings seen")
						return
					}
				}
			}()
		}
		in := good
		in.Rate = "0.007"
		if _, err := e.svc.Setup.UpdateSettings(e.ctx, officerAdmin, in); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
	})
}

func TestConsoleSecret(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		a, err := e.svc.Setup.ConsoleSecret(e.ctx)
		if err != nil || len(a) != 32 {
			t.Fatalf("ConsoleSecret: %x, %v", a, err)
		}
		b, err := e.svc.Setup.ConsoleSecret(e.ctx)
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("ConsoleSecret again: %x, %v, want %x", b, err, a)
		}
		if st := e.svc.Setup.Settings(); st.Underwriting.Rate == "" {
			t.Fatal("the secret disturbed the settings")
		}
	})
}

func TestDashboard(t *testing.T) {
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		e.approve("TBaoHanDB0001")
		e.apply("TBaoHanDB0002")
		a := e.approve("TBaoHanDB0003")
		if err := e.svc.Guarantees.Claim(e.ctx, claimReq(a)); err != nil {
			t.Fatal(err)
		}
		d, err := e.svc.Views.Dashboard(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d.Today.Applications != 3 || d.Today.Issued != 2 || d.Today.Premium != 20000 || d.Month.Applications != 3 {
			t.Errorf("today %+v, month %+v", d.Today, d.Month)
		}
		if len(d.Days) != service.DashboardDays || d.Days[len(d.Days)-1].Day != "2026-11-27" || d.Days[len(d.Days)-1].Applications != 3 {
			t.Errorf("days: %d, last %+v", len(d.Days), d.Days[len(d.Days)-1])
		}
		if d.OpenClaims != 1 || d.OpenClaimAmount != 2000000 || d.Exposure != 4000000 || d.States[service.StateReceived] != 1 {
			t.Errorf("claims %d %s, exposure %s, states %v", d.OpenClaims, d.OpenClaimAmount, d.Exposure, d.States)
		}
		if d.Notices[service.NoticePending] != 2 {
			t.Errorf("notices: %v", d.Notices)
		}
	})
}
