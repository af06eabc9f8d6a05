package pdf

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
)

// glyphInfo is what layout and encoding need for one rune.
type glyphInfo struct {
	gid   uint16
	cid   uint16 // CID in the fixed subset (font /F1), 0 if not there
	width int    // advance in 1/1000 em
}

// fixedFont is the part of the embedded font that every letter uses: the
// glyphs of the letters' fixed wording, digits, Latin letters and
// punctuation. It is subset, compressed and serialised once per Renderer;
// a letter embeds it as is and adds a small per-document font (/F2) for
// the characters of its own names and ciphertexts.
type fixedFont struct {
	glyphs  map[rune]glyphInfo
	objects []byte // serialised objects fixedFirstObj … fixedFirstObj+4
	offsets [5]int // offset of each object within objects
}

// Object numbers of the fixed font's objects; the rest of a letter's objects
// are numbered after them.
const (
	fixedFirstObj = 4
	fixedObjCount = 5
)

// docFont collects the runes of one letter drawn from one font outside the
// fixed subset and gives them CIDs 1, 2, … in order of first use. A rune
// may be drawn with another character's glyph (MissingMark): its CID still
// maps back to the rune itself in the ToUnicode map.
type docFont struct {
	cid   map[rune]uint16
	runes []rune
	gids  []uint16
}

// add returns the CID of r in f, registering r with glyph gid of font the
// first time.
func (f *docFont) add(r rune, gid uint16) uint16 {
	if cid, ok := f.cid[r]; ok {
		return cid
	}
	if f.cid == nil {
		f.cid = make(map[rune]uint16, 64)
	}
	f.runes = append(f.runes, r)
	f.gids = append(f.gids, gid)
	cid := uint16(len(f.runes))
	f.cid[r] = cid
	return cid
}

// The fonts of a letter's content streams.
const (
	fontFixed    = 1 // /F1: the fixed subset of the embedded font
	fontDoc      = 2 // /F2: the rest of the embedded font this letter uses
	fontFallback = 3 // /F3: the fallback font's glyphs this letter uses
)

// glyphRef says how to draw a rune: which font (fontFixed, …) and the CID
// within it.
type glyphRef struct {
	font int
	cid  uint16
}

// lookup returns the glyph of r and its width in 1/1000 em, registering it
// in a per-document font when the fixed subset lacks it: the embedded
// font's, the fallback font's, or the embedded font's MissingMark. ok is
// false only when not even the mark can be drawn.
func (d *docState) lookup(r rune) (glyphRef, int, bool) {
	if g, ok := d.r.fixed.glyphs[r]; ok {
		return glyphRef{fontFixed, g.cid}, g.width, true
	}
	if gid, ok := d.r.font.glyph(r); ok {
		return glyphRef{fontDoc, d.extra.add(r, gid)}, d.r.font.width1000(gid), true
	}
	if fb := d.r.fallback; fb != nil {
		if gid, ok := fb.glyph(r); ok {
			return glyphRef{fontFallback, d.fb.add(r, gid)}, fb.width1000(gid), true
		}
	}
	if gid, ok := d.r.font.glyph(MissingMark); ok {
		return glyphRef{fontDoc, d.extra.add(r, gid)}, d.r.font.width1000(gid), true
	}
	return glyphRef{}, 0, false
}

// width1000 measures s in 1/1000 em.
func (r *Renderer) width1000(s []rune) int {
	w := 0
	for _, c := range s {
		w += r.runeWidth(c)
	}
	return w
}

// runeWidth is the advance of c as lookup draws it, in 1/1000 em.
func (r *Renderer) runeWidth(c rune) int {
	if g, ok := r.fixed.glyphs[c]; ok {
		return g.width
	}
	if gid, ok := r.font.glyph(c); ok {
		return r.font.width1000(gid)
	}
	if r.fallback != nil {
		if gid, ok := r.fallback.glyph(c); ok {
			return r.fallback.width1000(gid)
		}
	}
	if gid, ok := r.font.glyph(MissingMark); ok {
		return r.font.width1000(gid)
	}
	return 1000
}

// buildFixedFont subsets f to the runes of text (deduplicated, sorted) and
// serialises the five font objects once.
func buildFixedFont(f *ttFont, text string, z *zpool) (*fixedFont, error) {
	set := map[rune]bool{}
	for _, c := range text {
		if _, ok := f.glyph(c); ok {
			set[c] = true
		}
	}
	runes := make([]rune, 0, len(set))
	for c := range set {
		runes = append(runes, c)
	}
	sort.Slice(runes, func(i, j int) bool { return runes[i] < runes[j] })
	gids := make([]uint16, len(runes))
	ff := &fixedFont{glyphs: make(map[rune]glyphInfo, len(runes))}
	for i, c := range runes {
		gid, _ := f.glyph(c)
		gids[i] = gid
		ff.glyphs[c] = glyphInfo{gid: gid, cid: uint16(i + 1), width: f.width1000(gid)}
	}
	var w objWriter
	w.buf = make([]byte, 0, 256<<10)
	if err := writeFontObjects(&w, f, fixedFirstObj, "BHFIXD", runes, gids, z, bestCompression); err != nil {
		return nil, err
	}
	ff.objects = w.buf
	for i := range fixedObjCount {
		ff.offsets[i] = w.offsets[fixedFirstObj+i]
	}
	return ff, nil
}

// writeFontObjects writes a Type0 font with Identity-H encoding and its
// CIDFontType2 descendant, descriptor, subset font program and ToUnicode
// CMap as objects first … first+4. CID i+1 is runes[i] (glyph gids[i]).
func writeFontObjects(w *objWriter, f *ttFont, first int, tag string, runes []rune, gids []uint16, z *zpool, level int) error {
	name := tag + "+" + f.psName

	w.begin(first)
	w.printf("<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>", name, first+1, first+4)
	w.end()

	w.begin(first + 1)
	w.printf("<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/FontDescriptor %d 0 R/DW 1000/CIDToGIDMap/Identity/W[0[%d]1[", name, first+2, f.width1000(0))
	for i, g := range gids {
		if i > 0 {
			w.buf = append(w.buf, ' ')
		}
		w.buf = strconv.AppendInt(w.buf, int64(f.width1000(g)), 10)
	}
	w.printf("]]>>")
	w.end()

	scale := func(v int) int { return v * 1000 / f.unitsPerEm }
	w.begin(first + 2)
	w.printf("<</Type/FontDescriptor/FontName/%s/Flags 4/FontBBox[%d %d %d %d]/ItalicAngle %d/Ascent %d/Descent %d/CapHeight %d/StemV 80/FontFile2 %d 0 R>>",
		name, scale(f.bbox[0]), scale(f.bbox[1]), scale(f.bbox[2]), scale(f.bbox[3]),
		int(f.italicAngle), scale(f.ascent), scale(f.descent), scale(f.capHeight), first+3)
	w.end()

	prog := f.subset(gids)
	packed, err := z.compress(prog, level)
	if err != nil {
		return fmt.Errorf("compress font: %w", err)
	}
	w.begin(first + 3)
	w.printf("<</Length %d/Length1 %d/Filter/FlateDecode>>stream\n", len(packed), len(prog))
	w.buf = append(w.buf, packed...)
	w.printf("\nendstream")
	w.end()

	cmap, err := z.compress(toUnicodeCMap(runes), level)
	if err != nil {
		return fmt.Errorf("compress cmap: %w", err)
	}
	w.begin(first + 4)
	w.printf("<</Length %d/Filter/FlateDecode>>stream\n", len(cmap))
	w.buf = append(w.buf, cmap...)
	w.printf("\nendstream")
	w.end()
	return nil
}

// toUnicodeCMap maps CID i+1 to runes[i] so that text extraction (and
// search, copy and screen readers) get the characters back.
func toUnicodeCMap(runes []rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n" +
		"/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n")
	for start := 0; start < len(runes); start += 100 {
		end := min(start+100, len(runes))
		fmt.Fprintf(&b, "%d beginbfchar\n", end-start)
		for i := start; i < end; i++ {
			fmt.Fprintf(&b, "<%04X><", i+1)
			for _, u := range utf16.Encode([]rune{runes[i]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}
