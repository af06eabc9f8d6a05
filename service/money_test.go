package service_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/service"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want service.Money
	}{
		{"20000.00", 2000000},
		{"20000", 2000000},
		{"20000.5", 2000050},
		{"20000.05", 2000005},
		{"0.1", 10},
		{"0.10", 10},
		{"0.01", 1},
		{"0", 0},
		{"0.00", 0},
		{"007.50", 750},
		{" 12.30\n", 1230},
		{"600.00", 60000},
		// Values a float64 gets wrong: 0.29*100 = 28.999…, 1.15*100 = 114.999…
		{"0.29", 29},
		{"1.15", 115},
		{"4.35", 435},
		{"123456789.07", 12345678907},
		{"999999999999999.99", 99999999999999999},
	}
	for _, tt := range tests {
		got, err := service.ParseMoney(tt.in)
		if err != nil {
			t.Errorf("ParseMoney(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseMoney(%q) got %d fen, want %d", tt.in, int64(got), int64(tt.want))
		}
		// The wire form reads back to the same amount.
		if back, err := service.ParseMoney(got.String()); err != nil || back != got {
			t.Errorf("ParseMoney(%q.String() = %q) got %d, %v", tt.in, got.String(), int64(back), err)
		}
	}
}

func TestParseMoneyRefuses(t *testing.T) {
	for _, in := range []string{
		"", " ", "-1", "-0.01", "+1", "1e3", "1E3", "20,000.00", "20000.000", "0.001",
		".5", "5.", ".", "2万", "20000元", "￥20000", "1 000", "1_000", "0x10", "1.2.3",
		"NaN", "Inf", "１２", "1234567890123456", "1234567890123456.00",
	} {
		got, err := service.ParseMoney(in)
		if err == nil {
			t.Errorf("ParseMoney(%q) got %d, want an error", in, int64(got))
			continue
		}
		if got != 0 {
			t.Errorf("ParseMoney(%q) got %d with an error, want 0", in, int64(got))
		}
		if msg := err.Error(); !strings.Contains(msg, "格式错误") || !strings.Contains(msg, fmt.Sprintf("%q", in)) {
			t.Errorf("ParseMoney(%q) error %q, want 格式错误 quoting the input", in, msg)
		}
	}
}

func TestMoneyString(t *testing.T) {
	tests := []struct {
		m    service.Money
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{60000, "600.00"},
		{2000000, "20000.00"},
		{2000050, "20000.50"},
		{12345678907, "123456789.07"},
		{99999999999999999, "999999999999999.99"},
		{-1, "-0.01"},
		{-150, "-1.50"},
		{-2000000, "-20000.00"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Money(%d).String() got %q, want %q", int64(tt.m), got, tt.want)
		}
		if got := fmt.Sprint(tt.m); got != tt.want {
			t.Errorf("fmt.Sprint(Money(%d)) got %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}

func TestMoneyYuan(t *testing.T) {
	tests := []struct {
		m    service.Money
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{99999, "999.99"},
		{100000, "1,000.00"},
		{1234567, "12,345.67"},
		{2000000, "20,000.00"},
		{10000000, "100,000.00"},
		{100000000, "1,000,000.00"},
		{12345678907, "123,456,789.07"},
		{99999999999999999, "999,999,999,999,999.99"},
		{-5, "-0.05"},
		{-100000, "-1,000.00"},
		{-12345678907, "-123,456,789.07"},
	}
	for _, tt := range tests {
		if got := tt.m.Yuan(); got != tt.want {
			t.Errorf("Money(%d).Yuan() got %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}
