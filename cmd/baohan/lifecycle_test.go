package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baohangateway/baohan/gmcrypto"
	"github.com/baohangateway/baohan/platform"
	"github.com/baohangateway/baohan/service/servicetest"
	"github.com/baohangateway/baohan/store/storetest"
)

// fakePlatform is the trading platform's notice endpoint: it checks every
// signature and records what arrived.
type fakePlatform struct {
	*httptest.Server
	mu       sync.Mutex
	received []map[string]string // params by arrival
	bad      []string            // problems seen
}

func newFakePlatform(t *testing.T) *fakePlatform {
	t.Helper()
	f := &fakePlatform{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		params, err := gmcrypto.ParamsFromJSON(body)
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case err != nil:
			f.bad = append(f.bad, "unparsable notice: "+err.Error())
		case !gmcrypto.Verify(params, serveAppSecret, params["sign"]):
			f.bad = append(f.bad, "bad signature on "+r.URL.Path)
		default:
			params["_path"] = r.URL.Path
			f.received = append(f.received, params)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"code":1,"message":"成功"}`)
	}))
	t.Cleanup(f.Close)
	return f
}

// gateway is a running `baohan serve` on one database engine.
type gateway struct {
	t       testing.TB
	base    string
	log     *servicetest.Log
	dataDir string
}

// engines lists the databases end-to-end tests run on: SQLite, and MariaDB
// when BAOHAN_TEST_MYSQL_DSN is set.
func engines(t *testing.T) map[string]func(t *testing.T) (driver, dsn string) {
	e := map[string]func(t *testing.T) (string, string){
		"sqlite": func(t *testing.T) (string, string) { return "sqlite", filepath.Join(t.TempDir(), "baohan.db") },
	}
	if dsn := os.Getenv(storetest.MySQLEnv); dsn != "" {
		e["mysql"] = func(t *testing.T) (string, string) { return "mysql", storetest.MySQLDatabase(t, dsn) }
	}
	return e
}

func startGateway(t *testing.T, driver, dsn, notifyURL string) *gateway {
	t.Helper()
	return startGatewayWith(t, driver, dsn, notifyURL, "")
}

// startGatewayWith starts a gateway whose configuration ends with extra
// (YAML of further top-level keys).
func startGatewayWith(t *testing.T, driver, dsn, notifyURL, extra string) *gateway {
	t.Helper()
	dir := t.TempDir()
	cfg := writeFile(t, "baohan.yaml", fmt.Sprintf(`
listen: 127.0.0.1:0
public_url: http://gateway.test
data_dir: %s
database:
  driver: %s
  dsn: %q
platforms:
  - name: 测试平台
    appkey: %s
    appsecret: %s
    notify_url: %s
api:
  tokens: [%s]
  token_names: [core-banking]
institution:
  name: 吉林测试银行股份有限公司
  kind: bank
  code: JLBH
`, dir, driver, dsn, serveAppKey, serveAppSecret, notifyURL, serveToken)+extra)
	log := &servicetest.Log{}
	addr, stop := startServe(t, []string{"--config", cfg}, log)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
		if strings.Contains(log.String(), serveAppSecret) || strings.Contains(log.String(), serveToken) {
			t.Errorf("the log shows a secret")
		}
	})
	return &gateway{t: t, base: "http://" + addr, log: log}
}

// call posts a signed platform message and returns the answer.
func (g *gateway) call(iface string, fields map[string]string) platform.Reply {
	g.t.Helper()
	params := map[string]string{"appkey": serveAppKey, "timestamp": platform.FormatTime(time.Now())}
	for k, v := range fields {
		params[k] = v
	}
	params["sign"] = gmcrypto.Sign(params, serveAppSecret)
	body, _ := json.Marshal(params)
	resp, err := testClient.Post(g.base+"/api/"+iface, "application/json", bytes.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r platform.Reply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		g.t.Fatal(err)
	}
	return r
}

// admin calls the admin API and decodes its JSON answer.
func (g *gateway) admin(method, path string, body any) (int, map[string]any) {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, g.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+serveToken)
	resp, err := testClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// testClient bounds each request the gateway tests make: a gateway that
// hangs fails the test that asked, naming the request, instead of stopping
// the whole run at its timeout with nothing said.
var testClient = &http.Client{Timeout: 2 * time.Minute}

func (g *gateway) get(url string) (int, http.Header, []byte) {
	g.t.Helper()
	resp, err := testClient.Get(strings.Replace(url, "http://gateway.test", g.base, 1))
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// V2 of WIRE.md.
var v2Fields = map[string]string{
	"biaoduanno": "3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE=", "biaoduanname": "zdxk51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo=",
	"zbr": "/kdDw4lH0u4TMTRNEV8iHhDgpdGZbpy2OLrBtexp0d4=", "zbrorgnum": "uL6aFw3t4xThWQUpFUJxRyUZomxIiWY9XTbFnYKZ1Vw=",
}

func applyFields(applyNo string) map[string]string {
	f := map[string]string{"platformcode": "A3205650121", "applyno": applyNo, "biddername": "吉林省昇喆建筑工程有限公司",
		"biddercode": "91220101MA17XYZ12K", "bzjamount": "20000.00", "jbrname": "张三", "jbrphone": "18118833439"}
	for k, v := range v2Fields {
		f[k] = v
	}
	return f
}

func str(m map[string]any, key string) string { s, _ := m[key].(string); return s }

func TestEndToEndLifecycle(t *testing.T) {
	for name, engine := range engines(t) {
		t.Run(name, func(t *testing.T) {
			driver, dsn := engine(t)
			fp := newFakePlatform(t)
			g := startGateway(t, driver, dsn, fp.URL+"/gbsapi")
			const applyNo = "TBaoHanE2E2026112711000012345"

			// 4.1: the application is stored; the answer leads to the portal.
			r := g.call("baohanapply", applyFields(applyNo))
			if r.Code != 1 || !strings.HasPrefix(r.Data["redirecturl"], "http://gateway.test/portal/") {
				t.Fatalf("baohanapply: %+v", r)
			}
			if again := g.call("baohanapply", applyFields(applyNo)); again.Code != 1 || again.Data["redirecturl"] != r.Data["redirecturl"] {
				t.Fatalf("retried baohanapply: %+v", again)
			}
			changed := applyFields(applyNo)
			changed["bzjamount"] = "30000.00"
			if refused := g.call("baohanapply", changed); refused.Code != 0 || !strings.Contains(refused.Message, "bzjamount") {
				t.Fatalf("changed baohanapply: %+v", refused)
			}

			// The admin API: token required; unknown applyno; approval.
			req, _ := http.NewRequest("GET", g.base+"/admin/api/applications/"+applyNo, nil)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("no token: %v %v", resp.StatusCode, err)
			}
			if st, body := g.admin("GET", "/admin/api/applications/TBaoHanNOSUCH", nil); st != 404 || body["error"] != "not_found" {
				t.Fatalf("unknown applyno: %d %v", st, body)
			}
			if st, body := g.admin("POST", "/admin/api/applications/"+applyNo+"/approve", map[string]string{"payername": "别的公司", "payeraccount": "6222"}); st != 400 || !strings.Contains(str(body, "message"), "基本户") {
				t.Fatalf("approve with another payer: %d %v", st, body)
			}
			st, app := g.admin("POST", "/admin/api/applications/"+applyNo+"/approve", map[string]string{"payername": "吉林省昇喆建筑工程有限公司", "payeraccount": "22050161000800000123"})
			if st != 200 || app["status"] != "issued" || !strings.HasPrefix(str(app, "baohanno"), "JLBH") {
				t.Fatalf("approve: %d %v", st, app)
			}
			if st, body := g.admin("POST", "/admin/api/applications/"+applyNo+"/approve", nil); st != 409 || body["error"] != "state" {
				t.Fatalf("approve twice: %d %v", st, body)
			}
			baohanNo, checkCode := str(app, "baohanno"), str(app, "check_code")
			project := app["project"].(map[string]any)
			if project["sealed"] != true || project["zbr"] != v2Fields["zbr"] {
				t.Fatalf("project before opening: %v", project)
			}
			audit := fmt.Sprint(app["audit"])
			if !strings.Contains(audit, "core-banking") {
				t.Fatalf("the approval is not audited under the token's name: %s", audit)
			}

			// The ciphertext letter at its capability URL.
			docs := app["documents"].([]any)
			if len(docs) != 1 {
				t.Fatalf("documents: %v", docs)
			}
			letterURL := str(docs[0].(map[string]any), "url")
			code, hdr, letter := g.get(letterURL)
			if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(letter, []byte("%PDF-")) ||
				!strings.Contains(hdr.Get("Content-Disposition"), "filename*=UTF-8''") || hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("letter download: %d %v %q", code, hdr, letter[:min(len(letter), 20)])
			}
			if code, _, _ := g.get(g.base + "/files/" + strings.Repeat("A", 43)); code != 404 {
				t.Fatalf("unknown token: %d", code)
			}
			if code, _, _ := g.get(g.base + "/files/"); code != 404 {
				t.Fatalf("listing: %d", code)
			}
			checkPDFSignature(t, letter)

			// Verification before opening: valid, nothing confidential.
			code, _, page := g.get(fmt.Sprintf("%s/verify?no=%s&code=%s", g.base, baohanNo, checkCode))
			if code != 200 || !bytes.Contains(page, []byte("有效")) || bytes.Contains(page, []byte("针织服饰有限公司")) || !bytes.Contains(page, []byte("开标前加密")) {
				t.Fatalf("verify before opening: %d\n%s", code, page)
			}
			if _, hdr, _ := g.get(g.base + "/verify"); hdr.Get("X-Frame-Options") != "DENY" || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Fatalf("verify page headers: %v", hdr)
			}
			if code, _, page := g.get(fmt.Sprintf("%s/verify?no=%s&code=WRONG", g.base, baohanNo)); code != 404 || !bytes.Contains(page, []byte("未查询到该保函")) {
				t.Fatalf("verify with a wrong code: %d", code)
			}
			code, page = uploadForVerify(t, g.base, letter)
			if code != 200 || !bytes.Contains(page, []byte("与本机构出具的密文保函一致")) {
				t.Fatalf("verify the letter: %d\n%s", code, page)
			}
			// Signature by signature: ours, valid, certifying, local clock.
			for _, want := range []string{"电子签名核验", "签名有效", "本机构签名证书", "认证签名：仅允许填写表单和追加签名", "签名服务器本地时钟"} {
				if !bytes.Contains(page, []byte(want)) {
					t.Errorf("verification page lacks %q", want)
				}
			}
			tampered := append([]byte(nil), letter...)
			tampered[len(tampered)/2] ^= 1
			if code, page := uploadForVerify(t, g.base, tampered); code != 404 || !bytes.Contains(page, []byte("不一致")) || !bytes.Contains(page, []byte("签名无效")) {
				t.Fatalf("verify a changed letter: %d\n%s", code, page)
			}

			// 4.3: restore with V2's key; the plaintext letter follows.
			restore := map[string]string{"platformcode": "A3205650121", "applyno": applyNo, "baohanno": baohanNo,
				"kaibiaotime": platform.FormatTime(time.Now().Add(2 * time.Hour)), "key": "169b909483f5822975d316b6676b0a0a"}
			if r := g.call("baohanrestore", restore); r.Code != 0 || !strings.Contains(r.Message, "无法解密") {
				t.Fatalf("restore with a wrong key: %+v", r)
			}
			restore["key"] = "eyF5xYB3evZe2Ge+svjKAQ=="
			if r := g.call("baohanrestore", restore); r.Code != 1 {
				t.Fatalf("restore: %+v", r)
			}
			if strings.Contains(g.log.String(), "eyF5xYB3evZe2Ge") {
				t.Fatal("the log shows the SM4 key")
			}
			var plainURL string
			for deadline := time.Now().Add(20 * time.Second); plainURL == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				_, app = g.admin("GET", "/admin/api/applications/"+applyNo, nil)
				for _, d := range app["documents"].([]any) {
					if dm := d.(map[string]any); dm["kind"] == "plain_letter" {
						plainURL = str(dm, "url")
					}
				}
			}
			if plainURL == "" {
				t.Fatal("no plaintext letter within 20 s")
			}
			project = app["project"].(map[string]any)
			if project["sealed"] != false || project["zbr"] != "针织服饰有限公司" || project["biaoduanname"] != "测试保函1108-3" {
				t.Fatalf("project after opening: %v", project)
			}
			_, _, plain := g.get(plainURL)
			checkPDFSignature(t, plain)
			code, _, page = g.get(fmt.Sprintf("%s/verify?no=%s&code=%s", g.base, baohanNo, checkCode))
			if code != 200 || !bytes.Contains(page, []byte("针织服饰有限公司")) {
				t.Fatalf("verify after opening: %d", code)
			}
			if code, page := uploadForVerify(t, g.base, letter); code != 200 || !bytes.Contains(page, []byte("已由开标后的明文保函替代")) {
				t.Fatalf("verify the superseded ciphertext letter: %d\n%s", code, page)
			}

			// 4.7 after restore is refused; 4.5 and the invoice; 4.9.
			if r := g.call("quitapply", map[string]string{"platformcode": "A3205650121", "applyno": applyNo, "baohanno": baohanNo, "reason": "撤回"}); r.Code != 0 || !strings.Contains(r.Message, "已开标") {
				t.Fatalf("quit after opening: %+v", r)
			}
			inv := map[string]string{"platformcode": "A3205650121", "applyno": applyNo, "baohanno": baohanNo,
				"biddername": "吉林省昇喆建筑工程有限公司", "biddercode": "91220101MA17XYZ12K", "amount": str(app, "cost"), "type": "0"}
			if r := g.call("invoiceapply", inv); r.Code != 1 {
				t.Fatalf("invoiceapply: %+v", r)
			}
			pdfB64 := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 invoice"))
			if st, body := g.admin("POST", "/admin/api/applications/"+applyNo+"/invoice/issue", map[string]string{"invoicecode": "022001900111", "invoiceno": "12345678", "pdf": pdfB64}); st != 200 || body["invoice"].(map[string]any)["status"] != "issued" {
				t.Fatalf("invoice issue: %d %v", st, body)
			}
			if r := g.call("canclenotice", map[string]string{"platformcode": "A3205650121", "applyno": applyNo, "baohanno": baohanNo}); r.Code != 1 {
				t.Fatalf("canclenotice: %+v", r)
			}
			_, app = g.admin("GET", "/admin/api/applications/"+applyNo, nil)
			var ifaces []string
			for _, n := range app["notices"].([]any) {
				ifaces = append(ifaces, str(n.(map[string]any), "interface"))
			}
			if got := strings.Join(ifaces, ","); app["status"] != "cancelled" || got != "baohannotice,restorenotice,invoicenotice" {
				t.Fatalf("status %v, notices %s", app["status"], got)
			}
		})
	}
}

// uploadForVerify posts a file to the verification page.
func uploadForVerify(t *testing.T, base string, data []byte) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "保函.pdf")
	fw.Write(data)
	mw.Close()
	resp, err := http.Post(base+"/verify/document", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// checkPDFSignature runs poppler's pdfsig on a letter: the signature must be
// valid.
func checkPDFSignature(t *testing.T, pdf []byte) {
	t.Helper()
	bin, err := exec.LookPath("pdfsig")
	if err != nil {
		t.Fatal("pdfsig not found: install poppler-utils (.ci/run does)")
	}
	path := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(bin, path).CombinedOutput()
	if !bytes.Contains(out, []byte("Signature Validation: Signature is Valid.")) {
		t.Fatalf("pdfsig:\n%s", out)
	}
}
