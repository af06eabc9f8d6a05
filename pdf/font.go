package pdf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// ttFont is a parsed TrueType (glyf-outline) font. It is immutable after
// parseTrueType returns, so one value is shared by every render.
//
// We parse and subset fonts ourselves instead of letting a PDF library do it
// per document: the embedded CJK font is 15 MB, and parsing it for every
// letter was most of the cost of a naive renderer (see doc.go, Performance).
type ttFont struct {
	tables      map[string][]byte
	unitsPerEm  int
	bbox        [4]int // xMin yMin xMax yMax, font units
	ascent      int    // font units
	descent     int    // font units, negative
	capHeight   int
	italicAngle float64
	numGlyphs   int
	advance     []uint16 // by glyph id
	lsb         []int16  // by glyph id
	loca        []uint32 // numGlyphs+1 offsets into glyf
	glyf        []byte
	cmap        map[rune]uint16
	psName      string // PostScript name, for the PDF's BaseFont
}

func u16(b []byte, off int) int { return int(binary.BigEndian.Uint16(b[off:])) }
func i16(b []byte, off int) int { return int(int16(binary.BigEndian.Uint16(b[off:]))) }
func u32(b []byte, off int) uint32 {
	return binary.BigEndian.Uint32(b[off:])
}

// parseTrueType reads the tables we need for layout and subsetting. It
// rejects CFF-flavoured OpenType: we embed FontFile2 (TrueType) only.
func parseTrueType(data []byte) (*ttFont, error) { return parseSFNT(data, true) }

// parseSFNT parses a TrueType font; withCmap false accepts fonts without a
// cmap table, such as our own subsets (PDF maps CIDs to glyphs directly).
func parseSFNT(data []byte, withCmap bool) (f *ttFont, err error) {
	defer func() {
		// Bounds errors on a malformed font surface as an error, not a crash.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("parse font: malformed data: %v", r)
		}
	}()
	if len(data) < 12 {
		return nil, errors.New("parse font: file too short")
	}
	switch v := u32(data, 0); v {
	case 0x00010000, 0x74727565:
	case 0x74746366: // 'ttcf'
		return nil, errors.New("parse font: a font collection (.ttc); give a single TrueType font (.ttf)")
	case 0x4F54544F: // 'OTTO'
		return nil, errors.New("parse font: OpenType with CFF outlines (.otf); a TrueType font (.ttf, glyf outlines) is needed")
	default:
		return nil, fmt.Errorf("parse font: not a TrueType font (version %#x)", v)
	}
	f = &ttFont{tables: map[string][]byte{}}
	n := u16(data, 4)
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		tag := string(data[rec : rec+4])
		off, length := int(u32(data, rec+8)), int(u32(data, rec+12))
		if off+length > len(data) || off < 0 {
			return nil, fmt.Errorf("parse font: table %q out of range", tag)
		}
		f.tables[tag] = data[off : off+length]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[t] == nil && (withCmap || t != "cmap") {
			return nil, fmt.Errorf("parse font: missing %q table", t)
		}
	}
	head := f.tables["head"]
	f.unitsPerEm = u16(head, 18)
	f.bbox = [4]int{i16(head, 36), i16(head, 38), i16(head, 40), i16(head, 42)}
	longLoca := i16(head, 50) == 1
	hhea := f.tables["hhea"]
	f.ascent, f.descent = i16(hhea, 4), i16(hhea, 6)
	numHMetrics := u16(hhea, 34)
	f.numGlyphs = u16(f.tables["maxp"], 4)
	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && u16(os2, 0) >= 2 {
		f.capHeight = i16(os2, 88)
	}
	if post := f.tables["post"]; len(post) >= 8 {
		f.italicAngle = float64(int32(u32(post, 4))) / 65536
	}

	hmtx := f.tables["hmtx"]
	f.advance = make([]uint16, f.numGlyphs)
	f.lsb = make([]int16, f.numGlyphs)
	var last uint16
	for g := 0; g < f.numGlyphs; g++ {
		if g < numHMetrics {
			last = uint16(u16(hmtx, 4*g))
			f.lsb[g] = int16(i16(hmtx, 4*g+2))
		} else {
			f.lsb[g] = int16(i16(hmtx, 4*numHMetrics+2*(g-numHMetrics)))
		}
		f.advance[g] = last
	}

	loca := f.tables["loca"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for g := 0; g <= f.numGlyphs; g++ {
		if longLoca {
			f.loca[g] = u32(loca, 4*g)
		} else {
			f.loca[g] = uint32(u16(loca, 2*g)) * 2
		}
	}
	f.glyf = f.tables["glyf"]
	if int(f.loca[f.numGlyphs]) > len(f.glyf) {
		return nil, errors.New("parse font: loca points past glyf")
	}
	if withCmap {
		if f.cmap, err = parseCmap(f.tables["cmap"]); err != nil {
			return nil, err
		}
	}
	f.psName = postScriptName(f.tables["name"])
	return f, nil
}

// postScriptName reads name ID 6 from a name table, keeping only the
// characters a PDF name may hold unescaped; "Font" when there is none.
func postScriptName(b []byte) string {
	if len(b) < 6 {
		return "Font"
	}
	count, strings := u16(b, 2), u16(b, 4)
	for i := 0; i < count && 6+12*i+12 <= len(b); i++ {
		rec := 6 + 12*i
		pid, nameID, length, off := u16(b, rec), u16(b, rec+6), u16(b, rec+8), u16(b, rec+10)
		if nameID != 6 || strings+off+length > len(b) {
			continue
		}
		raw := b[strings+off : strings+off+length]
		var out []byte
		for j := 0; j < len(raw); j++ {
			c := raw[j]
			if pid == 0 || pid == 3 { // UTF-16BE: ASCII in the low byte
				if j%2 == 0 {
					continue
				}
			}
			if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' {
				out = append(out, c)
			}
		}
		if len(out) > 0 {
			return string(out[:min(len(out), 60)])
		}
	}
	return "Font"
}

// parseCmap reads the best Unicode subtable: format 12 (full Unicode) if
// present, else format 4 (BMP).
func parseCmap(b []byte) (map[rune]uint16, error) {
	n := u16(b, 2)
	var off4, off12 int
	for i := 0; i < n; i++ {
		rec := 4 + 8*i
		pid, eid, off := u16(b, rec), u16(b, rec+2), int(u32(b, rec+4))
		if !(pid == 0 || (pid == 3 && (eid == 1 || eid == 10))) {
			continue
		}
		switch u16(b, off) {
		case 4:
			off4 = off
		case 12:
			off12 = off
		}
	}
	m := make(map[rune]uint16, 32768)
	switch {
	case off12 > 0:
		t := b[off12:]
		groups := int(u32(t, 12))
		for i := 0; i < groups; i++ {
			g := 16 + 12*i
			start, end, gid := u32(t, g), u32(t, g+4), u32(t, g+8)
			for c := start; c <= end && c <= 0x10FFFF; c++ {
				m[rune(c)] = uint16(gid + c - start)
			}
		}
	case off4 > 0:
		t := b[off4:]
		segX2 := u16(t, 6)
		ends, starts, deltas, ranges := 14, 16+segX2, 16+2*segX2, 16+3*segX2
		for s := 0; s < segX2/2; s++ {
			end, start := u16(t, ends+2*s), u16(t, starts+2*s)
			delta, ro := u16(t, deltas+2*s), u16(t, ranges+2*s)
			for c := start; c <= end && c != 0xFFFF; c++ {
				var gid int
				if ro == 0 {
					gid = (c + delta) & 0xFFFF
				} else {
					gid = u16(t, ranges+2*s+ro+2*(c-start))
					if gid != 0 {
						gid = (gid + delta) & 0xFFFF
					}
				}
				if gid != 0 {
					m[rune(c)] = uint16(gid)
				}
			}
		}
	default:
		return nil, errors.New("parse font: no Unicode cmap subtable")
	}
	return m, nil
}

// glyph returns the glyph id for r and whether the font has it.
func (f *ttFont) glyph(r rune) (uint16, bool) {
	g, ok := f.cmap[r]
	return g, ok && int(g) < f.numGlyphs
}

// width1000 is the advance of glyph g in PDF glyph-space units (1/1000 em).
func (f *ttFont) width1000(g uint16) int {
	return int(f.advance[g]) * 1000 / f.unitsPerEm
}

// Composite glyph flags (glyf table).
const (
	argsAreWords    = 0x0001
	weHaveAScale    = 0x0008
	moreComponents  = 0x0020
	weHaveXYScale   = 0x0040
	weHaveTwoByTwo  = 0x0080
	compositeHeader = 10
)

// subset builds a TrueType font holding .notdef followed by gids, in that
// order, so that glyph i+1 of the subset is gids[i]: with CIDToGIDMap
// /Identity the CID written in a content stream is that new index. Glyphs
// that composites reference are appended after gids.
func (f *ttFont) subset(gids []uint16) []byte {
	order := make([]uint16, 0, len(gids)+1)
	order = append(order, 0)
	order = append(order, gids...)
	newID := make(map[uint16]uint16, len(order))
	for i, g := range order {
		if _, dup := newID[g]; !dup {
			newID[g] = uint16(i)
		}
	}
	// Pull in composite components (transitively) before copying.
	for i := 0; i < len(order); i++ {
		for _, c := range f.components(order[i]) {
			if _, ok := newID[c]; !ok {
				newID[c] = uint16(len(order))
				order = append(order, c)
			}
		}
	}

	glyfSize := 0
	for _, g := range order {
		glyfSize += (int(f.loca[g+1]-f.loca[g]) + 3) &^ 3
	}
	glyf := make([]byte, 0, glyfSize)
	loca := make([]byte, 4*(len(order)+1))
	hmtx := make([]byte, 4*len(order))
	for i, g := range order {
		binary.BigEndian.PutUint32(loca[4*i:], uint32(len(glyf)))
		start := len(glyf)
		glyf = append(glyf, f.glyf[f.loca[g]:f.loca[g+1]]...)
		if len(glyf) > start+compositeHeader && int16(binary.BigEndian.Uint16(glyf[start:])) < 0 {
			f.remapComponents(glyf[start:], newID)
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		binary.BigEndian.PutUint16(hmtx[4*i:], f.advance[g])
		binary.BigEndian.PutUint16(hmtx[4*i+2:], uint16(f.lsb[g]))
	}
	binary.BigEndian.PutUint32(loca[4*len(order):], uint32(len(glyf)))

	head := append([]byte(nil), f.tables["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := append([]byte(nil), f.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(len(order)))
	maxp := append([]byte(nil), f.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(len(order)))

	tables := map[string][]byte{
		"head": head, "hhea": hhea, "maxp": maxp,
		"hmtx": hmtx, "loca": loca, "glyf": glyf,
	}
	// Hinting programs are referenced by glyph instructions; keep them.
	for _, t := range []string{"cvt ", "fpgm", "prep"} {
		if b := f.tables[t]; b != nil {
			tables[t] = b
		}
	}
	return writeSFNT(tables)
}

// components lists the glyph ids a composite glyph refers to.
func (f *ttFont) components(g uint16) []uint16 {
	b := f.glyf[f.loca[g]:f.loca[g+1]]
	if len(b) <= compositeHeader || int16(binary.BigEndian.Uint16(b)) >= 0 {
		return nil
	}
	var out []uint16
	for off := compositeHeader; off+4 <= len(b); {
		flags := u16(b, off)
		out = append(out, uint16(u16(b, off+2)))
		off += 4 + componentArgsLen(flags)
		if flags&moreComponents == 0 {
			break
		}
	}
	return out
}

func (f *ttFont) remapComponents(b []byte, newID map[uint16]uint16) {
	for off := compositeHeader; off+4 <= len(b); {
		flags := u16(b, off)
		old := uint16(u16(b, off+2))
		binary.BigEndian.PutUint16(b[off+2:], newID[old])
		off += 4 + componentArgsLen(flags)
		if flags&moreComponents == 0 {
			break
		}
	}
}

func componentArgsLen(flags int) int {
	n := 2
	if flags&argsAreWords != 0 {
		n = 4
	}
	switch {
	case flags&weHaveAScale != 0:
		n += 2
	case flags&weHaveXYScale != 0:
		n += 4
	case flags&weHaveTwoByTwo != 0:
		n += 8
	}
	return n
}

// writeSFNT assembles an sfnt file from tables, with correct checksums.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for t, b := range tables {
		tags = append(tags, t)
		size += (len(b) + 3) &^ 3
	}
	sort.Strings(tags)
	out := make([]byte, 12+16*len(tags), size)
	n := len(tags)
	entrySelector := 0
	for 1<<(entrySelector+1) <= n {
		entrySelector++
	}
	searchRange := (1 << entrySelector) * 16
	binary.BigEndian.PutUint32(out[0:], 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(n*16-searchRange))
	headOff := 0
	for i, t := range tags {
		b := tables[t]
		rec := 12 + 16*i
		copy(out[rec:], t)
		binary.BigEndian.PutUint32(out[rec+4:], checksum(b))
		binary.BigEndian.PutUint32(out[rec+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[rec+12:], uint32(len(b)))
		if t == "head" {
			headOff = len(out)
		}
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
