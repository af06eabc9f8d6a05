package pdf

import (
	"fmt"
	"unicode"
)

// Printing text from outside. The platform's plaintext is whatever the
// tenderer typed: line breaks, tabs, bells, zero-width characters,
// characters of the CJK extensions the embedded font lacks. A letter must
// still be made, as faithfully as the page allows, and say what it changed
// (Report):
//
//   - control characters (Unicode Cc), format characters (Cf, such as
//     U+200B or U+FEFF) and line and paragraph separators print as a space,
//     a run of them as one space; a space separator (Zs) the fonts lack
//     prints as an ordinary space; variation selectors, which only choose
//     among glyphs of the character before them, print as nothing;
//   - a character the embedded font lacks is drawn from Options.FallbackFont
//     when it has it;
//   - otherwise it is drawn as MissingMark (□), and text extraction (the
//     ToUnicode map) still gives the character itself.

// MissingMark is printed in place of a character no font can draw.
const MissingMark = '□'

// Substitution is how a character was printed otherwise than it is.
type Substitution int

// Substitutions.
const (
	AsSpace      Substitution = iota + 1 // a control, format or separator character, printed as a space
	FromFallback                         // drawn from the fallback font
	Marked                               // in no font: printed as MissingMark
)

// String names the substitution for logs.
func (s Substitution) String() string {
	switch s {
	case AsSpace:
		return "as space"
	case FromFallback:
		return "from fallback font"
	case Marked:
		return "marked"
	}
	return fmt.Sprintf("Substitution(%d)", int(s))
}

// Note says that characters of one Letter field were printed otherwise than
// they are.
type Note struct {
	Field string // the Letter field: "SectionName"
	How   Substitution
	Chars []rune // the characters concerned, each once, in order of appearance
}

// Report lists what a rendered letter printed otherwise than its Letter
// says; empty when every character was printed as it is.
type Report struct {
	Notes []Note
}

// Marked reports whether some character could not be drawn at all.
func (r Report) Marked() bool {
	for _, n := range r.Notes {
		if n.How == Marked {
			return true
		}
	}
	return false
}

// FieldError is a Letter field that cannot be printed: required but blank
// (perhaps once its control characters became spaces), too long, or not
// UTF-8.
type FieldError struct {
	Field   string // the Letter field: "Tenderer"
	Problem string // in English: "required"
	Blank   bool   // required, and blank as printed
	Length  int    // when too long: its length in characters
	Max     int    // when too long: the most allowed
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// isVariationSelector reports the selectors of standardized and ideographic
// variation sequences.
func isVariationSelector(c rune) bool {
	return (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF) || (c >= 0x180B && c <= 0x180D) || c == 0x180F
}

// printedAsSpace reports the characters printed as a space whatever the
// fonts have.
func printedAsSpace(c rune) bool {
	return unicode.In(c, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// hasGlyph reports whether the embedded or the fallback font draws c.
func (r *Renderer) hasGlyph(c rune) bool {
	if _, ok := r.fixed.glyphs[c]; ok {
		return true
	}
	if _, ok := r.font.glyph(c); ok {
		return true
	}
	if r.fallback != nil {
		_, ok := r.fallback.glyph(c)
		return ok
	}
	return false
}

// printable returns s as it is printed (see the top of this file) and the
// characters it printed as spaces, each once. A string with nothing to
// change is returned as is, without allocating.
func (r *Renderer) printable(s string) (string, []rune) {
	clean := true
	for _, c := range s {
		if c < 0x20 || (c >= 0x7f && (printedAsSpace(c) || isVariationSelector(c) || (unicode.Is(unicode.Zs, c) && !r.hasGlyph(c)))) {
			clean = false
			break
		}
	}
	if clean {
		return s, nil
	}
	out := make([]rune, 0, len(s))
	var spaced []rune
	note := func(c rune) {
		for _, x := range spaced {
			if x == c {
				return
			}
		}
		spaced = append(spaced, c)
	}
	for _, c := range s {
		switch {
		case isVariationSelector(c):
		case printedAsSpace(c) || (c != ' ' && unicode.Is(unicode.Zs, c) && !r.hasGlyph(c)):
			note(c)
			if n := len(out); n == 0 || out[n-1] != ' ' {
				out = append(out, ' ')
			}
		default:
			out = append(out, c)
		}
	}
	return string(out), spaced
}

// inspect lists the characters of s that the embedded font lacks: those the
// fallback font draws, and those no font draws.
func (r *Renderer) inspect(field, s string) []Note {
	var fallback, marked []rune
	add := func(list []rune, c rune) []rune {
		for _, x := range list {
			if x == c {
				return list
			}
		}
		return append(list, c)
	}
	for _, c := range s {
		if _, ok := r.fixed.glyphs[c]; ok {
			continue
		}
		if _, ok := r.font.glyph(c); ok {
			continue
		}
		if r.fallback != nil {
			if _, ok := r.fallback.glyph(c); ok {
				fallback = add(fallback, c)
				continue
			}
		}
		marked = add(marked, c)
	}
	var notes []Note
	if len(fallback) > 0 {
		notes = append(notes, Note{Field: field, How: FromFallback, Chars: fallback})
	}
	if len(marked) > 0 {
		notes = append(notes, Note{Field: field, How: Marked, Chars: marked})
	}
	return notes
}

// prepare makes l printable in place (see printable) and reports what it
// and the fonts change. Invalid UTF-8 is refused before anything else: it
// has no characters to print.
func (r *Renderer) prepare(l *Letter) (Report, error) {
	var rep Report
	for _, f := range l.textFields() {
		if !utf8Valid(*f.ptr) {
			return rep, &FieldError{Field: f.name, Problem: "not valid UTF-8"}
		}
		printed, spaced := r.printable(*f.ptr)
		*f.ptr = printed
		if len(spaced) > 0 {
			rep.Notes = append(rep.Notes, Note{Field: f.name, How: AsSpace, Chars: spaced})
		}
		rep.Notes = append(rep.Notes, r.inspect(f.name, printed)...)
	}
	return rep, nil
}
