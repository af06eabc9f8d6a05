package store

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

func TestPage(t *testing.T) {
	for _, tc := range []struct{ offset, limit, wantOffset, wantLimit int }{
		{0, 0, 0, 50},
		{-5, -1, 0, 50},
		{10, 20, 10, 20},
		{0, 500, 0, 500},
		{0, 501, 0, 500},
	} {
		if o, l := page(tc.offset, tc.limit); o != tc.wantOffset || l != tc.wantLimit {
			t.Errorf("page(%d, %d): got %d, %d, want %d, %d", tc.offset, tc.limit, o, l, tc.wantOffset, tc.wantLimit)
		}
	}
}

func TestContainsPattern(t *testing.T) {
	for in, want := range map[string]string{
		"T001":   "%t001%",
		"100%":   "%100!%%",
		"a_b":    "%a!_b%",
		"wow!":   "%wow!!%",
		"长春 ABC": "%长春 abc%",
	} {
		if got := containsPattern(in); got != want {
			t.Errorf("containsPattern(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	dir := t.TempDir()
	got, err := sqliteDSN(filepath.Join(dir, "a", "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(got, "?")
	if path != filepath.Join(dir, "a", "b.db") {
		t.Errorf("path: got %q", path)
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	pragmas := strings.Join(v["_pragma"], " ")
	for _, want := range []string{"journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)", "busy_timeout(10000)", "wal_autocheckpoint(10000)"} {
		if !strings.Contains(pragmas, want) {
			t.Errorf("pragmas %q lack %s", pragmas, want)
		}
	}
	if v.Get("_timezone") != "UTC" || v.Get("_txlock") != "immediate" {
		t.Errorf("query %q: want _timezone=UTC and _txlock=immediate", query)
	}

	// The DSN's own settings win.
	got, err = sqliteDSN(filepath.Join(dir, "c.db") + "?_pragma=busy_timeout(1)&_txlock=deferred")
	if err != nil {
		t.Fatal(err)
	}
	_, query, _ = strings.Cut(got, "?")
	v, _ = url.ParseQuery(query)
	if n := strings.Count(strings.Join(v["_pragma"], " "), "busy_timeout"); n != 1 || v.Get("_txlock") != "deferred" {
		t.Errorf("query %q: want the DSN's busy_timeout and _txlock only", query)
	}
}

func TestMySQLConfig(t *testing.T) {
	cfg, err := mysqlConfig("u:p@tcp(db:3306)/baohan?parseTime=false&loc=Local&charset=utf8mb4")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ParseTime || cfg.Loc != time.UTC || !cfg.ClientFoundRows || cfg.Params["time_zone"] != "'+00:00'" || cfg.DBName != "baohan" {
		t.Errorf("got %+v, want parseTime, loc=UTC, clientFoundRows, time_zone +00:00", cfg)
	}
	if !cfg.InterpolateParams {
		t.Error("interpolateParams off by default, want on (one round trip per statement)")
	}
	if cfg, err := mysqlConfig("u:p@tcp(db:3306)/baohan?interpolateParams=false"); err != nil || cfg.InterpolateParams {
		t.Errorf("interpolateParams=false in the DSN: %v, %v; want it kept off", cfg.InterpolateParams, err)
	}
	if _, err := mysqlConfig("not a dsn"); err == nil {
		t.Error("bad DSN: got no error")
	}
}

func TestTranslate(t *testing.T) {
	ab := about{op: "get application 7", what: "编号为 7 的申请"}
	if translate(nil, ab) != nil {
		t.Error("nil: got an error")
	}
	err := translate(gorm.ErrRecordNotFound, ab)
	if service.ErrorCode(err) != service.ENOTFOUND || service.ErrorMessage(err) != "未找到编号为 7 的申请" {
		t.Errorf("not found: got %v", err)
	}
	err = translate(gorm.ErrDuplicatedKey, ab)
	if service.ErrorCode(err) != service.ECONFLICT || service.ErrorMessage(err) != "编号为 7 的申请已存在" {
		t.Errorf("duplicate: got %v", err)
	}
	err = translate(gorm.ErrDuplicatedKey, about{conflict: "保函编号已被占用"})
	if service.ErrorMessage(err) != "保函编号已被占用" {
		t.Errorf("duplicate with message: got %v", err)
	}
	own := service.Errorf(service.ESTATE, "x")
	if err := translate(own, ab); err != own {
		t.Errorf("service error: got %v, want it unchanged", err)
	}
	cause := errors.New("disk I/O error")
	err = translate(cause, ab)
	var se *service.Error
	if errors.As(err, &se) || !errors.Is(err, cause) || !strings.Contains(err.Error(), "get application 7") {
		t.Errorf("internal: got %v, want a plain error wrapping the cause and naming the operation", err)
	}
}

func TestRowTimes(t *testing.T) {
	if nullTime(time.Time{}) != nil {
		t.Error("zero time: want NULL")
	}
	in := time.Date(2025, 1, 2, 3, 4, 5, 999999999, time.FixedZone("CST", 8*3600))
	got := nullTime(in)
	if got == nil || got.Location() != time.UTC || got.Nanosecond() != 999999000 || !got.Equal(in.Truncate(time.Microsecond)) {
		t.Errorf("nullTime(%v): got %v", in, got)
	}
	if !fromNullTime(nil).IsZero() {
		t.Error("NULL: want the zero time")
	}
}

func TestMySQLDurabilityWarnings(t *testing.T) {
	for _, tt := range []struct {
		flush   int64
		logBin  bool
		sync    int64
		want    int
		mention string
	}{
		{1, false, 0, 0, ""},
		{1, true, 1, 0, ""},
		{2, false, 0, 1, "innodb_flush_log_at_trx_commit=2"},
		{0, false, 0, 1, "innodb_flush_log_at_trx_commit=0"},
		{1, true, 0, 1, "sync_binlog=0"},
		{2, true, 100, 2, "sync_binlog=100"},
	} {
		ws := durabilityWarnings(tt.flush, tt.logBin, tt.sync)
		if len(ws) != tt.want || (tt.mention != "" && !strings.Contains(strings.Join(ws, "\n"), tt.mention)) {
			t.Errorf("durabilityWarnings(%d, %v, %d) = %q, want %d mentioning %q", tt.flush, tt.logBin, tt.sync, ws, tt.want, tt.mention)
		}
	}
}

// TestMySQLPoolKeepsConnections: a burst that uses every connection of the
// pool does not close them on release (with fewer idle than open, each
// burst reconnected and prepared again).
func TestMySQLPoolKeepsConnections(t *testing.T) {
	dsn := os.Getenv("BAOHAN_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("BAOHAN_TEST_MYSQL_DSN not set")
	}
	s, err := Open(context.Background(), DriverMySQL, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for burst := 0; burst < 3; burst++ {
		var wg sync.WaitGroup
		for i := 0; i < mysqlMaxOpen; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.sqlDB.Exec("DO SLEEP(0.02)"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if st := s.sqlDB.Stats(); st.MaxIdleClosed > 0 || st.OpenConnections > mysqlMaxOpen {
		t.Errorf("after three bursts of %d: %d connections closed for lack of idle room, %d open", mysqlMaxOpen, st.MaxIdleClosed, st.OpenConnections)
	}
}
