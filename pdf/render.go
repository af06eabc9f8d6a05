package pdf

import (
	"context"
	"fmt"
	"strings"

	"github.com/skip2/go-qrcode"
)

// Options configure a Renderer.
type Options struct {
	// Signer signs every letter. Nil renders unsigned letters (tests,
	// previews); a production service always sets it.
	Signer *Signer
	// FixedText lists characters the institution prints on every letter,
	// typically its name and address. Their glyphs join the font subset that
	// is prepared once, which saves per-letter work; any character works
	// without it.
	FixedText string
	// FallbackFont is a TrueType font file (.ttf, glyf outlines; not a .ttc
	// collection nor CFF-based .otf) whose glyphs are drawn for the
	// characters the embedded font lacks, such as rare characters of the CJK
	// extensions in a name. Nil: such characters are drawn as MissingMark.
	FallbackFont []byte
}

// Renderer renders and signs guarantee letters. It parses and subsets the
// embedded font once, in NewRenderer; a Renderer is immutable afterwards and
// safe for concurrent use.
type Renderer struct {
	font     *ttFont
	fallback *ttFont // Options.FallbackFont; nil when none
	fixed    *fixedFont
	z        *zpool
	signer   *Signer
}

// NewRenderer parses the embedded font and prepares the fixed font subset.
// It takes a few hundred milliseconds; create one Renderer per process (or
// per certificate) and reuse it.
func NewRenderer(opt Options) (*Renderer, error) {
	f, err := parseTrueType(fontRegular)
	if err != nil {
		return nil, fmt.Errorf("pdf: embedded font: %w", err)
	}
	r := &Renderer{font: f, z: newZpool(), signer: opt.Signer}
	if len(opt.FallbackFont) > 0 {
		if r.fallback, err = parseTrueType(opt.FallbackFont); err != nil {
			return nil, fmt.Errorf("pdf: fallback font: %w", err)
		}
		if r.fallback.psName == f.psName {
			r.fallback.psName += "-Fallback" // two fonts of one name would confuse readers
		}
	}
	if r.fixed, err = buildFixedFont(f, fixedText()+opt.FixedText, r.z); err != nil {
		return nil, fmt.Errorf("pdf: prepare font: %w", err)
	}
	return r, nil
}

// Render validates l and returns the letter as a PDF, signed when the
// Renderer has a Signer. Errors name the offending Letter field (a
// *FieldError for a field that cannot be printed). Text is printed by the
// rules of print.go; RenderReport also says what they changed.
func (r *Renderer) Render(l Letter) ([]byte, error) {
	b, _, _, err := r.RenderFull(context.Background(), l)
	return b, err
}

// RenderContext is Render that also reports how the letter was signed; ctx
// bounds the wait for the time-stamping authority.
func (r *Renderer) RenderContext(ctx context.Context, l Letter) ([]byte, SignResult, error) {
	b, _, res, err := r.RenderFull(ctx, l)
	return b, res, err
}

// RenderReport renders l like Render and reports the characters it printed
// otherwise than they are: control characters as spaces, characters from
// the fallback font, characters marked as missing.
func (r *Renderer) RenderReport(l Letter) ([]byte, Report, error) {
	b, rep, _, err := r.RenderFull(context.Background(), l)
	return b, rep, err
}

// RenderFull renders l and reports both what was printed otherwise than it
// is (Report) and how the letter was signed (SignResult); ctx bounds the
// wait for the time-stamping authority.
func (r *Renderer) RenderFull(ctx context.Context, l Letter) ([]byte, Report, SignResult, error) {
	rep, err := r.prepare(&l)
	if err != nil {
		return nil, rep, SignResult{}, fmt.Errorf("pdf: letter: %w", err)
	}
	if err := l.Validate(); err != nil {
		return nil, rep, SignResult{}, fmt.Errorf("pdf: letter: %w", err)
	}
	b, res, err := r.render(ctx, &l)
	return b, rep, res, err
}

// render lays out, writes and signs a validated, printable letter.
func (r *Renderer) render(ctx context.Context, lp *Letter) ([]byte, SignResult, error) {
	l := *lp
	qr, err := qrcode.New(l.VerifyURL, qrcode.Medium)
	if err != nil {
		return nil, SignResult{}, fmt.Errorf("pdf: letter: VerifyURL: QR code: %w", err)
	}
	// The page around the code is blank, which serves as its quiet zone.
	qr.DisableBorder = true
	d := &docState{r: r, l: &l, w: wordingFor(l.Kind), dev: r.signer != nil && r.signer.Dev}
	d.layout(qr.Bitmap())
	out, res, err := d.assemble(ctx)
	if err != nil {
		return nil, res, fmt.Errorf("pdf: %w", err)
	}
	return out, res, nil
}

// docState is one letter being laid out.
type docState struct {
	r     *Renderer
	l     *Letter
	w     *wording
	dev   bool
	extra docFont // /F2
	fb    docFont // /F3

	pages [][]byte // finished page content streams
	cur   []byte   // content of the current page
	y     float64  // layout cursor, points from the top edge

	replacer *strings.Replacer // fills wording placeholders, built on first use

	footer []wrappedLine // verification lines at the foot of every page
	bottom float64       // lowest y for content, above the footer
	spare  float64       // space left on the last page (for tests)
}

func (d *docState) newPage() {
	if d.cur != nil {
		d.pages = append(d.pages, d.cur)
	}
	d.cur = make([]byte, 0, 16<<10)
	d.y = marginTop
	if len(d.pages) > 0 {
		// A continuation page names the letter it belongs to.
		st := textStyle{size: 9, color: darkGray}
		d.text(marginX, d.y, []rune(d.w.title+continued), st, 0)
		no := []rune(d.w.noLabel + "：" + d.l.GuaranteeNo)
		d.text(pageW-marginX-d.textWidth(no, 9), d.y, no, st, 0)
		d.line(marginX, d.y+5, pageW-marginX, d.y+5, 0.5, midGray)
		d.y += 12
	}
}

// ensure starts a new page unless h points fit above the bottom margin.
func (d *docState) ensure(h float64) {
	if d.y+h > d.bottom {
		d.newPage()
	}
}

// fill replaces the {placeholders} of a wording template.
func (d *docState) fill(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	if d.replacer != nil {
		return d.replacer.Replace(s)
	}
	l := d.l
	words, _ := AmountInWords(l.AmountFen) // validated
	premiumWords, _ := AmountInWords(l.PremiumFen)
	project := l.SectionName
	if l.ProjectName != "" {
		project = l.ProjectName + " " + l.SectionName
	}
	deadline := l.ClaimDeadline
	if deadline.IsZero() {
		deadline = l.ValidTo
	}
	d.replacer = strings.NewReplacer(
		"{doc}", d.w.docWord, "{no}", d.w.noLabel,
		"{tenderer}", l.Tenderer, "{bidder}", l.Bidder, "{bidderCode}", l.BidderCode,
		"{project}", project, "{sectionNo}", l.SectionNo, "{issuer}", l.Issuer,
		"{words}", words, "{figures}", formatFen(l.AmountFen),
		"{premium}", formatFen(l.PremiumFen), "{premiumWords}", premiumWords,
		"{from}", formatDate(l.ValidFrom), "{to}", formatDate(l.ValidTo),
		"{deadline}", formatDate(deadline),
	)
	return d.replacer.Replace(s)
}

// Type sizes and leading, points.
const (
	bodySize    = 10.5
	bodyLeading = 17
	tableSize   = 9.5
	tableLead   = 13
	smallSize   = 8.5
	smallLead   = 12.5
)

func (d *docState) layout(qr [][]bool) {
	l, w := d.l, d.w
	d.footer = d.footerLines()
	d.bottom = pageH - footerBase - float64(len(d.footer))*footerLead - 10
	d.newPage()

	// Header: QR code top right, title centred, number and check code.
	d.qr(qr, pageW-marginX-qrSize, d.y-6, qrSize)
	capt := []rune(scanCaption)
	d.text(pageW-marginX-qrSize/2-d.textWidth(capt, 7.5)/2, d.y+qrSize+8, capt, textStyle{size: 7.5, color: darkGray}, 0)
	d.y += 30
	d.centered(d.y, []rune(w.title), textStyle{size: 22, color: black, bold: true}, 22*0.25)
	d.y += 22
	d.centered(d.y, []rune(w.subtitle), textStyle{size: 11, color: darkGray}, 0)
	d.y = marginTop + qrSize + 21
	no := []rune(w.noLabel + "：" + l.GuaranteeNo)
	d.text(marginX, d.y, no, textStyle{size: 10, color: black}, 0)
	cc := []rune(checkCodeLbl + l.CheckCode)
	d.text(pageW-marginX-d.textWidth(cc, 10), d.y, cc, textStyle{size: 10, color: black}, 0)
	d.y += 4

	if l.Sealed {
		d.sealedBanner()
	}
	d.factsTable()

	// Body.
	d.y += 6
	d.paragraph([]rune(d.fill(w.salutation)), 0, textStyle{size: bodySize, color: black, bold: true})
	for _, p := range w.paragraphs {
		d.paragraph([]rune(d.fill(p)), 2*bodySize, textStyle{size: bodySize, color: black})
	}
	legal := w.legal
	if d.dev {
		legal = w.legalDev
	}
	// The last paragraph goes with the signature: a page holding only a
	// signature and seal would be worthless on its own.
	legalRunes := []rune(d.fill(legal))
	if d.y+d.paragraphHeight(legalRunes, 2*bodySize, bodySize)+d.signatureHeight() > d.bottom {
		d.newPage()
	}
	d.paragraph(legalRunes, 2*bodySize, textStyle{size: bodySize, color: black})
	d.signature()
	d.spare = d.bottom - d.y
	d.pages = append(d.pages, d.cur)
	d.cur = nil
	d.pageFurniture()
}

// Header and footer geometry, points.
const (
	qrSize     = 58
	footerBase = 26 // baseline of the last footer line above the page edge
	footerLead = 11
	footerSize = 7.5
)

// paragraph lays out text with a first-line indent, justified.
func (d *docState) paragraph(s []rune, indent float64, st textStyle) {
	lines := d.r.wrap(s, st.size, contentW-indent, contentW)
	for i, ln := range lines {
		d.ensure(bodyLeading)
		x, avail := marginX, contentW
		if i == 0 {
			x, avail = marginX+indent, contentW-indent
		}
		d.y += bodyLeading
		d.text(x, d.y-5, ln.runes, st, justifyTc(ln, st.size, avail))
	}
	d.y += 2
}

func (d *docState) paragraphHeight(s []rune, indent, size float64) float64 {
	return float64(len(d.r.wrap(s, size, contentW-indent, contentW)))*bodyLeading + 2
}

// sealedBanner is the prominent notice on a letter issued before opening.
func (d *docState) sealedBanner() {
	head := []rune(d.fill(sealedHead))
	const pad, lead, size = 7.0, 13.5, 9
	lines := d.r.wrap([]rune(d.fill(sealedNotice)), size, contentW-2*pad, contentW-2*pad)
	h := 2*pad + 15 + float64(len(lines))*lead - 2
	d.ensure(h + 8)
	d.y += 6
	d.fillColor(paleRed)
	d.strokeColor(darkRed)
	d.op("1 w\n")
	d.rect(marginX, d.y, contentW, h, "B")
	y := d.y + pad + 10.5
	d.text(marginX+pad, y, head, textStyle{size: 11, color: darkRed, bold: true}, 0)
	y += 2
	for _, ln := range lines {
		y += lead
		d.text(marginX+pad, y, ln.runes, textStyle{size: size, color: darkRed}, justifyTc(ln, size, contentW-2*pad))
	}
	d.y += h
}

// factsTable prints the letter's particulars as a two-column table.
func (d *docState) factsTable() {
	l, w := d.l, d.w
	rows := [][2]string{
		{w.tendererLabel, l.Tenderer},
	}
	if l.TendererCode != "" {
		rows = append(rows, [2]string{codeLabel, l.TendererCode})
	}
	rows = append(rows,
		[2]string{w.bidderLabel, l.Bidder},
		[2]string{codeLabel, l.BidderCode},
	)
	if l.ProjectName != "" {
		rows = append(rows, [2]string{projectLbl, l.ProjectName})
	}
	rows = append(rows,
		[2]string{sectionLbl, l.SectionName},
		[2]string{sectionNoLbl, l.SectionNo},
		[2]string{w.amountLabel, d.fill(amountText)},
		[2]string{w.periodLabel, d.fill(validityText)},
		[2]string{w.premiumLabel, d.fill(premiumText)},
		[2]string{w.issuedLabel, formatTime(l.IssueTime) + beijingNote},
	)

	const labelW = 96.0
	const padX, padY = 7.0, 3.0
	valueW := contentW - labelW
	d.y += 8
	top := d.y
	for i, row := range rows {
		lines := d.r.wrap([]rune(row[1]), tableSize, valueW-2*padX, valueW-2*padX)
		label := []rune(row[0])
		printed := false
		for len(lines) > 0 {
			// A row that does not fit moves to the next page; a tall one
			// (a long ciphertext) is split, its label marked continued.
			n := min(len(lines), int((d.bottom-d.y-2*padY)/tableLead))
			if n < len(lines) && (len(lines) <= 3 || n < 2) {
				n = 0
			}
			if n == 0 {
				d.tableFrame(top, labelW)
				d.newPage()
				top = d.y
				continue
			}
			if (i > 0 || printed) && d.y > top {
				d.line(marginX, d.y, marginX+contentW, d.y, 0.4, midGray)
			}
			h := float64(n)*tableLead + 2*padY
			d.fillColor(paleGray)
			d.rect(marginX+0.4, d.y+0.4, labelW-0.8, h-0.8, "f")
			base := d.y + padY + tableSize + 0.5
			if printed {
				label = []rune(row[0] + continued)
			}
			d.text(marginX+padX, base, label, textStyle{size: tableSize, color: darkGray}, 0)
			for _, ln := range lines[:n] {
				d.text(marginX+labelW+padX, base, ln.runes, textStyle{size: tableSize, color: black}, justifyTc(ln, tableSize, valueW-2*padX))
				base += tableLead
			}
			d.y += h
			lines = lines[n:]
			printed = true
		}
	}
	d.tableFrame(top, labelW)
}

func (d *docState) tableFrame(top, labelW float64) {
	d.line(marginX+labelW, top, marginX+labelW, d.y, 0.4, midGray)
	d.strokeColor(black)
	d.op("0.8 w\n")
	d.rect(marginX, top, contentW, d.y-top, "S")
}

// Signature block geometry, points.
const (
	sigGap  = 14 // between the body and the block
	sigLead = 19
	sealR   = 56 // 39.5 mm across, the size of an institution's seal
)

// signatureLines wraps the signature block's lines to its width.
func (d *docState) signatureLines() (lines []wrappedLine, width float64) {
	l, w := d.l, d.w
	texts := []string{w.issuerLabel + "：" + l.Issuer}
	if l.IssuerAddress != "" {
		texts = append(texts, addressLbl+l.IssuerAddress)
	}
	texts = append(texts, w.issuedLabel+"："+formatTime(l.IssueTime))
	if !l.SignedAt.IsZero() && !l.SignedAt.Equal(l.IssueTime) {
		texts = append(texts, signedLbl+formatTime(l.SignedAt))
	}
	for _, t := range texts {
		width = max(width, d.textWidth([]rune(t), bodySize))
	}
	width = min(width+2, contentW*0.72)
	for _, t := range texts {
		lines = append(lines, d.r.wrap([]rune(t), bodySize, width, width)...)
	}
	return lines, width
}

// signatureHeight is the height signature will take, seal included.
func (d *docState) signatureHeight() float64 {
	lines, _ := d.signatureLines()
	return sigGap + max(float64(len(lines))*sigLead, sigLead-9+sealR)
}

// signature prints the issuer's signature block, right-aligned, with the
// seal over the issuer's name, as on a signed paper letter.
func (d *docState) signature() {
	lines, width := d.signatureLines()
	d.ensure(d.signatureHeight())
	x := pageW - marginX - width
	top := d.y + sigGap
	for i, ln := range lines {
		d.text(x, top+float64(i+1)*sigLead-5, ln.runes, textStyle{size: bodySize, color: black}, 0)
	}
	d.seal(x+min(width*0.6, width-sealR*0.6), top+sigLead-9, sealR)
	d.y = top + max(float64(len(lines))*sigLead, sigLead-9+sealR)
}

// footerLines wraps the verification footer printed on every page.
func (d *docState) footerLines() []wrappedLine {
	s := []rune(verifyURLLbl + d.l.VerifyURL + "　" + d.fill(verifyHint))
	return d.r.wrap(s, footerSize, contentW-60, contentW-60)
}

// qr draws the module bitmap as filled rectangles, one per horizontal run.
func (d *docState) qr(bits [][]bool, x, y, size float64) {
	n := len(bits)
	if n == 0 {
		return
	}
	m := size / float64(n)
	d.fillColor(black)
	for row := range n {
		for col := 0; col < n; {
			if !bits[row][col] {
				col++
				continue
			}
			start := col
			for col < n && bits[row][col] {
				col++
			}
			d.rect(x+float64(start)*m, y+float64(row)*m, float64(col-start)*m, m, "f")
		}
	}
}

// devMarks labels a page signed with a development certificate: a line at
// the top and a pale diagonal watermark.
func (d *docState) devMarks() {
	d.op("q /GSw gs\n")
	st := textStyle{size: 46, color: sealRed, bold: true}
	s := []rune(devWatermark)
	wdt := d.textWidth(s, st.size)
	const c, sn = 0.8192, 0.5736 // cos/sin 35°
	cx, cy := pageW/2, pageH/2
	d.textMatrix(c, sn, -sn, c, cx-wdt/2*c+st.size/3*sn, cy-wdt/2*sn-st.size/3*c, s, st, 0)
	d.op("Q\n")
	d.centered(marginTop-22, []rune(devMark), textStyle{size: 10, color: sealRed, bold: true}, 1)
}

// pageFurniture adds the footer (verification line, "第i页 共n页") and the
// development marks to every page once the page count is known.
func (d *docState) pageFurniture() {
	n := len(d.pages)
	for i := range d.pages {
		d.cur = d.pages[i]
		y := pageH - footerBase - float64(len(d.footer)-1)*footerLead
		d.line(marginX, y-footerLead-1, pageW-marginX, y-footerLead-1, 0.5, midGray)
		for _, ln := range d.footer {
			d.text(marginX, y, ln.runes, textStyle{size: footerSize, color: darkGray}, justifyTc(ln, footerSize, contentW-60))
			y += footerLead
		}
		s := []rune(strings.NewReplacer("{page}", fmt.Sprint(i+1), "{pages}", fmt.Sprint(n)).Replace(pageFooter))
		d.text(pageW-marginX-d.textWidth(s, 8), pageH-footerBase-float64(len(d.footer)-1)*footerLead, s, textStyle{size: 8, color: darkGray}, 0)
		if d.dev {
			// Last, so nothing covers the watermark.
			d.devMarks()
		}
		d.pages[i] = d.cur
	}
	d.cur = nil
}
