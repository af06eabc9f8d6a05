package pdf

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
)

// SignatureCheck is what verification found of one signature of a PDF.
type SignatureCheck struct {
	Signer       string // the signing certificate's subject common name
	Organization string
	Serial       string // certificate serial number, hex
	Algorithm    string // "SM2 / SM3", "ECDSA P-256 / SHA-256", "RSA / SHA-256"
	// Time is the timestamp's time when TimeFromTSA, else the signing time
	// the signer claims (its own clock).
	Time        time.Time
	TimeFromTSA bool
	TSA         string // the time-stamping authority's name, when TimeFromTSA
	// Valid: the signature value verifies with the signer's certificate
	// over the signed bytes, the digest matches, and a timestamp (if any)
	// covers this signature.
	Valid   bool
	Problem string // why not Valid
	// Certification is the DocMDP level (1 no changes, 2 form filling and
	// signing, 3 also annotations) of a certifying signature; 0 for an
	// approval signature.
	Certification int
	// WholeFile: the signature covers the file up to its end; otherwise
	// a later revision was appended after it.
	WholeFile bool
}

var (
	reByteRange = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)
	reSigTime   = regexp.MustCompile(`/M\s*\((D:[0-9]{14})`)
	reDocMDP    = regexp.MustCompile(`(?s)/TransformMethod\s*/DocMDP.{0,300}?/P\s*([123])`)
)

// maxSignatures bounds the work an uploaded file can cause.
const maxSignatures = 8

// VerifySignatures checks every adbe.pkcs7.detached signature of a PDF:
// the byte ranges, the CMS signature (RSA, ECDSA or SM2), the timestamp
// token. It does not decide whom to trust: the caller compares the signer
// with its own certificates. A file without signatures gives none and no
// error.
func VerifySignatures(data []byte) ([]SignatureCheck, error) {
	var out []SignatureCheck
	for _, m := range reByteRange.FindAllSubmatchIndex(data, -1) {
		if len(out) == maxSignatures {
			return out, fmt.Errorf("pdf: more than %d signatures", maxSignatures)
		}
		var br [4]int
		for i := range br {
			n, err := strconv.Atoi(string(data[m[2+2*i]:m[3+2*i]]))
			if err != nil {
				return out, fmt.Errorf("pdf: byte range: %w", err)
			}
			br[i] = n
		}
		c := checkOne(data, br, m[0])
		// A certification also vouches for what may follow it.
		if c.Valid && c.Certification > 0 && !c.WholeFile {
			if why := changeAfterCertification(data[:br[2]+br[3]], data[br[2]+br[3]:], c.Certification); why != "" {
				c.Valid, c.Problem = false, why
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// checkOne verifies the signature whose /ByteRange is br, found at pos.
func checkOne(data []byte, br [4]int, pos int) SignatureCheck {
	var c SignatureCheck
	bad := func(format string, args ...any) SignatureCheck {
		c.Valid, c.Problem = false, fmt.Sprintf(format, args...)
		return c
	}
	if br[0] != 0 || br[1] < 0 || br[1] > len(data) || br[2] <= br[1]+1 || br[2] > len(data) || br[3] < 0 || br[3] > len(data)-br[2] {
		return bad("签名范围（ByteRange）无效")
	}
	c.WholeFile = br[2]+br[3] == len(data)
	// The signature dictionary around the byte range: /M and DocMDP.
	dictStart := bytes.LastIndex(data[:pos], []byte(" obj"))
	dictEnd := bytes.Index(data[pos:], []byte("endobj"))
	if dictStart >= 0 && dictEnd >= 0 {
		dict := data[dictStart : pos+dictEnd]
		if m := reDocMDP.FindSubmatch(dict); m != nil {
			c.Certification = int(m[1][0] - '0')
		}
		if m := reSigTime.FindSubmatch(dict); m != nil {
			if t, err := time.ParseInLocation("D:20060102150405", string(m[1]), beijing); err == nil {
				c.Time = t
			}
		}
	}
	hole := data[br[1]:br[2]]
	if len(hole) < 2 || hole[0] != '<' || hole[len(hole)-1] != '>' {
		return bad("签名值位置无效")
	}
	der := make([]byte, hex.DecodedLen(len(hole)-2))
	if _, err := hex.Decode(der, hole[1:len(hole)-1]); err != nil {
		return bad("签名值不是十六进制")
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		return bad("签名值不是 CMS 结构：%v", err)
	}
	p7, err := pkcs7.Parse(raw.FullBytes)
	if err != nil {
		return bad("签名值不是 CMS SignedData：%v", err)
	}
	if len(p7.Signers) != 1 {
		return bad("签名含 %d 个签名者，应为 1 个", len(p7.Signers))
	}
	si := p7.Signers[0]
	switch {
	case si.DigestAlgorithm.Algorithm.Equal(oidSM3):
		c.Algorithm = algSM2.String()
	case si.DigestEncryptionAlgorithm.Algorithm.Equal(oidECDSAWithSHA256):
		c.Algorithm = algECDSA.String()
	case si.DigestEncryptionAlgorithm.Algorithm.Equal(oidRSAEncryption):
		c.Algorithm = algRSA.String()
	default:
		c.Algorithm = si.DigestEncryptionAlgorithm.Algorithm.String()
	}
	if cert := p7.GetOnlySigner(); cert != nil {
		c.Signer = cert.Subject.CommonName
		if len(cert.Subject.Organization) > 0 {
			c.Organization = cert.Subject.Organization[0]
		}
		c.Serial = cert.SerialNumber.Text(16)
	}
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(oidAttrSigningTime, &st); err == nil {
		c.Time = st
	}
	signed := make([]byte, 0, br[1]+br[3])
	signed = append(signed, data[:br[1]]...)
	signed = append(signed, data[br[2]:br[2]+br[3]]...)
	p7.Content = signed
	if err := p7.Verify(); err != nil {
		var mismatch *pkcs7.MessageDigestMismatchError
		if errors.As(err, &mismatch) {
			return bad("摘要不符：文件在签名后被修改")
		}
		return bad("签名值验证失败：%v", err)
	}
	for _, a := range si.UnauthenticatedAttributes {
		if !a.Type.Equal(oidAttrTimeStamp) {
			continue
		}
		ts, err := ParseTimestampToken(a.Value.Bytes)
		if err != nil {
			return bad("时间戳无效：%v", err)
		}
		want := sha256.Sum256(si.EncryptedDigest)
		if !ts.HashOID.Equal(oidSHA256) || !bytes.Equal(ts.Imprint, want[:]) {
			return bad("时间戳不是对本签名签发的")
		}
		c.Time, c.TimeFromTSA = ts.Time, true
		if ts.Authority != nil {
			c.TSA = ts.Authority.Subject.CommonName
		}
	}
	c.Valid = true
	return c
}
