package pdf

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	update  = flag.Bool("update", false, "rewrite the golden files in testdata")
	letters = flag.String("letters", "", "also write the six letter variants as PDF and page-1 PNG into this directory, for review")
)

// testLetter is a complete letter with fixed times, so rendered text is
// deterministic. Sealed letters carry real platform ciphertext (WIRE.md V1).
func testLetter(k Kind, sealed bool) Letter {
	l := Letter{
		Kind:          k,
		GuaranteeNo:   "BH2024030100001",
		Sealed:        sealed,
		SectionNo:     "D1506011506000527001003",
		SectionName:   "长春市南关区2024年老旧小区改造工程（一标段）施工",
		Tenderer:      "长春市南关区住房和城乡建设局",
		TendererCode:  "11220102MB1234567X",
		Bidder:        "吉林省昇喆建筑工程有限公司",
		BidderCode:    "91220101MA17XYZ12K",
		AmountFen:     2000000,
		PremiumFen:    20000,
		ValidFrom:     time.Date(2024, 3, 1, 0, 0, 0, 0, beijing),
		ValidTo:       time.Date(2024, 5, 30, 0, 0, 0, 0, beijing),
		IssueTime:     time.Date(2024, 3, 1, 2, 30, 15, 0, time.UTC), // 10:30:15 in Beijing
		Issuer:        "中国建设银行股份有限公司长春南关支行",
		IssuerAddress: "吉林省长春市南关区人民大街1234号",
		VerifyURL:     "https://baohan.example.com/verify/BH2024030100001",
		CheckCode:     "7Q4K-9XPM",
	}
	switch k {
	case KindGuarantor:
		l.Issuer = "吉林省信用融资担保集团有限公司"
		l.IssuerAddress = "吉林省长春市朝阳区工农大路5678号"
	case KindInsurer:
		l.Issuer = "中国人民财产保险股份有限公司长春市分公司"
		l.IssuerAddress = "吉林省长春市朝阳区西安大路9012号"
	}
	if sealed {
		l.SectionNo = "ZQTlFtJoYGGph9ER3ft7rOynfKUgdTF2gGqvpgvv9fk="
		l.SectionName = "22yLFrP+hxQKOJe71oMF4QzdxK51cpJ9SWylFq/J8gGfrgazqW8+F9YhRDp9DONvo3cVYmS+aKfNVGcEtGFSFycOJqqoPUwEQp1mga2xliUE="
		l.Tenderer = "XhKYCAmA6IqQvH/eDuTabVrzVPeTmWLluA0X4fkU00k="
		l.TendererCode = "6ParPCtarP8r5rCLbv3wZ1gIEjlmUW27AOfUxd+85ww="
	}
	return l
}

// sampleLetter is testLetter under the name the benchmarks use.
func sampleLetter(k Kind, sealed bool) Letter { return testLetter(k, sealed) }

// renderers are built once per test binary: NewRenderer is deliberately the
// expensive step.
var (
	plainOnce sync.Once
	plainR    *Renderer
	plainErr  error
)

// mustRenderer returns an unsigned Renderer shared by the tests.
func mustRenderer(tb testing.TB) *Renderer {
	tb.Helper()
	plainOnce.Do(func() { plainR, plainErr = NewRenderer(Options{}) })
	if plainErr != nil {
		tb.Fatalf("NewRenderer: %v", plainErr)
	}
	return plainR
}

// mustRender renders l and fails the test on error.
func mustRender(tb testing.TB, r *Renderer, l Letter) []byte {
	tb.Helper()
	b, err := r.Render(l)
	if err != nil {
		tb.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		tb.Fatalf("Render: output does not start with %%PDF-")
	}
	return b
}

// needTool returns the path of an external program the test needs, failing
// (never skipping) when it is missing: CI installs these packages.
func needTool(tb testing.TB, name, pkg string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Fatalf("%s not found: install %s (apt-get install -y poppler-utils zbar-tools); CI installs it", name, pkg)
	}
	return p
}

// run executes a program and returns its standard output.
func run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// writeTemp writes b to a file in the test's temporary directory.
func writeTemp(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// pdfText extracts the text of a PDF file with pdftotext and the given mode
// flag ("-layout" or "-raw").
func pdfText(tb testing.TB, path, mode string) string {
	tb.Helper()
	needTool(tb, "pdftotext", "poppler-utils")
	return run(tb, "pdftotext", "-enc", "UTF-8", mode, path, "-")
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(tb testing.TB, name, got string) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		tb.Errorf("%s differs from the golden file (run go test -update after checking):\n%s", name, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines that differ, for readable failures.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
		}
	}
	return b.String()
}

// stripSpace removes all white space, for order-only text comparisons.
func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}
