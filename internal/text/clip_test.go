package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"保函保函", 4, "保函保函"}, // 12 bytes, 4 runes: not clipped
		{"保函保函", 3, "保函保…"},
		{"保函abc", 2, "保函…"},
		{"交易平台拒绝", 6, "交易平台拒绝"},
		{"交易平台拒绝", 4, "交易平台…"},
		{"abc", 0, "…"},
		{"a\xffbc", 2, "a\uFFFD…"},
	}
	for _, tt := range tests {
		if got := Clip(tt.s, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestClipValidUTF8(t *testing.T) {
	s := strings.Repeat("电子保函", 30)
	for n := 0; n <= utf8.RuneCountInString(s)+1; n++ {
		got := Clip(s, n)
		if !utf8.ValidString(got) {
			t.Fatalf("Clip(…, %d) = %q, not valid UTF-8", n, got)
		}
		want := min(n, 120)
		if n < 120 {
			want++ // the ellipsis
		}
		if c := utf8.RuneCountInString(got); c != want {
			t.Errorf("Clip(…, %d) has %d runes, want %d", n, c, want)
		}
	}
}

func FuzzClip(f *testing.F) {
	f.Add("保函保函", 3)
	f.Add("a\xffbc", 2)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n % 1000
		got := Clip(s, n)
		if utf8.RuneCountInString(s) <= n || len(s) <= n {
			if got != s {
				t.Fatalf("Clip(%q, %d) = %q, want it unchanged", s, n, got)
			}
			return
		}
		if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
			t.Fatalf("Clip(%q, %d) = %q: want valid UTF-8 ending in …", s, n, got)
		}
		if c := utf8.RuneCountInString(got); c != max(n, 0)+1 {
			t.Fatalf("Clip(%q, %d) = %q has %d runes, want %d", s, n, got, c, max(n, 0)+1)
		}
	})
}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"保函保函", 4, "保函保函"},
		{"保函保函", 3, "保函保"},
		{"abc", 0, ""},
	} {
		if got := Fit(tc.s, tc.n); got != tc.want || !utf8.ValidString(got) {
			t.Errorf("Fit(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
