package gmcrypto

import (
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	smcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/padding"
	"github.com/emmansun/gmsm/sm4"
)

// KeySize is the size of an SM4 key and of a CBC IV in bytes.
const KeySize = 16

// Errors of ParseKey and Decrypt, in the words the platform and officers read.
var (
	ErrKeyFormat  = errors.New("密钥格式错误：应为 16 字节密钥的 base64（24 个字符）或十六进制（32 个字符）")
	ErrIVFormat   = errors.New("iv 格式错误：应为 16 字节的 base64（24 个字符）或十六进制（32 个字符）")
	ErrCiphertext = errors.New("密文格式错误：不是有效的 base64")
	ErrBlockSize  = errors.New("密文长度错误：不是 16 字节的整数倍")
	ErrPadding    = errors.New("解密失败：填充无效，密钥可能不正确")
	ErrNotUTF8    = errors.New("解密失败：明文不是有效的 UTF-8，密钥可能不正确")
)

// ParseKey reads an SM4 key as the platform sends it in baohanrestore: base64
// of the 16 key bytes (24 characters, the usual form) or 32 hex characters.
func ParseKey(s string) ([]byte, error) {
	b, ok := parse16(s)
	if !ok {
		return nil, ErrKeyFormat
	}
	return b, nil
}

// ParseIV reads a CBC IV like ParseKey. An empty string means ECB and returns
// nil.
func ParseIV(s string) ([]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	b, ok := parse16(s)
	if !ok {
		return nil, ErrIVFormat
	}
	return b, nil
}

func parse16(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, true
		}
	}
	if b, err := decodeBase64(s); err == nil && len(b) == KeySize {
		return b, true
	}
	return nil, false
}

// decodeBase64 decodes standard base64 tolerantly: line breaks and other white
// space are ignored, and missing padding is accepted.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

func newMode(key, iv []byte, encrypt bool) (cipher.BlockMode, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, ErrKeyFormat
	}
	switch {
	case iv == nil && encrypt:
		return smcipher.NewECBEncrypter(block), nil
	case iv == nil:
		return smcipher.NewECBDecrypter(block), nil
	case len(iv) != KeySize:
		return nil, ErrIVFormat
	case encrypt:
		return cipher.NewCBCEncrypter(block, iv), nil
	default:
		return cipher.NewCBCDecrypter(block, iv), nil
	}
}

// Encrypt encrypts plaintext with SM4 and PKCS#7 padding: ECB when iv is nil,
// CBC otherwise.
func Encrypt(plaintext, key, iv []byte) ([]byte, error) {
	mode, err := newMode(key, iv, true)
	if err != nil {
		return nil, err
	}
	buf := padding.NewPKCS7Padding(KeySize).Pad(append([]byte(nil), plaintext...))
	mode.CryptBlocks(buf, buf)
	return buf, nil
}

// Decrypt reverses Encrypt and checks the padding strictly.
func Decrypt(ciphertext, key, iv []byte) ([]byte, error) {
	if len(ciphertext) == 0 || len(ciphertext)%KeySize != 0 {
		return nil, ErrBlockSize
	}
	mode, err := newMode(key, iv, false)
	if err != nil {
		return nil, err
	}
	buf := append([]byte(nil), ciphertext...)
	mode.CryptBlocks(buf, buf)
	out, err := padding.NewPKCS7Padding(KeySize).Unpad(buf)
	if err != nil {
		return nil, ErrPadding
	}
	return out, nil
}

// EncryptString encrypts UTF-8 text and returns standard base64 with padding,
// unwrapped: the form of baohanapply's sealed fields.
func EncryptString(plaintext string, key, iv []byte) (string, error) {
	ct, err := Encrypt([]byte(plaintext), key, iv)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// DecryptString decrypts a base64 sealed field (line breaks tolerated) to its
// UTF-8 text.
func DecryptString(ciphertext string, key, iv []byte) (string, error) {
	ct, err := decodeBase64(ciphertext)
	if err != nil {
		return "", ErrCiphertext
	}
	pt, err := Decrypt(ct, key, iv)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(pt) {
		return "", ErrNotUTF8
	}
	return string(pt), nil
}

// DecryptFields decrypts several sealed fields with one key, naming the field
// that fails. The result maps each name to its plaintext; an empty ciphertext
// stays empty.
func DecryptFields(fields map[string]string, key, iv []byte) (map[string]string, error) {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make(map[string]string, len(fields))
	for _, name := range names {
		ct := fields[name]
		if strings.TrimSpace(ct) == "" {
			out[name] = ""
			continue
		}
		pt, err := DecryptString(ct, key, iv)
		if err != nil {
			return nil, fmt.Errorf("字段 %s %w", name, err)
		}
		out[name] = pt
	}
	return out, nil
}
