package service

import (
	"fmt"
	"github.com/baohangateway/baohan/internal/text"
	"strconv"
	"strings"
	"unicode"
)

// RenderedLetter is a rendered letter and what of its text the letter
// prints otherwise than the record holds it. The record keeps the exact
// text (the decrypted plaintext as the platform sealed it); the notes say,
// for the audit trail and the officers, where the page differs.
type RenderedLetter struct {
	PDF   []byte
	Notes []PrintNote
}

// PrintHow is how characters were printed otherwise than they are.
type PrintHow int

// How characters of a field can be printed otherwise than they are.
const (
	PrintedAsSpace  PrintHow = iota + 1 // control and format characters, line and paragraph separators: as spaces
	PrintedFallback                     // characters the letter font lacks, drawn from the fallback font
	PrintedMarked                       // characters no font has, printed as □
)

// PrintNote says that characters of one field were printed otherwise than
// they are.
type PrintNote struct {
	Field string // the field as officers know it (letterTable): "标段名称（biaoduanname）"
	How   PrintHow
	Chars []rune // each once, in order of appearance
	Value string // the field's exact value
}

// chars lists the characters for people: the character itself where it
// can be seen, always its code point.
func (n PrintNote) chars() string {
	parts := make([]string, 0, len(n.Chars))
	for _, c := range n.Chars {
		if n.How == PrintedAsSpace || !unicode.IsPrint(c) {
			parts = append(parts, fmt.Sprintf("%U", c))
		} else {
			parts = append(parts, fmt.Sprintf("%c（%U）", c, c))
		}
	}
	return strings.Join(parts, "、")
}

// Describe says in Chinese what was printed how.
func (n PrintNote) Describe() string {
	switch n.How {
	case PrintedAsSpace:
		return fmt.Sprintf("%s中的控制或格式字符 %s 以空格打印", n.Field, n.chars())
	case PrintedFallback:
		return fmt.Sprintf("%s中的 %s 保函字体中没有，以备用字体打印", n.Field, n.chars())
	case PrintedMarked:
		return fmt.Sprintf("%s中的 %s 字体中没有，以 □ 标示", n.Field, n.chars())
	}
	return n.Field
}

// flagLetterChars is the code of the flag on an application whose letter
// marks characters it could not print.
const flagLetterChars = "letter_chars"

// noteLetter records on a (before it is written) what its letter printed
// otherwise than it is, and returns the audit detail's addition: each
// note with the field's exact value, quoted so that every character can be
// told. Marked characters also flag the application, so that an officer
// sees that the letter shows □ where the record has a character.
func noteLetter(a *Application, letter string, notes []PrintNote) string {
	if len(notes) == 0 {
		return ""
	}
	var detail, marked []string
	values := map[string]bool{}
	for _, n := range notes {
		detail = append(detail, n.Describe())
		if n.How == PrintedMarked {
			marked = append(marked, n.Describe())
		}
		if !values[n.Field] {
			values[n.Field] = true
			detail = append(detail, n.Field+"原文 "+strconv.Quote(n.Value))
		}
	}
	if len(marked) > 0 {
		f := Flag{Code: flagLetterChars, Message: letter + "有无法显示的字符：" + strings.Join(marked, "；") + "；原文见审计记录"}
		kept := a.Flags[:0:0]
		for _, old := range a.Flags {
			if old.Code != flagLetterChars || old.Message != f.Message {
				kept = append(kept, old)
			}
		}
		a.Flags = append(kept, f)
	}
	return "；" + strings.Join(detail, "；")
}

// oddPlaintext quotes, for the restore's audit detail, the decrypted
// fields that hold control or format characters (which no page shows as
// they are), so that the trail keeps them exactly; "" when there are none.
func oddPlaintext(p Sealed) string {
	var out []string
	for _, f := range letterTable {
		if f.sealed == nil {
			continue
		}
		if v := f.sealed(p); strings.IndexFunc(v, func(c rune) bool { return unicode.In(c, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }) >= 0 {
			out = append(out, f.label+" "+strconv.Quote(v))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "；解密原文含控制或格式字符：" + strings.Join(out, "，")
}

// letterFailure is why a letter could not be made, as the console shows it:
// the message of our typed errors, which name the field and the rule; a
// fault of ours only as such (the log has the details).
func letterFailure(err error) string {
	if ErrorCode(err) == EINTERNAL {
		return "系统内部错误（详见日志），将自动重试"
	}
	return text.Clip(ErrorMessage(err), 500)
}
