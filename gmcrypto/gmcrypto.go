// Package gmcrypto implements the Chinese national (国密) algorithms as the
// trading platform's electronic-guarantee interface uses them: the SM3 message
// signature over a sorted "name=value&…&appsecret=…" string, and SM4 (ECB or CBC,
// PKCS#7 padding) for the sealed fields of baohanapply.
//
// It works on bytes and strings only and imports nothing of ours.
package gmcrypto

import (
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/emmansun/gmsm/sm3"
)

// SM3Hex returns the SM3 digest of data as 64 lower-case hex characters.
func SM3Hex(data []byte) string {
	sum := sm3.Sum(data)
	return hex.EncodeToString(sum[:])
}

// NewSM3 returns an SM3 hash for data read as a stream; hex of its Sum is
// what SM3Hex gives of the whole.
func NewSM3() hash.Hash { return sm3.New() }

// EqualHex compares two hex digests case-insensitively in constant time
// (constant in the content; the length is not secret).
func EqualHex(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(a)), []byte(strings.ToLower(b))) == 1
}
