package pdf

import (
	"math"
	"strconv"
)

// Page geometry in PDF points (1/72 inch). Layout code measures y downwards
// from the top edge; emission converts to PDF's upward y.
const (
	pageW     = 595.276 // A4
	pageH     = 841.89
	marginX   = 62.0
	marginTop = 46.0
	contentW  = pageW - 2*marginX
)

// rgb is a colour with components in 0…1.
type rgb struct{ r, g, b float64 }

var (
	black    = rgb{0, 0, 0}
	darkGray = rgb{0.3, 0.3, 0.3}
	midGray  = rgb{0.55, 0.55, 0.55}
	sealRed  = rgb{0.86, 0.08, 0.12}
	darkRed  = rgb{0.62, 0.05, 0.08}
	paleRed  = rgb{0.99, 0.95, 0.94}
	paleGray = rgb{0.96, 0.96, 0.955}
)

// textStyle selects how a run of text is painted.
type textStyle struct {
	size  float64
	color rgb
	bold  bool    // simulated: fill and stroke the outline
	scale float64 // horizontal scaling in percent (0 = 100)
}

func (d *docState) op(s string) { d.cur = append(d.cur, s...) }

func (d *docState) num(v float64) {
	d.cur = appendNum(d.cur, v)
	d.cur = append(d.cur, ' ')
}

func (d *docState) fillColor(c rgb) {
	d.num(c.r)
	d.num(c.g)
	d.num(c.b)
	d.op("rg\n")
}

func (d *docState) strokeColor(c rgb) {
	d.num(c.r)
	d.num(c.g)
	d.num(c.b)
	d.op("RG\n")
}

// rect fills and/or strokes a rectangle given by its top-left corner.
// op is a PDF painting operator: "f", "S" or "B".
func (d *docState) rect(x, y, w, h float64, op string) {
	d.num(x)
	d.num(pageH - y - h)
	d.num(w)
	d.num(h)
	d.op("re " + op + "\n")
}

func (d *docState) line(x1, y1, x2, y2, width float64, c rgb) {
	d.strokeColor(c)
	d.num(width)
	d.op("w ")
	d.num(x1)
	d.num(pageH - y1)
	d.op("m ")
	d.num(x2)
	d.num(pageH - y2)
	d.op("l S\n")
}

// text draws runes with their baseline at (x, y), y from the top of the
// page. tc is extra spacing after each glyph in points (PDF Tc), used to
// justify lines.
func (d *docState) text(x, y float64, s []rune, st textStyle, tc float64) {
	d.textMatrix(1, 0, 0, 1, x, pageH-y, s, st, tc)
}

// textMatrix draws runes with the text matrix [a b c e x y] in PDF space.
func (d *docState) textMatrix(a, b, c, e, x, y float64, s []rune, st textStyle, tc float64) {
	if len(s) == 0 {
		return
	}
	d.op("BT\n")
	d.fillColor(st.color)
	// Text state (Tr, Tc, Tz) outlives ET, so every run sets all of it.
	if st.bold {
		d.strokeColor(st.color)
		d.num(st.size * 0.035)
		d.op("w 2 Tr ")
	} else {
		d.op("0 Tr ")
	}
	d.num(tc)
	d.op("Tc ")
	if st.scale == 0 {
		d.op("100 Tz\n")
	} else {
		d.num(st.scale)
		d.op("Tz\n")
	}
	d.num(a)
	d.num(b)
	d.num(c)
	d.num(e)
	d.num(x)
	d.num(y)
	d.op("Tm\n")
	font := 0
	open := false
	for _, r := range s {
		g, _, ok := d.lookup(r)
		if !ok { // validated before layout; draw nothing rather than garbage
			continue
		}
		if g.font != font {
			if open {
				d.op(">Tj\n")
				open = false
			}
			font = g.font
			d.op("/F")
			d.cur = strconv.AppendInt(d.cur, int64(font), 10)
			d.op(" ")
			d.num(st.size)
			d.op("Tf\n")
		}
		if !open {
			d.op("<")
			open = true
		}
		const hex = "0123456789ABCDEF"
		d.cur = append(d.cur, hex[g.cid>>12], hex[g.cid>>8&15], hex[g.cid>>4&15], hex[g.cid&15])
	}
	if open {
		d.op(">Tj\n")
	}
	d.op("ET\n")
}

// textWidth is the width of s in points at size.
func (d *docState) textWidth(s []rune, size float64) float64 {
	return float64(d.r.width1000(s)) * size / 1000
}

// centered draws s centred on the page at baseline y.
func (d *docState) centered(y float64, s []rune, st textStyle, tc float64) {
	w := d.textWidth(s, st.size) + tc*float64(len(s)-1)
	if st.scale != 0 {
		w = w * st.scale / 100
	}
	d.text((pageW-w)/2, y, s, st, tc)
}

// circle strokes (op "S") or fills ("f") a circle centred at (cx, cy),
// cy from the top, approximated by four Bézier curves.
func (d *docState) circle(cx, cy, r float64, op string) {
	y := pageH - cy
	k := r * 0.5522847498
	d.num(cx + r)
	d.num(y)
	d.op("m ")
	pts := [][6]float64{
		{cx + r, y + k, cx + k, y + r, cx, y + r},
		{cx - k, y + r, cx - r, y + k, cx - r, y},
		{cx - r, y - k, cx - k, y - r, cx, y - r},
		{cx + k, y - r, cx + r, y - k, cx + r, y},
	}
	for _, p := range pts {
		for _, v := range p {
			d.num(v)
		}
		d.op("c ")
	}
	d.op(op + "\n")
}

// star fills a five-pointed star centred at (cx, cy) with outer radius r.
func (d *docState) star(cx, cy, r float64) {
	y := pageH - cy
	inner := r * 0.382
	for i := range 10 {
		rad := r
		if i%2 == 1 {
			rad = inner
		}
		a := math.Pi/2 + float64(i)*math.Pi/5
		d.num(cx + rad*math.Cos(a))
		d.num(y + rad*math.Sin(a))
		if i == 0 {
			d.op("m ")
		} else {
			d.op("l ")
		}
	}
	d.op("h f\n")
}
