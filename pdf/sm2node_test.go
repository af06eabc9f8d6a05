package pdf

import (
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sm2Verify checks signature n (1-based) of the PDF at path with the node
// helper in testdata/sm2verify (sm-crypto, asn1js, pkijs: not gmsm), and
// fails unless both the digest and the SM2 signature are as good as want.
// The helper's packages come from `npm ci` in that directory, which CI
// runs; the test fails, not skips, without them.
func sm2Verify(t *testing.T, path string, n int, want bool) {
	t.Helper()
	needTool(t, "node", "nodejs")
	dir, _ := filepath.Abs(filepath.Join("testdata", "sm2verify"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "sm-crypto")); err != nil {
		t.Fatalf("sm-crypto not installed: run `npm ci` in %s (CI does)", dir)
	}
	out, err := exec.Command("node", filepath.Join(dir, "verify.js"), path, strconv.Itoa(n)).CombinedOutput()
	if err != nil {
		t.Fatalf("node verify.js: %v\n%s", err, out)
	}
	var got struct {
		Digest, Signature       bool
		Signer, ContentType     string
		DigestOID, SignatureOID string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node verify.js output %q: %v", out, err)
	}
	if got.ContentType != "1.2.156.10197.6.1.4.2.2" || got.DigestOID != "1.2.156.10197.1.401" || got.SignatureOID != "1.2.156.10197.1.301.1" {
		t.Errorf("SM2 signature OIDs: content type %s, digest %s, signature %s; want GM/T 0010 signedData, SM3, SM2", got.ContentType, got.DigestOID, got.SignatureOID)
	}
	if want && !(got.Digest && got.Signature) {
		t.Errorf("sm-crypto: SM2 signature %d of %s: digest ok %v, signature ok %v; want both", n, filepath.Base(path), got.Digest, got.Signature)
	}
	if !want && got.Digest && got.Signature {
		t.Errorf("sm-crypto still accepts SM2 signature %d of the tampered %s", n, filepath.Base(path))
	}
	if want && !strings.Contains(got.Signer, "SM2") && !strings.Contains(got.Signer, "签章") {
		t.Errorf("sm-crypto: signer %q", got.Signer)
	}
}

func atoi(t *testing.T, b []byte) int {
	t.Helper()
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(b, &raw); err != nil {
		t.Fatalf("signature contents: %v", err)
	}
	return raw.FullBytes
}
