package pdf

import "strings"

// We wrap text ourselves, one rune at a time: fpdf-style MultiCell wrapping
// splits on spaces, which Chinese text and base64 ciphertext do not have,
// and fpdf's own CJK path drops a character at each break.

// wrappedLine is one output line: its runes, natural width in 1/1000 em and
// whether it should be stretched (or squeezed) to the full width.
type wrappedLine struct {
	runes   []rune
	width   int
	justify bool
}

// Line-breaking rules (a small subset of GB/T 15834 and JIS X 4051 kinsoku):
// noLineStart characters never begin a line, noLineEnd characters never end
// one.
const (
	noLineStart = "，。、；：？！）》」』”’】〕…—％,.;:?!)]}%·"
	noLineEnd   = "（《「『“‘【〔([{¥￥"
)

// maxWordRunes is the longest run of ASCII non-space characters kept
// together on a line (amounts, dates, codes). Longer runs, such as base64
// ciphertext and URLs, break between any two characters.
const maxWordRunes = 24

// unit is an unbreakable piece of text: one CJK character or punctuation
// mark, or a short ASCII word.
type unit struct {
	runes []rune
	width int
}

func isASCIIWord(r rune) bool { return r > ' ' && r < 0x7f }

func (r *Renderer) units(s []rune) []unit {
	out := make([]unit, 0, len(s))
	for i := 0; i < len(s); {
		j := i + 1
		if isASCIIWord(s[i]) {
			for j < len(s) && isASCIIWord(s[j]) {
				j++
			}
			if j-i > maxWordRunes {
				j = i + 1
			}
		}
		out = append(out, unit{runes: s[i:j], width: r.width1000(s[i:j])})
		i = j
	}
	return out
}

// wrap breaks s into lines no wider than first (first line) and rest (the
// others), both in points at font size. A closing punctuation mark that
// would start a line is squeezed onto the previous one when that costs at
// most an em; otherwise the characters before it move down with it.
func (r *Renderer) wrap(s []rune, size, first, rest float64) []wrappedLine {
	units := r.units(s)
	var lines []wrappedLine
	avail := int(first * 1000 / size)
	var cur []unit
	curW := 0
	flush := func(justify bool) {
		// Spaces at a break vanish, as in any typesetting.
		for len(cur) > 1 && isSingle(cur[len(cur)-1], " ") {
			curW -= cur[len(cur)-1].width
			cur = cur[:len(cur)-1]
		}
		n := 0
		for _, u := range cur {
			n += len(u.runes)
		}
		line := wrappedLine{runes: make([]rune, 0, n), width: curW, justify: justify}
		for _, u := range cur {
			line.runes = append(line.runes, u.runes...)
		}
		lines = append(lines, line)
		cur, curW = cur[:0], 0
		avail = int(rest * 1000 / size)
	}
	for i := 0; i < len(units); {
		u := units[i]
		if len(cur) == 0 && len(lines) > 0 && isSingle(u, " ") {
			i++
			continue
		}
		if curW+u.width <= avail || len(cur) == 0 {
			cur = append(cur, u)
			curW += u.width
			i++
			continue
		}
		// u does not fit. A long word (a code or number in running text)
		// breaks rather than leave a gap of four ems to be stretched out.
		if len(u.runes) > 8 && avail-curW >= 4000 {
			split := make([]unit, 0, len(units)+len(u.runes))
			split = append(split, units[:i]...)
			for k := range u.runes {
				split = append(split, unit{runes: u.runes[k : k+1], width: r.runeWidth(u.runes[k])})
			}
			units = append(split, units[i+1:]...)
			continue
		}
		// Closing marks (possibly several, as in "）。")
		// may be squeezed onto this line: justification spreads the
		// overflow, at most an em and a half, over the whole line.
		j, marksW := i, 0
		for j < len(units) && isSingle(units[j], noLineStart) {
			marksW += units[j].width
			j++
		}
		if j > i && curW+marksW-avail <= 1500 && len(cur) >= 12 {
			cur = append(cur, units[i:j]...)
			curW += marksW
			i = j
			flush(true)
			continue
		}
		// Take characters down with a mark that may not start a line.
		for len(cur) > 1 && isSingle(units[i], noLineStart) {
			curW -= cur[len(cur)-1].width
			cur = cur[:len(cur)-1]
			i--
		}
		// Never end a line with an opening bracket.
		for len(cur) > 1 && isSingle(cur[len(cur)-1], noLineEnd) {
			curW -= cur[len(cur)-1].width
			cur = cur[:len(cur)-1]
			i--
		}
		flush(true)
	}
	if len(cur) > 0 {
		flush(false)
	}
	return lines
}

func isSingle(u unit, set string) bool {
	return len(u.runes) == 1 && strings.ContainsRune(set, u.runes[0])
}

// justifyTc returns the character spacing (PDF Tc, points) that makes line
// exactly avail points wide, or 0 when the line should stay ragged.
func justifyTc(l wrappedLine, size, avail float64) float64 {
	if !l.justify || len(l.runes) < 2 {
		return 0
	}
	gap := avail - float64(l.width)*size/1000
	tc := gap / float64(len(l.runes)-1)
	if tc > size*0.4 {
		// A line broken early (a long word moved down): stretching it
		// would look worse than a ragged edge.
		return 0
	}
	return tc
}
