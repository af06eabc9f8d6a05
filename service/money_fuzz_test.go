package service_test

import (
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/service"
)

// yuanText is the amount ParseMoney accepts, written independently of it:
// 1 to 15 digits of yuan, then at most two decimals after a point.
var yuanText = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,2})?$`)

// FuzzParseMoney holds ParseMoney to an independent reading: it accepts
// exactly yuanText (around white space), and its fen are the text's value
// times 100 as math/big reads it; what it accepts renders back to itself
// (String, Yuan) and reads back the same.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"20000.00", "20000", "0.5", "0.29", "1.15", " 12.30\n", "999999999999999.99", "1000000000000000",
		"-1", "+1", "1e3", "0x10", "1.234", ".5", "5.", "１２", "1,000.00", "NaN", "", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := service.ParseMoney(s)
		text := strings.TrimSpace(s)
		if want := yuanText.MatchString(text); (err == nil) != want {
			t.Fatalf("ParseMoney(%q): %v, %v; want accepted %v", s, m, err, want)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "金额") {
				t.Fatalf("ParseMoney(%q): error %q does not say what is wrong", s, err)
			}
			return
		}
		r, ok := new(big.Rat).SetString(text)
		if !ok {
			t.Fatalf("math/big cannot read %q, which ParseMoney took as %d fen", text, m)
		}
		r.Mul(r, big.NewRat(100, 1))
		if !r.IsInt() || r.Num().Cmp(big.NewInt(int64(m))) != 0 {
			t.Fatalf("ParseMoney(%q) = %d fen, math/big says %s", s, m, r.RatString())
		}
		out := m.String()
		if !regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`).MatchString(out) {
			t.Fatalf("%d fen renders as %q", m, out)
		}
		if back, err := service.ParseMoney(out); err != nil || back != m {
			t.Fatalf("%q reads back as %d, %v; want %d", out, back, err, m)
		}
		if got := strings.ReplaceAll(m.Yuan(), ",", ""); got != out {
			t.Fatalf("Yuan() %q without separators is %q, want %q", m.Yuan(), got, out)
		}
	})
}
