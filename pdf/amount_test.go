package pdf

import (
	"fmt"
	"strings"
	"testing"
)

func TestAmountInWords(t *testing.T) {
	tests := []struct {
		fen  int64
		want string
	}{
		{0, "人民币零元整"},
		{1, "人民币壹分"},
		{4, "人民币肆分"},
		{10, "人民币壹角整"},
		{50, "人民币伍角整"},
		{53, "人民币伍角叁分"},
		{100, "人民币壹元整"},
		{105, "人民币壹元零伍分"},
		{150, "人民币壹元伍角整"},
		{1000, "人民币壹拾元整"},
		{1050, "人民币壹拾元零伍角整"},
		{1500, "人民币壹拾伍元整"},
		{10000, "人民币壹佰元整"},
		{10100, "人民币壹佰零壹元整"},
		{11000, "人民币壹佰壹拾元整"},
		{32504, "人民币叁佰贰拾伍元零肆分"}, // PBOC 五(四)
		{100000, "人民币壹仟元整"},
		{100100, "人民币壹仟零壹元整"},
		{101000, "人民币壹仟零壹拾元整"},
		{140950, "人民币壹仟肆佰零玖元伍角整"},   // PBOC 五(一), 整 after 角 (our choice)
		{600714, "人民币陆仟零柒元壹角肆分"},    // PBOC 五(二)
		{168032, "人民币壹仟陆佰捌拾元零叁角贰分"}, // PBOC 五(三), first form
		{1000000, "人民币壹万元整"},
		{1640902, "人民币壹万陆仟肆佰零玖元零贰分"}, // PBOC 五(四)
		{1000053, "人民币壹万元零伍角叁分"},
		{1000500, "人民币壹万零伍元整"},
		{1050000, "人民币壹万零伍佰元整"},
		{2000000, "人民币贰万元整"},
		{10000000, "人民币壹拾万元整"},
		{10010000, "人民币壹拾万零壹佰元整"},
		{10700053, "人民币壹拾万柒仟元零伍角叁分"}, // PBOC 五(三), first form
		{10070000, "人民币壹拾万零柒佰元整"},
		{100000000, "人民币壹佰万元整"},
		{100000500, "人民币壹佰万零伍元整"},
		{123456789, "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"},
		{1000000000, "人民币壹仟万元整"},
		{1000100000, "人民币壹仟万壹仟元整"},
		{10000000000, "人民币壹亿元整"},
		{10000000100, "人民币壹亿零壹元整"},
		{10005000000, "人民币壹亿零伍万元整"},
		{10050000000, "人民币壹亿零伍拾万元整"},
		{10500000000, "人民币壹亿零伍佰万元整"},
		{15000000000, "人民币壹亿伍仟万元整"},
		{100000000000, "人民币壹拾亿元整"},
		{100000000001, "人民币壹拾亿元零壹分"},
		{1234567890123, "人民币壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分"},
		{100000000000000, "人民币壹万亿元整"},
		{100000000000100, "人民币壹万亿零壹元整"},
		{100010000000000, "人民币壹万零壹亿元整"},
		{100000010000000, "人民币壹万亿零壹拾万元整"},
		{999999999999999999, "人民币玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"},
	}
	for _, tt := range tests {
		got, err := AmountInWords(tt.fen)
		if err != nil {
			t.Errorf("AmountInWords(%d): %v", tt.fen, err)
			continue
		}
		if got != tt.want {
			t.Errorf("AmountInWords(%d) = %s, want %s", tt.fen, got, tt.want)
		}
	}
}

func TestAmountInWordsRefuses(t *testing.T) {
	for _, fen := range []int64{-1, -2000000, maxAmountFen, maxAmountFen + 1, 1<<63 - 1} {
		if got, err := AmountInWords(fen); err == nil {
			t.Errorf("AmountInWords(%d) = %s, want error", fen, got)
		}
	}
}

// TestAmountInWordsInvariants checks properties every output must have, over
// a spread of amounts: never 零 twice in a row, never ending in 零, 整 only
// without 分, 元 present exactly when there are yuan.
func TestAmountInWordsInvariants(t *testing.T) {
	for fen := int64(0); fen < 2_000_000; fen += 997 {
		checkInvariants(t, fen)
	}
	for _, base := range []int64{1e8, 1e10, 1e12, 1e14, 1e16} {
		for _, d := range []int64{0, 1, 10, 100, 1e4, 1e6, 1e8, 1e10} {
			if base+d < maxAmountFen {
				checkInvariants(t, base+d)
			}
		}
	}
}

func checkInvariants(t *testing.T, fen int64) {
	t.Helper()
	s, err := AmountInWords(fen)
	if err != nil {
		t.Fatalf("AmountInWords(%d): %v", fen, err)
	}
	switch {
	case !strings.HasPrefix(s, "人民币"):
		t.Errorf("%d: %s lacks 人民币", fen, s)
	case strings.Contains(s, "零零"):
		t.Errorf("%d: %s has 零零", fen, s)
	case fen != 0 && strings.HasSuffix(s, "零"):
		t.Errorf("%d: %s ends in 零", fen, s)
	case strings.HasSuffix(s, "分") == strings.HasSuffix(s, "整"):
		t.Errorf("%d: %s: exactly one of 分 and 整 must end it", fen, s)
	case (fen >= 100 || fen == 0) != strings.Contains(s, "元"):
		t.Errorf("%d: %s: 元 must appear exactly when there are yuan", fen, s)
	case strings.Contains(s, "人民币拾") || strings.Contains(s, "零拾"):
		t.Errorf("%d: %s: 拾 without a digit", fen, s)
	}
}

// TestAmountGolden keeps a readable list of amounts in testdata, reviewed
// like any other golden file.
func TestAmountGolden(t *testing.T) {
	var b strings.Builder
	for _, fen := range []int64{
		0, 1, 10, 11, 100, 101, 110, 1000, 1001, 1010, 1100, 10000, 10001, 10010,
		10100, 100000, 100001, 100010, 100100, 101000, 110000, 1000000, 1000001,
		1000053, 1000500, 1005000, 1050000, 1500000, 2000000, 5000000, 8000000,
		10000000, 10000100, 20000000, 50000000, 80000000, 100000000, 100050000,
		1000000000, 10000000000, 10000000001, 10005000000, 12345678912,
		100000000000000, 999999999999999999,
	} {
		s, err := AmountInWords(fen)
		if err != nil {
			t.Fatalf("AmountInWords(%d): %v", fen, err)
		}
		fmt.Fprintf(&b, "%22s  %s\n", "¥"+formatFen(fen), s)
	}
	checkGolden(t, "amount.golden", b.String())
}

func TestFormatFen(t *testing.T) {
	tests := []struct {
		fen  int64
		want string
	}{
		{0, "0.00"}, {5, "0.05"}, {50, "0.50"}, {100, "1.00"}, {123456, "1,234.56"},
		{2000000, "20,000.00"}, {100000000, "1,000,000.00"}, {-2000000, "-20,000.00"},
	}
	for _, tt := range tests {
		if got := formatFen(tt.fen); got != tt.want {
			t.Errorf("formatFen(%d) = %s, want %s", tt.fen, got, tt.want)
		}
	}
}
