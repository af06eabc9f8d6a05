package pdf

import (
	"fmt"
	"strconv"
)

// maxAmountFen is the first amount AmountInWords refuses: 10^16 yuan, the
// first amount that would need a unit above 万亿 (亿亿).
const maxAmountFen = 1_000_000_000_000_000_000

var (
	capitalDigits = []rune("零壹贰叁肆伍陆柒捌玖")
	// capitalUnits is the unit after the digit at each decimal position of
	// the yuan part, counted from the units position: 元, 拾, 佰, 仟, 万 …
	// Position 0 gets no unit here (元 is written once at the end).
	capitalUnits = []rune("　拾佰仟万拾佰仟亿拾佰仟万拾佰仟")
)

// AmountInWords writes an amount in fen as the Chinese capital amount used on
// bills and guarantees, e.g. 2000000 → "人民币贰万元整".
//
// It follows the rules of the PBOC 《支付结算办法》 annex 《正确填写票据和结算凭证
// 的基本规定》; where the rules allow two forms we always write the one the
// annex lists first, so the output is deterministic:
//
//   - Digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿, 元角分; "人民币" in front.
//     A leading 1 in the tens is written 壹拾 (壹拾元, 壹拾万), never 拾.
//   - Rule 二: an amount ending at 元 ends with 整. An amount ending at 角 may
//     omit 整; we write it (人民币伍角整, 人民币壹元伍角整) because a closed
//     amount cannot be extended. An amount with 分 never takes 整.
//   - Rule 五(一)(二): zeros between digits are written as one 零, however
//     many there are (¥6,007.14 → 陆仟零柒元壹角肆分).
//   - Rule 五(三): a zero in the 万 or 元 position, or a run of zeros ending
//     there, when the next digit (千 or 角) is not zero, may be written as
//     one 零 or left out. Following the annex's first examples we leave it
//     out after 万/亿 (¥107,000.53 → 壹拾万柒仟元零伍角叁分) and write it
//     after 元 (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分). So ¥10,000.53 is
//     人民币壹万元零伍角叁分: 元 is always written when there are yuan.
//   - Rule 五(四): 角 zero and 分 not: 零 after 元 (¥325.04 → 叁佰贰拾伍元零肆分).
//   - Zero is 人民币零元整; an amount below one yuan has no 元 (人民币伍角整,
//     人民币肆分).
//
// Negative amounts and amounts of 10^16 yuan or more are refused.
func AmountInWords(fen int64) (string, error) {
	if fen < 0 {
		return "", fmt.Errorf("amount in words: negative amount %d fen", fen)
	}
	if fen >= maxAmountFen {
		return "", fmt.Errorf("amount in words: %d fen exceeds the largest amount (10^16 yuan)", fen)
	}
	yuan, jiao, fenDigit := fen/100, fen/10%10, fen%10
	out := make([]rune, 0, 48)
	out = append(out, []rune("人民币")...)
	if fen == 0 {
		return "人民币零元整", nil
	}
	if yuan > 0 {
		out = appendYuan(out, yuan)
		out = append(out, '元')
	}
	switch {
	case jiao == 0 && fenDigit == 0:
		out = append(out, '整')
	case jiao == 0: // 五(四): 元 then 零 then 分
		if yuan > 0 {
			out = append(out, '零')
		}
		out = append(out, capitalDigits[fenDigit], '分')
	default:
		if yuan > 0 && yuan%10 == 0 { // 五(三): 元 position zero, 角 not
			out = append(out, '零')
		}
		out = append(out, capitalDigits[jiao], '角')
		if fenDigit == 0 {
			out = append(out, '整')
		} else {
			out = append(out, capitalDigits[fenDigit], '分')
		}
	}
	return string(out), nil
}

// appendYuan writes yuan (> 0, < 10^16) without the final 元.
func appendYuan(out []rune, yuan int64) []rune {
	digits := strconv.FormatInt(yuan, 10)
	n := len(digits)
	pendingZero := false
	for i := 0; i < n; i++ {
		pos := n - 1 - i // decimal position, 0 = units
		d := digits[i] - '0'
		if d != 0 {
			if pendingZero {
				out = append(out, '零')
				pendingZero = false
			}
			out = append(out, capitalDigits[d])
			if pos > 0 && pos%4 != 0 {
				out = append(out, capitalUnits[pos])
			}
		} else if pos > 0 {
			pendingZero = true
		}
		if pos > 0 && pos%4 == 0 {
			// End of a 万 or 亿 group: write its unit if the group has any
			// digit. 万 of 万亿 (position 12) closes the upper group of 亿.
			if groupNonZero(digits, i, pos) {
				out = append(out, capitalUnits[pos])
				// 五(三), first form: no 零 after a group unit for the
				// zeros at its end (壹拾万柒仟).
				pendingZero = false
			}
		}
	}
	return out
}

// groupNonZero reports whether the four-digit group ending at digits[i]
// (decimal position pos, a multiple of 4) has a non-zero digit. For the 亿
// position the group is everything above too (壹万亿: the 万 of the 亿 group
// has been written already, but 亿 must still follow).
func groupNonZero(digits string, i, pos int) bool {
	start := i - 3
	if pos == 8 {
		start = 0
	}
	if start < 0 {
		start = 0
	}
	for j := start; j <= i; j++ {
		if digits[j] != '0' {
			return true
		}
	}
	return false
}

// formatFen renders fen as yuan with thousands separators and two decimals:
// 2000000 → "20,000.00".
func formatFen(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := strconv.FormatInt(fen/100, 10)
	b := make([]byte, 0, len(s)+len(s)/3+4)
	if neg {
		b = append(b, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	c := fen % 100
	b = append(b, '.', byte('0'+c/10), byte('0'+c%10))
	return string(b)
}
