package pdf

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDualSignature: a letter signed with ECDSA (or RSA) and SM2 carries two
// signatures, the first certifying and covering the first revision, the
// second, SM2/SM3 with the GM/T 0010 object identifiers, covering the whole
// file; pdfsig calls the first valid, our verifier both; one flipped byte
// breaks both.
func TestDualSignature(t *testing.T) {
	needTool(t, "pdfsig", "poppler-utils")
	for _, kinds := range []string{"ecdsa+sm2", "rsa+sm2"} {
		t.Run(kinds, func(t *testing.T) {
			s := testSigner(t, kinds, SignerConfig{Certify: true})
			r, err := NewRenderer(Options{Signer: s})
			if err != nil {
				t.Fatal(err)
			}
			l := nowLetter(KindBank, true)
			b, res, err := r.RenderContext(t.Context(), l)
			if err != nil {
				t.Fatal(err)
			}
			if res.Signatures != 2 {
				t.Errorf("SignResult.Signatures = %d, want 2", res.Signatures)
			}
			checks, err := VerifySignatures(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(checks) != 2 {
				t.Fatalf("%d signatures, want 2", len(checks))
			}
			first, second := checks[0], checks[1]
			for i, c := range checks {
				if !c.Valid {
					t.Errorf("signature %d invalid: %s", i+1, c.Problem)
				}
				if !c.Time.Equal(l.IssueTime) || c.TimeFromTSA {
					t.Errorf("signature %d time %v (TSA %v), want the printed %v from the local clock", i+1, c.Time, c.TimeFromTSA, l.IssueTime)
				}
			}
			if first.Certification != 2 || second.Certification != 0 {
				t.Errorf("certification levels %d, %d; want 2, 0", first.Certification, second.Certification)
			}
			if first.WholeFile || !second.WholeFile {
				t.Errorf("whole file: first %v, second %v; want false, true", first.WholeFile, second.WholeFile)
			}
			if second.Algorithm != "SM2 / SM3" || first.Algorithm == second.Algorithm {
				t.Errorf("algorithms %q, %q", first.Algorithm, second.Algorithm)
			}
			for _, oid := range [][]byte{
				{0x06, 0x0a, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x06, 0x01, 0x04, 0x02, 0x02}, // 1.2.156.10197.6.1.4.2.2 signedData
				{0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11},             // 1.2.156.10197.1.401 SM3
				{0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d},             // 1.2.156.10197.1.301 SM2 (prefix of 301.1)
			} {
				if !bytes.Contains(sigDER(t, b, 1), oid) {
					t.Errorf("SM2 signature lacks the OID % x", oid)
				}
			}
			if n := bytes.Count(b, []byte("%%EOF")); n != 2 {
				t.Errorf("%d revisions, want 2 (the SM2 signature as an incremental update)", n)
			}
			if !bytes.Contains(b, []byte("/SubFilter/adbe.pkcs7.detached/Name")) || bytes.Count(b, []byte("/SubFilter/adbe.pkcs7.detached")) != 2 {
				t.Error("both signatures must be adbe.pkcs7.detached")
			}

			dir := t.TempDir()
			good := filepath.Join(dir, "good.pdf")
			os.WriteFile(good, b, 0o644)
			out := run(t, "pdfsig", good)
			sig1 := pdfsigSection(out, 1)
			if !strings.Contains(sig1, "Signature is Valid.") {
				t.Errorf("pdfsig does not call the first signature valid:\n%s", out)
			}
			sm2Verify(t, good, 2, true)

			i := bytes.Index(b, []byte("(Baohan Gateway)"))
			bad := bytes.Clone(b)
			bad[i+1] ^= 0x01
			badPath := filepath.Join(dir, "bad.pdf")
			os.WriteFile(badPath, bad, 0o644)
			out = run(t, "pdfsig", badPath)
			if sig1 := pdfsigSection(out, 1); !strings.Contains(sig1, "Digest Mismatch") {
				t.Errorf("pdfsig on a tampered letter: first signature not a digest mismatch:\n%s", out)
			}
			sm2Verify(t, badPath, 2, false)
			checks, _ = VerifySignatures(bad)
			for i, c := range checks {
				if c.Valid {
					t.Errorf("tampered letter: signature %d still valid", i+1)
				}
			}
		})
	}
}

// TestSM2Only: an SM2 certificate alone makes SM2 the only, certifying
// signature.
func TestSM2Only(t *testing.T) {
	s := testSigner(t, "sm2", SignerConfig{Certify: true})
	r, err := NewRenderer(Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	b := mustRender(t, r, nowLetter(KindGuarantor, false))
	checks, err := VerifySignatures(b)
	if err != nil || len(checks) != 1 {
		t.Fatalf("%d signatures (%v), want 1", len(checks), err)
	}
	c := checks[0]
	if !c.Valid || c.Algorithm != "SM2 / SM3" || c.Certification != 2 || !c.WholeFile {
		t.Errorf("SM2-only letter: %+v", c)
	}
	sm2Verify(t, writeTemp(t, "sm2.pdf", b), 1, true)
}

// TestOneClock: /M, the CMS signing time of every signature and the time
// printed on the letter are the same instant.
func TestOneClock(t *testing.T) {
	s := testSigner(t, "ecdsa+sm2", SignerConfig{Certify: true})
	r, err := NewRenderer(Options{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	l := nowLetter(KindBank, false)
	b := mustRender(t, r, l)
	if n := bytes.Count(b, []byte("/M("+l.IssueTime.In(beijing).Format("D:20060102150405")+"+08'00')")); n != 2 {
		t.Errorf("%d signature dictionaries with /M of the printed time, want 2", n)
	}
	checks, _ := VerifySignatures(b)
	for i, c := range checks {
		if !c.Time.Equal(l.IssueTime) {
			t.Errorf("signature %d: CMS signing time %v, want %v", i+1, c.Time, l.IssueTime)
		}
	}
	text := stripSpace(pdfText(t, writeTemp(t, "clock.pdf", b), "-raw"))
	if printed := l.IssueTime.In(beijing).Format("2006-01-0215:04:05"); !strings.Contains(text, printed) {
		t.Errorf("the letter does not print the signing time %s", printed)
	}

	// A plaintext letter signed after the guarantee was issued: its
	// signatures carry the moment they are made, printed as 签章时间, and
	// the issue time stays as it was.
	l.SignedAt = l.IssueTime.Add(49 * time.Hour)
	b = mustRender(t, r, l)
	if n := bytes.Count(b, []byte("/M("+l.SignedAt.In(beijing).Format("D:20060102150405")+"+08'00')")); n != 2 {
		t.Errorf("%d signature dictionaries with /M of the signing time, want 2", n)
	}
	checks, _ = VerifySignatures(b)
	for i, c := range checks {
		if !c.Time.Equal(l.SignedAt) || !c.Valid {
			t.Errorf("signature %d: CMS signing time %v (valid %v), want %v", i+1, c.Time, c.Valid, l.SignedAt)
		}
	}
	text = stripSpace(pdfText(t, writeTemp(t, "clock2.pdf", b), "-raw"))
	for _, want := range []string{l.IssueTime.In(beijing).Format("2006-01-0215:04:05"), "签章时间：" + l.SignedAt.In(beijing).Format("2006-01-0215:04:05")} {
		if !strings.Contains(text, want) {
			t.Errorf("the letter does not print %s", want)
		}
	}
}

// TestDocMDP: the catalog's /Perms names the first signature, whose
// reference carries DocMDP P 2; certify off leaves both out.
func TestDocMDP(t *testing.T) {
	for _, certify := range []bool{true, false} {
		r, err := NewRenderer(Options{Signer: testSigner(t, "ecdsa", SignerConfig{Certify: certify})})
		if err != nil {
			t.Fatal(err)
		}
		b := mustRender(t, r, testLetter(KindBank, false))
		perms := regexp.MustCompile(`/Perms<</DocMDP (\d+) 0 R>>`).FindSubmatch(b)
		ref := bytes.Contains(b, []byte("/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P 2/V/1.2>>"))
		if certify {
			if perms == nil || !ref {
				t.Fatalf("certified letter: /Perms %q, DocMDP reference %v", perms, ref)
			}
			if !bytes.Contains(b, []byte("\n"+string(perms[1])+" 0 obj\n<</Type/Sig")) {
				t.Error("/Perms/DocMDP does not point at the signature dictionary")
			}
		} else if perms != nil || ref {
			t.Error("certify off, but the letter is certified")
		}
	}
}

// nowLetter is testLetter issued now, within the test certificates'
// validity (a signing time outside it does not verify).
func nowLetter(k Kind, sealed bool) Letter {
	l := testLetter(k, sealed)
	l.IssueTime = time.Now().Truncate(time.Second)
	return l
}

// sigDER returns the DER of signature i (0-based) of a PDF.
func sigDER(t *testing.T, b []byte, i int) []byte {
	t.Helper()
	m := reByteRange.FindAllSubmatch(b, -1)
	if len(m) <= i {
		t.Fatalf("no signature %d", i+1)
	}
	start, end := atoi(t, m[i][2]), atoi(t, m[i][3])
	return mustHex(t, string(b[start+1:end-1]))
}

// pdfsigSection returns the part of pdfsig's output about signature n.
func pdfsigSection(out string, n int) string {
	parts := regexp.MustCompile(`(?m)^Signature #\d+:`).Split(out, -1)
	if n < len(parts) {
		return parts[n]
	}
	return ""
}
