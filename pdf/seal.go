package pdf

import "math"

// seal draws the institution's round seal centred at (cx, cy), y from the
// top, radius r points: a red ring, the issuer's name along the upper arc
// with the tops of the characters outwards, a star in the centre and the
// seal's purpose (保函专用章) below it, like a Chinese official seal (公章).
// It is painted with a multiply blend so the text under it stays legible.
func (d *docState) seal(cx, cy, r float64) {
	d.op("q /GSm gs\n")
	d.strokeColor(sealRed)
	d.fillColor(sealRed)
	d.num(r * 0.055)
	d.op("w\n")
	d.circle(cx, cy, r-r*0.03, "S")
	d.star(cx, cy, r*0.27)

	name := []rune(d.l.Issuer)
	n := len(name)
	// The name spans up to 240° of arc, centred on the top; short names are
	// spaced like long ones rather than spread round the whole ring.
	textR := r * 0.67
	size := r * 0.23
	span := 240.0
	step := 0.0
	if n > 1 {
		step = math.Min(span/float64(n-1), 30)
		// Shrink the characters when the name is long: at the baseline,
		// a character (narrowed to 80 %) takes 80 % of the arc between
		// neighbours.
		arc := textR * step * math.Pi / 180
		size = math.Min(size, arc)
		span = step * float64(n-1)
	}
	st := textStyle{size: size, color: sealRed, scale: 80, bold: size > 9}
	py := pageH - cy
	for i, c := range name {
		deg := -span/2 + float64(i)*step
		a := deg * math.Pi / 180
		cos, sin := math.Cos(a), math.Sin(a)
		w := float64(d.r.runeWidth(c)) * size / 1000 * 0.8
		// Rotate clockwise by a about the centre; in the rotated frame the
		// character is centred on x = 0 with its baseline at textR.
		lx, ly := -w/2, textR
		x := cx + lx*cos + ly*sin
		y := py - lx*sin + ly*cos
		d.textMatrix(cos, -sin, sin, cos, x, y, []rune{c}, st, 0)
	}

	label := []rune(d.w.sealText)
	lst := textStyle{size: r * 0.2, color: sealRed, scale: 90}
	lw := d.textWidth(label, lst.size) * 0.9
	d.text(cx-lw/2, cy+r*0.58, label, lst, 0)
	d.op("Q\n")
}
