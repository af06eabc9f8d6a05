package gmcrypto

// Masks for looking at eight bytes at once (see SkipPlainJSON).
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// SkipPlainJSON returns i advanced over the whole eight-byte words of s that
// hold no '"', no '\\', no control character (below U+0020) and no
// non-ASCII byte: bytes that a JSON string holds as they are. The scanners of
// JSON strings (the signing string's here, platform's for our messages) look
// at the bytes from the index returned one by one. A base64 file is nothing
// but such bytes, and this runs over every byte of it.
func SkipPlainJSON[T ~string | ~[]byte](s T, i int) int {
	for i+8 <= len(s) {
		b := s[i : i+8]
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		q := w ^ ('"' * ones)
		bs := w ^ ('\\' * ones)
		if ((w-0x20*ones)&^w|(q-ones)&^q|(bs-ones)&^bs|w)&highs != 0 {
			break
		}
		i += 8
	}
	return i
}
