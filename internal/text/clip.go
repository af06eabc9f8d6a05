// Package text shortens strings for people to read: the values quoted in
// refusals, error messages and logs. It imports nothing of ours, so every
// package of the module may use it.
package text

// Clip shortens s to its first n runes followed by "…" when it has more than
// n runes, and returns s unchanged otherwise. It counts runes, not bytes, so
// it never cuts a character in two; a clipped result is valid UTF-8 (an
// invalid byte in the kept part becomes U+FFFD).
func Clip(s string, n int) string {
	if len(s) <= n { // at most n bytes, so at most n runes
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:max(n, 0)]) + "…"
}

// Fit cuts s to its first n runes, with no mark: for a value stored in a
// column of n characters (an address, a user agent), where "…" would not
// fit. It never cuts a character in two.
func Fit(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if r := []rune(s); len(r) > n {
		return string(r[:max(n, 0)])
	}
	return s
}
