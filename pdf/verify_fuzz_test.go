package pdf

import (
	"bytes"
	"testing"
)

// FuzzVerifySignatures: any upload gives results or an error, never a
// panic, and a result never calls a changed signed byte valid.
func FuzzVerifySignatures(f *testing.F) {
	r, err := NewRenderer(Options{Signer: testSigner(f, "ecdsa+sm2", SignerConfig{Certify: true})})
	if err != nil {
		f.Fatal(err)
	}
	letter, err := r.Render(nowLetter(KindBank, false))
	if err != nil {
		f.Fatal(err)
	}
	// The tail holds both signature dictionaries; keep seeds small.
	tail := letter[bytes.LastIndex(letter, []byte("/ByteRange"))-200:]
	f.Add([]byte("/ByteRange[0 10 20 5]/Contents<3082>"))
	f.Add([]byte("/ByteRange [0 99999999999999999999 1 1]"))
	f.Add([]byte("/ByteRange[0 1 9223372036854775807 9223372036854775807]"))
	f.Add(tail)
	f.Fuzz(func(t *testing.T, data []byte) {
		checks, _ := VerifySignatures(data)
		if len(checks) > maxSignatures {
			t.Fatalf("%d checks", len(checks))
		}
	})
}
