package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
)

// restoreKey decrypts the sealed fields these tests send (ECB, no IV).
const restoreKey = "eyF5xYB3evZe2Ge+svjKAQ=="

// testFallbackFont is a TrueType font with characters the embedded font
// lacks (Georgian among them); CI installs fonts-dejavu-core.
const testFallbackFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// restoreWatcher is the platform's notice endpoint: it checks every
// signature and hands over each restorenotice as it arrives.
type restoreWatcher struct {
	*httptest.Server
	arrived chan map[string]string
}

func newRestoreWatcher(t *testing.T) *restoreWatcher {
	t.Helper()
	w := &restoreWatcher{arrived: make(chan map[string]string, 256)}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		params, err := gmcrypto.ParamsFromJSON(body)
		if err != nil || !gmcrypto.Verify(params, serveAppSecret, params["sign"]) {
			rw.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/gbsapi/restorenotice" {
			w.arrived <- params
		}
		fmt.Fprint(rw, `{"code":1,"message":"成功"}`)
	}))
	t.Cleanup(w.Close)
	return w
}

// sealedFields encrypts plaintext sealed fields as the platform does.
func sealedFields(t *testing.T, applyNo, no, name, zbr string) map[string]string {
	t.Helper()
	key, err := gmcrypto.ParseKey(restoreKey)
	if err != nil {
		t.Fatal(err)
	}
	f := applyFields(applyNo)
	for k, v := range map[string]string{"biaoduanno": no, "biaoduanname": name, "zbr": zbr, "zbrorgnum": "11220102MB1234567X"} {
		if f[k], err = gmcrypto.EncryptString(v, key, nil); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// TestOddPlaintextsAtBidOpening is the bid-opening finding end to end, on
// the real binary's wiring (real renderer, signing, store, dispatcher):
// three times the letter workers of odd plaintexts (a line break, a tab,
// U+0007, format characters, a 240-character section name, a character no
// font has, one only the fallback font has) and one letter that cannot be
// made, restored before a normal application. Every restore is answered
// code 1; the normal restorenotice arrives; the odd letters are issued (the
// missing character flagged) and print what they hold; the one that cannot
// be made is 出函失败 in the admin API, with its reason and a retry, and
// logs one line per attempt; the log stays under 2 MB.
func TestOddPlaintextsAtBidOpening(t *testing.T) {
	if _, err := os.Stat(testFallbackFont); err != nil {
		t.Fatalf("fallback font for the test: %v (apt-get install -y fonts-dejavu-core; CI installs it)", err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: apt-get install -y poppler-utils (CI installs it)")
	}
	for name, engine := range engines(t) {
		t.Run(name, func(t *testing.T) {
			driver, dsn := engine(t)
			w := newRestoreWatcher(t)
			const workers = 2
			g := startGatewayWith(t, driver, dsn, w.URL+"/gbsapi",
				fmt.Sprintf("workers: {letters: %d}\nletters: {fallback_font: %s}\n", workers, testFallbackFont))

			type odd struct{ name, zbr, printed string }
			kinds := []odd{
				{"老旧小区改造工程\n（一标段）施工", "长春市南关区住房和城乡建设局", "老旧小区改造工程 （一标段）施工"},
				{"老旧小区改造工程\t一标段", "长春市南关区住房和城乡建设局", "老旧小区改造工程 一标段"},
				{"道路改造工程施工", "长春市南关区\a住房和城乡建设局", "长春市南关区 住房和城乡建设局"},
				{"老旧\u200b小区\ufeff改造工程", "长春市南关区住房和城乡建设局", "老旧 小区 改造工程"},
				{strings.Repeat("长春市南关区老旧小区改造工程施工监理服务一标段二", 10), "长春市南关区住房和城乡建设局", "长春市南关区老旧小区改造工程施工监理服务一标段二"},
				{"道路改造工程施工", "长春市𪚥区住房和城乡建设局", "长春市𪚥区住房和城乡建设局"},
				{"道路改造工程施工", "长春市ა区住房和城乡建设局", "长春市ა区住房和城乡建设局"},
			}
			stamp := time.Now().UnixNano() % 1e6
			odds := map[string]odd{}
			var order []string
			for i := 0; i < 3*workers || i < len(kinds); i++ {
				no := fmt.Sprintf("TBaoHanODD%06d%03d", stamp, i)
				odds[no] = kinds[i%len(kinds)]
				order = append(order, no)
			}
			blank := fmt.Sprintf("TBaoHanBLANK%06d", stamp)
			normal := fmt.Sprintf("TBaoHanNORMAL%06d", stamp)
			fields := map[string]map[string]string{
				blank:  sealedFields(t, blank, "D1", "道路改造工程施工", "\u200b\r\n"),
				normal: sealedFields(t, normal, "D1506011506000527001003", "正常标段施工", "正常招标人"),
			}
			for no, o := range odds {
				fields[no] = sealedFields(t, no, "D1506011506000527001003", o.name, o.zbr)
			}
			order = append(order, blank, normal)
			baohanNo := map[string]string{}
			for _, no := range order {
				if r := g.call("baohanapply", fields[no]); r.Code != 1 {
					t.Fatalf("apply %s: %+v", no, r)
				}
				st, app := g.admin("POST", "/admin/api/applications/"+no+"/approve", map[string]string{"payername": "吉林省昇喆建筑工程有限公司", "payeraccount": "22050161000800000123"})
				if st != 200 {
					t.Fatalf("approve %s: %d %v", no, st, app)
				}
				baohanNo[no] = str(app, "baohanno")
			}
			logBefore := len(g.log.String())
			for _, no := range order { // the odd ones first, the normal one last
				r := g.call("baohanrestore", map[string]string{"platformcode": "A3205650121", "applyno": no, "baohanno": baohanNo[no],
					"kaibiaotime": platform.FormatTime(time.Now()), "key": restoreKey})
				if r.Code != 1 {
					t.Fatalf("restore %s answered %+v: only what the platform can correct is refused", no, r)
				}
			}

			// Every letter that can be made is: the normal one's and the odd
			// ones' restorenotices arrive. The deadline only ends a broken run.
			want := map[string]bool{normal: true}
			for no := range odds {
				want[no] = true
			}
			got := map[string]map[string]string{}
			deadline := time.After(3 * time.Minute)
			for len(want) > 0 {
				select {
				case p := <-w.arrived:
					if got[p["applyno"]] != nil {
						t.Errorf("a second restorenotice for %s", p["applyno"])
					}
					got[p["applyno"]] = p
					delete(want, p["applyno"])
				case <-deadline:
					t.Fatalf("no restorenotice for %v", want)
				}
			}

			// The letters print what the plaintext holds.
			for no, o := range odds {
				st, _, letter := g.get(got[no]["baohanurl"])
				if st != 200 {
					t.Fatalf("%s: letter download %d", no, st)
				}
				text := pdfToText(t, letter)
				if !strings.Contains(text, o.printed) {
					t.Errorf("%s: the letter does not print %q:\n%s", no, o.printed, text)
				}
				_, app := g.admin("GET", "/admin/api/applications/"+no, nil)
				project, _ := app["project"].(map[string]any)
				if project["biaoduanname"] != o.name || project["zbr"] != o.zbr {
					t.Errorf("%s: the record does not keep the exact plaintext: %v", no, project)
				}
				flagged := strings.Contains(fmt.Sprint(app["flags"]), "letter_chars")
				if wantFlag := strings.ContainsRune(o.zbr, 0x2A6A5); flagged != wantFlag {
					t.Errorf("%s: flagged %v, want %v: %v", no, flagged, wantFlag, app["flags"])
				}
				if dir := os.Getenv("BAOHAN_KEEP_LETTERS"); dir != "" {
					os.WriteFile(filepath.Join(dir, no+".pdf"), letter, 0o644)
				}
			}

			// The letter that cannot be made: 出函失败 with its reason.
			failed := waitPlainLetter(t, g, blank, func(pl map[string]any) bool { return pl["status"] == "failed" })
			if !strings.Contains(fmt.Sprint(failed["last_error"]), "招标人（zbr）") || failed["attempts"] != float64(1) {
				t.Errorf("出函失败 record: %v", failed)
			}
			st, app := g.admin("POST", "/admin/api/applications/"+blank+"/letter/retry", nil)
			if st != 200 {
				t.Fatalf("retry: %d %v", st, app)
			}
			if !strings.Contains(fmt.Sprint(app["audit"]), "letter_retry") {
				t.Errorf("the retry is not in the audit trail: %v", app["audit"])
			}
			// Tried again at once, and failing again, as it must: a second
			// log line, and 出函失败 once more.
			for deadline := time.Now().Add(time.Minute); strings.Count(g.log.String()[logBefore:], "plaintext letter failed") < 2; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the retried letter was not tried again:\n%s", g.log.String()[logBefore:])
				}
			}
			waitPlainLetter(t, g, blank, func(pl map[string]any) bool { return pl["status"] == "failed" && pl["attempts"] == float64(1) })

			if code, _, metrics := g.get(g.base + "/metrics"); code != 200 || !strings.Contains(string(metrics), "baohan_plain_letter_failures_total 2") {
				t.Errorf("/metrics does not count the two failed attempts (HTTP %d)", code)
			}

			log := g.log.String()[logBefore:]
			if len(log) > 2<<20 {
				t.Errorf("the log grew by %d bytes", len(log))
			}
			if n := strings.Count(log, "plaintext letter failed"); n != 2 {
				t.Errorf("%d log lines for the failing letter's two attempts, want 2:\n%s", n, log)
			}
		})
	}
}

// waitPlainLetter polls an application's plain_letter in the admin API until
// cond holds; the deadline only ends a broken run.
func waitPlainLetter(t *testing.T, g *gateway, applyNo string, cond func(pl map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		_, app := g.admin("GET", "/admin/api/applications/"+applyNo, nil)
		pl, _ := app["plain_letter"].(map[string]any)
		if pl != nil && cond(pl) {
			return pl
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: plain_letter never as expected: %v", applyNo, pl)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pdfToText extracts a PDF's text with pdftotext (-raw: reading order).
func pdfToText(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "l.pdf")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-raw", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
