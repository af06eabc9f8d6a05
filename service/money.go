package service

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in fen (分), the smallest unit of the yuan. It is never
// a float: the wire's "20000.00" becomes 2000000.
type Money int64

// ParseMoney reads a yuan amount with at most two decimals ("20000",
// "20000.5", "20000.00"). It refuses signs, exponents and more decimals.
func ParseMoney(s string) (Money, error) {
	intPart, frac, hasPoint := strings.Cut(strings.TrimSpace(s), ".")
	if intPart == "" || len(intPart) > 15 || !digits(intPart) || (hasPoint && (frac == "" || len(frac) > 2 || !digits(frac))) {
		return 0, fmt.Errorf("金额 %q 格式错误：应为元，最多两位小数", s)
	}
	yuan, _ := strconv.ParseInt(intPart, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	fen, _ := strconv.ParseInt(frac, 10, 64)
	return Money(yuan*100 + fen), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String renders yuan with two decimals, as sent on the wire: "20000.00".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Yuan renders the amount with thousands separators for people: "20,000.00".
func (m Money) Yuan() string {
	s := m.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + "." + frac
}
