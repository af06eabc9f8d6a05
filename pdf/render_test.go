package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

var allKinds = []Kind{KindBank, KindGuarantor, KindInsurer}

func variantName(k Kind, sealed bool) string {
	name := map[Kind]string{KindBank: "bank", KindGuarantor: "guarantor", KindInsurer: "insurer"}[k]
	if sealed {
		return name + "_sealed"
	}
	return name + "_plain"
}

// TestLetterGolden renders the six variants (3 kinds × sealed/plaintext) and
// compares the text pdftotext -layout extracts with testdata/*.golden. Only
// trailing spaces are trimmed.
func TestLetterGolden(t *testing.T) {
	r := mustRenderer(t)
	for _, k := range allKinds {
		for _, sealed := range []bool{true, false} {
			name := variantName(k, sealed)
			t.Run(name, func(t *testing.T) {
				b := mustRender(t, r, testLetter(k, sealed))
				path := writeTemp(t, name+".pdf", b)
				text := pdfText(t, path, "-layout")
				lines := strings.Split(text, "\n")
				for i, ln := range lines {
					lines[i] = strings.TrimRight(ln, " ")
				}
				checkGolden(t, "letter_"+name+".golden", strings.Join(lines, "\n"))
				if *letters != "" {
					dumpLetter(t, name, b)
				}
			})
		}
	}
}

// dumpLetter writes a letter and its first page as PNG for visual review
// (go test ./pdf -run TestLetterGolden -letters /tmp/letters).
func dumpLetter(t *testing.T, name string, b []byte) {
	if err := os.MkdirAll(*letters, 0o755); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(*letters, name+".pdf")
	if err := os.WriteFile(pdf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	needTool(t, "pdftoppm", "poppler-utils")
	run(t, "pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, filepath.Join(*letters, name))
}

// TestLetterContent checks what each variant must say, independently of the
// golden files.
func TestLetterContent(t *testing.T) {
	r := mustRenderer(t)
	for _, k := range allKinds {
		for _, sealed := range []bool{true, false} {
			t.Run(variantName(k, sealed), func(t *testing.T) {
				l := testLetter(k, sealed)
				text := stripSpace(pdfText(t, writeTemp(t, "l.pdf", mustRender(t, r, l)), "-raw"))
				must := []string{
					l.GuaranteeNo, l.Bidder, l.BidderCode, l.Tenderer, l.TendererCode,
					l.SectionNo, l.SectionName, l.Issuer, l.IssuerAddress, l.VerifyURL, l.CheckCode,
					"人民币贰万元整", "¥20,000.00", "¥200.00", "2024-03-01 10:30:15",
					"无条件地、不可撤销地", "7日内", "书面", "投标有效期内撤销或修改其投标文件",
					"收到中标通知书后无正当理由拒签合同或拒交规定履约担保", "2024年3月1日", "2024年5月30日",
				}
				switch k {
				case KindBank:
					must = append(must, "银行电子投标保函", "保证人（盖章）", "我行")
				case KindGuarantor:
					must = append(must, "担保机构电子投标保函", "担保人（盖章）", "我方")
				case KindInsurer:
					must = append(must, "投标保证保险保单", "投保人", "被保险人", "保险金额", "保险人（盖章）", "保险费")
				}
				if sealed {
					must = append(must, "开标前加密，开标后由交易平台解密还原")
				}
				for _, s := range must {
					if !strings.Contains(text, stripSpace(s)) {
						t.Errorf("letter text lacks %q", s)
					}
				}
				if !sealed && strings.Contains(text, "开标前加密") {
					t.Error("plaintext letter says it is sealed")
				}
				if strings.Contains(text, "开发测试") {
					t.Error("unsigned letter carries the development mark")
				}
			})
		}
	}
}

// TestBeijingTime: the issue time prints in UTC+8 whatever zone the
// time.Time carries.
func TestBeijingTime(t *testing.T) {
	r := mustRenderer(t)
	for _, loc := range []*time.Location{time.UTC, time.FixedZone("X", -7*3600), time.FixedZone("Y", 13*3600)} {
		l := testLetter(KindBank, false)
		l.IssueTime = l.IssueTime.In(loc)
		text := pdfText(t, writeTemp(t, "l.pdf", mustRender(t, r, l)), "-raw")
		if !strings.Contains(text, "2024-03-01 10:30:15") {
			t.Errorf("zone %s: issue time not printed as 2024-03-01 10:30:15", loc)
		}
	}
	if got := formatTime(time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC)); got != "2025-01-01 00:00:00" {
		t.Errorf("formatTime across midnight = %s, want 2025-01-01 00:00:00", got)
	}
}

// TestLongParagraphSurvives: every character of a long CJK paragraph, and of
// a long base64 ciphertext, is in the extracted text, in order. (fpdf's
// MultiCell drops a character at each automatic CJK line break.)
func TestLongParagraphSurvives(t *testing.T) {
	r := mustRenderer(t)
	const pool = "鉴于投标人参加本项目的投标我方无条件地不可撤销地保证昇喆堃犇淼镕燊珺琇旸，。、；：（）“”《》0123456789ABCxyz"
	pr := []rune(pool)
	var sb strings.Builder
	for i := range 420 {
		sb.WriteRune(pr[(i*7+i/13)%len(pr)])
	}
	long := sb.String()

	l := testLetter(KindGuarantor, false)
	l.SectionName = long
	l.ProjectName = "吉林省长春市" + string([]rune(long)[:30])
	text := stripSpace(pdfText(t, writeTemp(t, "long.pdf", mustRender(t, r, l)), "-raw"))
	want := stripSpace(long)
	if n := strings.Count(text, want); n < 2 {
		t.Errorf("long section name found %d times in the text, want 2 (table and body)", n)
		reportFirstLoss(t, text, want)
	}

	// A sealed letter with a maximal ciphertext (1000 plaintext characters
	// encrypted: 4000 base64 characters would exceed the field; use 2700).
	s := testLetter(KindBank, true)
	var cb strings.Builder
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range 2700 {
		cb.WriteByte(b64[(i*31+i/64)%64])
	}
	cb.WriteString("==")
	s.SectionName = cb.String()
	b := mustRender(t, r, s)
	// The letter runs over two pages: drop the page footer and the next
	// page's running header, which -raw prints in the middle of the paragraph.
	text = stripSpace(pdfText(t, writeTemp(t, "sealed.pdf", b), "-raw"))
	text = footerRE.ReplaceAllString(text, "")
	if n := strings.Count(text, s.SectionName); n < 2 {
		t.Errorf("long ciphertext found %d times, want 2", n)
		reportFirstLoss(t, text, s.SectionName)
	}
}

// footerRE matches a page footer and the following page's running header in
// space-stripped text.
var footerRE = regexp.MustCompile(`验真网址：.*?签名失效。第\d+页共\d+页(投标保函（续）保函编号：BH2024030100001)?(标段名称（续）)?`)

// reportFirstLoss names the first character of want missing from text.
func reportFirstLoss(t *testing.T, text, want string) {
	t.Helper()
	for i := range want {
		if !strings.Contains(text, want[:i+1]) {
			r, _ := utf8.DecodeRuneInString(want[i:])
			t.Errorf("text breaks off at byte %d (%q) of the expected paragraph", i, r)
			return
		}
	}
}

// TestWrapKeepsEveryRune checks the line breaker directly, including its
// punctuation rules.
func TestWrapKeepsEveryRune(t *testing.T) {
	r := mustRenderer(t)
	inputs := []string{
		"二、我行在收到你方书面通知后，在7日内无条件向你方支付人民币贰万元整（¥20,000.00）。",
		strings.Repeat("招标人（甲方）“投标人”，。；", 40),
		strings.Repeat("XhKYCAmA6IqQvH/eDuTabVrzVPeTmWLluA0X4fkU00k=", 20),
		strings.Repeat("，", 100),
		"",
		"a",
		strings.Repeat("Xinjiang Construction Group Co., Ltd. ", 12),
	}
	for _, in := range inputs {
		for _, width := range []float64{20, 100, contentW} {
			lines := r.wrap([]rune(in), 10.5, width, width)
			var got []rune
			for i, ln := range lines {
				got = append(got, ln.runes...)
				if i > 0 && len(ln.runes) > 0 && strings.ContainsRune(noLineStart, ln.runes[0]) && width == contentW && !strings.HasPrefix(in, "，，") {
					t.Errorf("width %v: line %d starts with %q: %q", width, i, ln.runes[0], string(ln.runes))
				}
				last := ln.runes[len(ln.runes)-1]
				if i < len(lines)-1 && strings.ContainsRune(noLineEnd, last) && width == contentW {
					t.Errorf("width %v: line %d ends with %q", width, i, last)
				}
			}
			if stripSpace(string(got)) != stripSpace(in) {
				t.Errorf("width %v: wrap lost text:\n got %q\nwant %q", width, string(got), in)
			}
		}
	}
}

func TestValidateNamesField(t *testing.T) {
	r := mustRenderer(t)
	tests := []struct {
		field  string
		mutate func(*Letter)
	}{
		{"Kind", func(l *Letter) { l.Kind = 0 }},
		{"GuaranteeNo", func(l *Letter) { l.GuaranteeNo = " " }},
		{"SectionNo", func(l *Letter) { l.SectionNo = "" }},
		{"SectionName", func(l *Letter) { l.SectionName = "" }},
		{"Tenderer", func(l *Letter) { l.Tenderer = "" }},
		{"Bidder", func(l *Letter) { l.Bidder = "" }},
		{"Bidder", func(l *Letter) { l.Bidder = strings.Repeat("长", maxName+1) }},
		{"BidderCode", func(l *Letter) { l.BidderCode = "" }},
		{"Issuer", func(l *Letter) { l.Issuer = "" }},
		{"VerifyURL", func(l *Letter) { l.VerifyURL = "" }},
		{"VerifyURL", func(l *Letter) { l.VerifyURL = "ftp://x" }},
		{"CheckCode", func(l *Letter) { l.CheckCode = "" }},
		{"AmountFen", func(l *Letter) { l.AmountFen = 0 }},
		{"AmountFen", func(l *Letter) { l.AmountFen = maxAmountFen }},
		{"PremiumFen", func(l *Letter) { l.PremiumFen = -1 }},
		{"ValidFrom", func(l *Letter) { l.ValidFrom = time.Time{} }},
		{"ValidTo", func(l *Letter) { l.ValidTo = time.Time{} }},
		{"ValidTo", func(l *Letter) { l.ValidTo = l.ValidFrom.Add(-time.Hour) }},
		{"ClaimDeadline", func(l *Letter) { l.ClaimDeadline = l.ValidFrom.Add(-time.Hour) }},
		{"IssueTime", func(l *Letter) { l.IssueTime = time.Time{} }},
		{"Tenderer", func(l *Letter) { l.Tenderer = "\n\u200b\t" }}, // blank as printed
		{"ProjectName", func(l *Letter) { l.ProjectName = string([]byte{0xff, 0xfe}) }},
	}
	for _, tt := range tests {
		l := testLetter(KindBank, false)
		tt.mutate(&l)
		_, err := r.Render(l)
		if err == nil {
			t.Errorf("%s: Render succeeded, want an error", tt.field)
			continue
		}
		if !strings.Contains(err.Error(), tt.field+":") {
			t.Errorf("%s: error %q does not name the field", tt.field, err)
		}
	}
}

// TestRenderDeterministic: without a signature the output depends only on
// the letter.
func TestRenderDeterministic(t *testing.T) {
	r := mustRenderer(t)
	a := mustRender(t, r, testLetter(KindInsurer, true))
	b := mustRender(t, r, testLetter(KindInsurer, true))
	if !bytes.Equal(a, b) {
		t.Error("two renders of the same letter differ")
	}
}

// TestConcurrentRender shares one Renderer between goroutines (run with
// -race to check the "safe for concurrent use" promise).
func TestConcurrentRender(t *testing.T) {
	r := mustRenderer(t)
	want := map[Kind][]byte{}
	for _, k := range allKinds {
		want[k] = mustRender(t, r, testLetter(k, false))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := allKinds[i%3]
			got, err := r.Render(testLetter(k, false))
			switch {
			case err != nil:
				errs <- err
			case !bytes.Equal(got, want[k]):
				errs <- fmt.Errorf("kind %v: concurrent render differs", k)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestFonts checks the embedded font: licence beside it, the characters we
// promise, and that the PDF embeds subsets with ToUnicode maps.
func TestFonts(t *testing.T) {
	if _, err := os.Stat(filepath.Join("fonts", "OFL.txt")); err != nil {
		t.Errorf("font licence missing: %v", err)
	}
	r := mustRenderer(t)
	for _, c := range "昇喆堃犇淼镕燊珺琇旸¥￥“”（）：；，。、AZaz09@#%&*+/=" {
		if _, ok := r.font.glyph(c); !ok {
			t.Errorf("embedded font lacks %q (%U)", c, c)
		}
	}
	// Every character of the fixed wording is in the cached subset.
	for _, c := range fixedText() {
		if _, ok := r.fixed.glyphs[c]; !ok {
			t.Errorf("fixed subset lacks %q", c)
		}
	}
	// A subset is itself a valid TrueType font with the glyphs we asked for.
	gids := []uint16{r.fixed.glyphs['保'].gid, r.fixed.glyphs['A'].gid}
	sub, err := parseSFNT(r.font.subset(gids), false)
	if err != nil {
		t.Fatalf("subset does not parse: %v", err)
	}
	if sub.numGlyphs != 3 {
		t.Errorf("subset has %d glyphs, want 3", sub.numGlyphs)
	}
	for i, g := range gids {
		want := r.font.glyf[r.font.loca[g]:r.font.loca[g+1]]
		got := sub.glyf[sub.loca[i+1]:sub.loca[i+2]]
		if !bytes.Equal(bytes.TrimRight(got, "\x00"), bytes.TrimRight(want, "\x00")) {
			t.Errorf("subset glyph %d differs from the original", i+1)
		}
	}

	needTool(t, "pdffonts", "poppler-utils")
	out := run(t, "pdffonts", writeTemp(t, "l.pdf", mustRender(t, r, testLetter(KindBank, false))))
	for _, ln := range strings.Split(out, "\n")[2:] {
		if ln == "" {
			continue
		}
		if !strings.Contains(ln, "CID TrueType") || !strings.Contains(ln, "yes yes yes") {
			t.Errorf("font not an embedded subset with ToUnicode: %s", ln)
		}
	}
}

// TestQRCode decodes the QR code from a rendered page image.
func TestQRCode(t *testing.T) {
	needTool(t, "pdftoppm", "poppler-utils")
	needTool(t, "zbarimg", "zbar-tools")
	r := mustRenderer(t)
	for _, sealed := range []bool{true, false} {
		l := testLetter(KindInsurer, sealed)
		l.VerifyURL = "https://baohan.example.com/verify?no=BH2024030100001&code=7Q4K-9XPM"
		dir := t.TempDir()
		pdf := filepath.Join(dir, "l.pdf")
		if err := os.WriteFile(pdf, mustRender(t, r, l), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, "pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, filepath.Join(dir, "page"))
		got := strings.TrimSpace(run(t, "zbarimg", "--raw", "-q", filepath.Join(dir, "page.png")))
		if got != l.VerifyURL {
			t.Errorf("QR code decodes to %q, want %q", got, l.VerifyURL)
		}
	}
}

func TestRenderErrorIsWrapped(t *testing.T) {
	r := mustRenderer(t)
	_, err := r.Render(Letter{})
	if err == nil || !strings.HasPrefix(err.Error(), "pdf: letter: ") {
		t.Errorf("Render(Letter{}) error = %v, want a pdf: letter: error", err)
	}
	if errors.Unwrap(err) == nil && !strings.Contains(err.Error(), "Kind") {
		t.Errorf("error %v names no field", err)
	}
}

// TestFixedText: characters named in Options.FixedText join the cached
// subset, so a letter using only them needs no per-document font.
func TestFixedText(t *testing.T) {
	l := testLetter(KindBank, true)
	r, err := NewRenderer(Options{FixedText: l.Issuer + l.IssuerAddress + l.Bidder})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range l.Issuer + l.IssuerAddress + l.Bidder {
		if _, ok := r.fixed.glyphs[c]; !ok {
			t.Fatalf("FixedText character %q not in the fixed subset", c)
		}
	}
	b := mustRender(t, r, l)
	if bytes.Contains(b, []byte("/F2 ")) {
		t.Error("letter embeds a per-document font although every character is fixed")
	}
	text := stripSpace(pdfText(t, writeTemp(t, "l.pdf", b), "-raw"))
	if !strings.Contains(text, l.Issuer) || !strings.Contains(text, l.Bidder) {
		t.Error("fixed-text characters missing from the extracted text")
	}
}
