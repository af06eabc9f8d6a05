package pdf

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fallbackFontPath is a TrueType font with characters the embedded font
// lacks (Georgian, Hebrew, chess symbols); CI installs fonts-dejavu-core.
const fallbackFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

func mustFallbackFont(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(fallbackFontPath)
	if err != nil {
		t.Fatalf("fallback font for the test: %v (apt-get install -y fonts-dejavu-core; CI installs it)", err)
	}
	return b
}

// pagePNG renders page 1 of a letter as PNG bytes with pdftoppm.
func pagePNG(t *testing.T, b []byte) []byte {
	t.Helper()
	needTool(t, "pdftoppm", "poppler-utils")
	dir := t.TempDir()
	in := filepath.Join(dir, "l.pdf")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "1", "-singlefile", in, filepath.Join(dir, "page"))
	png, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// TestControlCharactersPrintAsSpaces: line breaks, tabs, a bell and format
// characters in the plaintext print as spaces (a run as one), the letter is
// made, and the report names the field and the characters.
func TestControlCharactersPrintAsSpaces(t *testing.T) {
	r := mustRenderer(t)
	l := testLetter(KindBank, false)
	l.SectionName = "老旧小区\r\n改造工程\t（一标段）\a施工\u200b监理\u2028二期\ufeff"
	l.Tenderer = "长春市南关区\u00ad住房和城乡建设局"
	b, rep, err := r.RenderReport(l)
	if err != nil {
		t.Fatalf("RenderReport: %v", err)
	}
	want := []Note{
		{Field: "SectionName", How: AsSpace, Chars: []rune{'\r', '\n', '\t', '\a', 0x200B, 0x2028, 0xFEFF}},
		{Field: "Tenderer", How: AsSpace, Chars: []rune{0xAD}},
	}
	if !reflect.DeepEqual(rep.Notes, want) {
		t.Errorf("report = %+v, want %+v", rep.Notes, want)
	}
	if rep.Marked() {
		t.Error("report says a character was marked")
	}
	text := pdfText(t, writeTemp(t, "ctl.pdf", b), "-raw")
	for _, s := range []string{"老旧小区 改造工程 （一标段） 施工 监理 二期", "长春市南关区 住房和城乡建设局"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	if strings.ContainsAny(text, "\a\u200b\ufeff\u2028\u00ad") {
		t.Error("a control or format character reached the page")
	}
}

// TestLongSectionNameWraps: the 240-character section name the platform
// allows (1,000 characters of ciphertext) prints whole, over two pages if
// it must, in the table and in the body.
func TestLongSectionNameWraps(t *testing.T) {
	r := mustRenderer(t)
	l := testLetter(KindInsurer, false)
	l.SectionName = strings.Repeat("长春市南关区老旧小区改造工程施工监理服务一标段二", 10)
	if n := len([]rune(l.SectionName)); n != 240 {
		t.Fatalf("section name has %d characters, want 240", n)
	}
	b, rep, err := r.RenderReport(l)
	if err != nil {
		t.Fatalf("RenderReport: %v", err)
	}
	if len(rep.Notes) != 0 {
		t.Errorf("report = %+v, want none", rep.Notes)
	}
	text := stripSpace(pdfText(t, writeTemp(t, "long.pdf", b), "-raw"))
	text = footerRE.ReplaceAllString(text, "")
	text = strings.ReplaceAll(text, "投标保证保险保单（续）保单号：BH2024030100001", "")
	if n := strings.Count(text, l.SectionName); n != 2 {
		t.Errorf("section name found %d times, want 2 (table and body)", n)
		reportFirstLoss(t, text, l.SectionName)
	}
}

// TestMissingCharacterMarked: without a fallback font a character no font
// has prints as MissingMark, exactly as a letter with the mark typed in
// looks, while text extraction still gives the character; the report names
// it.
func TestMissingCharacterMarked(t *testing.T) {
	r := mustRenderer(t)
	l := testLetter(KindBank, false)
	l.Bidder = "吉林省𪚥建筑工程有限公司"
	b, rep, err := r.RenderReport(l)
	if err != nil {
		t.Fatalf("RenderReport: %v", err)
	}
	want := []Note{{Field: "Bidder", How: Marked, Chars: []rune{0x2A6A5}}}
	if !reflect.DeepEqual(rep.Notes, want) || !rep.Marked() {
		t.Errorf("report = %+v, want %+v", rep.Notes, want)
	}
	if text := pdfText(t, writeTemp(t, "m.pdf", b), "-raw"); !strings.Contains(text, "吉林省𪚥建筑工程有限公司") {
		t.Errorf("extracted text lacks the character itself:\n%s", text)
	}
	typed := testLetter(KindBank, false)
	typed.Bidder = "吉林省□建筑工程有限公司"
	if !bytes.Equal(pagePNG(t, b), pagePNG(t, mustRender(t, r, typed))) {
		t.Error("the missing character does not look like □ typed in its place")
	}
}

// TestFallbackFont: with a fallback font, the characters the embedded font
// lacks are drawn from it (embedded as a third subset font), not marked.
func TestFallbackFont(t *testing.T) {
	r, err := NewRenderer(Options{FallbackFont: mustFallbackFont(t)})
	if err != nil {
		t.Fatal(err)
	}
	l := testLetter(KindGuarantor, false)
	l.Tenderer = "长春ა市♞住建局𪚥"
	b, rep, err := r.RenderReport(l)
	if err != nil {
		t.Fatalf("RenderReport: %v", err)
	}
	want := []Note{
		{Field: "Tenderer", How: FromFallback, Chars: []rune{'ა', '♞'}},
		{Field: "Tenderer", How: Marked, Chars: []rune{0x2A6A5}},
	}
	if !reflect.DeepEqual(rep.Notes, want) {
		t.Errorf("report = %+v, want %+v", rep.Notes, want)
	}
	path := writeTemp(t, "fb.pdf", b)
	if text := pdfText(t, path, "-raw"); !strings.Contains(text, "长春ა市♞住建局𪚥") {
		t.Errorf("extracted text lacks the tenderer:\n%s", text)
	}
	needTool(t, "pdffonts", "poppler-utils")
	fonts := run(t, "pdffonts", path)
	if !strings.Contains(fonts, "+DejaVuSans") {
		t.Errorf("the fallback font is not embedded:\n%s", fonts)
	}
	// Drawn, not marked: the page differs from one with marks in their place.
	marked := testLetter(KindGuarantor, false)
	marked.Tenderer = "长春□市□住建局□"
	if bytes.Equal(pagePNG(t, b), pagePNG(t, mustRender(t, r, marked))) {
		t.Error("the fallback characters look like marks")
	}
}

// TestFallbackFontRefused: what cannot serve as a fallback font is refused
// with a reason.
func TestFallbackFontRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"collection", append([]byte("ttcf"), make([]byte, 20)...), "collection"},
		{"CFF", append([]byte("OTTO"), make([]byte, 20)...), "CFF"},
		{"garbage", []byte("not a font at all"), "not a TrueType font"},
	} {
		_, err := NewRenderer(Options{FallbackFont: tt.data})
		if err == nil || !strings.Contains(err.Error(), "fallback font") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: NewRenderer error = %v, want one about the fallback font saying %q", tt.name, err, tt.want)
		}
	}
}

// TestBlankFieldIsFieldError: a required field that is blank once printed
// is a *FieldError naming it.
func TestBlankFieldIsFieldError(t *testing.T) {
	r := mustRenderer(t)
	l := testLetter(KindBank, false)
	l.Tenderer = "\u200b\r\n"
	_, err := r.Render(l)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "Tenderer" || !fe.Blank {
		t.Errorf("Render error = %v, want a blank Tenderer FieldError", err)
	}
	l = testLetter(KindBank, false)
	l.SectionName = strings.Repeat("长", maxLong+1)
	_, err = r.Render(l)
	if !errors.As(err, &fe) || fe.Field != "SectionName" || fe.Max != maxLong || fe.Length != maxLong+1 {
		t.Errorf("Render error = %v, want a too-long SectionName FieldError", err)
	}
}

// TestPrintableLeavesPlainTextAlone: ordinary text is not copied.
func TestPrintableLeavesPlainTextAlone(t *testing.T) {
	r := mustRenderer(t)
	for _, s := range []string{"长春市南关区 住房和城乡建设局", "ABC 123", "全角　空格", ""} {
		got, spaced := r.printable(s)
		if got != s || spaced != nil {
			t.Errorf("printable(%q) = %q, %q", s, got, spaced)
		}
	}
	got, spaced := r.printable("a\ufe0fb\u3000c\n\nd")
	if got != "ab\u3000c d" || string(spaced) != "\n" {
		t.Errorf("printable = %q, %q", got, spaced)
	}
}
