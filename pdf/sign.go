package pdf

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/digitorus/pkcs7"
)

// Signer holds the institution's signing certificate and key. Letters carry
// an adbe.pkcs7.detached signature (PKCS#7 / CMS SignedData over the PDF's
// byte range), which Adobe Reader, pdfsig and other standard readers verify.
type Signer struct {
	cert  *x509.Certificate
	chain []*x509.Certificate // issuers of cert, nearest first
	key   crypto.Signer
	// Dev marks letters as signed with a development certificate
	// ("开发测试证书签名，不具法律效力"). GenerateDevSigner sets it, and so does
	// LoadSigner for a certificate GenerateDevSigner made.
	Dev bool
	// reserve is the size in bytes of the /Contents placeholder.
	reserve int
}

// devMarkerOU is the organizational unit of development certificates; it is
// how LoadSigner recognises them after they were saved and reloaded.
const devMarkerOU = "Baohan Gateway development certificate - not for production"

// LoadSigner reads a certificate (optionally followed by its chain, nearest
// issuer first) and a private key from PEM. Keys may be ECDSA P-256 or RSA
// (2048 bits or more), in PKCS#8, SEC 1 ("EC PRIVATE KEY") or PKCS#1 ("RSA
// PRIVATE KEY") form. The key must match the first certificate.
func LoadSigner(certPEM, keyPEM []byte) (*Signer, error) {
	var certs []*x509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pdf: load signer: certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("pdf: load signer: no CERTIFICATE block in certificate PEM")
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pdf: load signer: %w", err)
	}
	if err := checkKeyMatches(certs[0], key); err != nil {
		return nil, fmt.Errorf("pdf: load signer: %w", err)
	}
	for i := 1; i < len(certs); i++ {
		if err := certs[i-1].CheckSignatureFrom(certs[i]); err != nil {
			return nil, fmt.Errorf("pdf: load signer: certificate %d is not issued by certificate %d: %w", i, i+1, err)
		}
	}
	s := &Signer{cert: certs[0], chain: certs[1:], key: key}
	for _, ou := range certs[0].Subject.OrganizationalUnit {
		if ou == devMarkerOU {
			s.Dev = true
		}
	}
	// The signature holds the certificates, the signed attributes and the
	// signature value; reserve generously so a larger chain still fits.
	size := 2048
	for _, c := range certs {
		size += len(c.Raw)
	}
	if pub, ok := key.Public().(*rsa.PublicKey); ok {
		size += pub.Size()
	}
	s.reserve = size
	return s, nil
}

func parseKey(keyPEM []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no private key block in key PEM")
		}
		var k any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		default:
			continue // e.g. EC PARAMETERS before the key
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", b.Type, err)
		}
		switch k := k.(type) {
		case *ecdsa.PrivateKey:
			if k.Curve != elliptic.P256() {
				return nil, fmt.Errorf("ECDSA curve %s not supported, use P-256", k.Curve.Params().Name)
			}
			return k, nil
		case *rsa.PrivateKey:
			if k.N.BitLen() < 2048 {
				return nil, fmt.Errorf("RSA key of %d bits too short, need 2048 or more", k.N.BitLen())
			}
			return k, nil
		default:
			return nil, fmt.Errorf("key type %T not supported, use ECDSA P-256 or RSA", k)
		}
	}
}

func checkKeyMatches(cert *x509.Certificate, key crypto.Signer) error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := key.Public().(equaler)
	if !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("private key does not match the certificate")
	}
	return nil
}

// DevCredentials are the PEM files GenerateDevSigner creates, for the caller
// to persist so letters stay verifiable against the same development CA.
type DevCredentials struct {
	CACertPEM []byte // the development root CA
	CertPEM   []byte // leaf certificate followed by the CA certificate
	KeyPEM    []byte // leaf private key, PKCS#8
}

// GenerateDevSigner creates a development root CA and a leaf signing
// certificate for org (ECDSA P-256, valid ten years). Letters signed with it
// are marked "开发测试证书签名，不具法律效力". LoadSigner(cred.CertPEM,
// cred.KeyPEM) restores the same signer, Dev flag included.
func GenerateDevSigner(org string) (*Signer, DevCredentials, error) {
	if org == "" {
		return nil, DevCredentials{}, errors.New("pdf: generate dev signer: org required")
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: %w", err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: %w", err)
	}
	now := time.Now()
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		return n.Add(n, big.NewInt(1))
	}
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: org + " 开发测试根证书", Organization: []string{org}, OrganizationalUnit: []string{devMarkerOU}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: CA: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: CA: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: org + " 电子保函签章（开发测试）", Organization: []string{org}, OrganizationalUnit: []string{devMarkerOU}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		BasicConstraintsValid: true,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: leaf: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: key: %w", err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	cred := DevCredentials{
		CACertPEM: caPEM,
		CertPEM:   append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), caPEM...),
		KeyPEM:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	s, err := LoadSigner(cred.CertPEM, cred.KeyPEM)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: %w", err)
	}
	return s, cred, nil
}

// Certificate returns the signing certificate.
func (s *Signer) Certificate() *x509.Certificate { return s.cert }

// signSpec says where the signature objects go in a letter being assembled.
type signSpec struct {
	field, value, page int // object numbers
	next               int // first unused object number
	trailer            string
	when               time.Time
	reason             string
}

// byteRangePlaceholder is overwritten in place once offsets are known; its
// width fits four ten-digit numbers.
const byteRangePlaceholder = "/ByteRange[0 0000000000 0000000000 0000000000]"

// sign appends the signature field and value to w, writes the xref, and
// fills /Contents with a detached PKCS#7 signature over everything except
// the /Contents hex string itself. Because we write the whole file, the
// signature is part of the original revision (no incremental update needed).
func (s *Signer) sign(w *objWriter, sp signSpec) ([]byte, error) {
	w.begin(sp.field)
	w.printf("<</Type/Annot/Subtype/Widget/FT/Sig/T(Signature1)/V %d 0 R/Rect[0 0 0 0]/F 132/P %d 0 R>>", sp.value, sp.page)
	w.end()

	w.begin(sp.value)
	w.str("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached")
	w.printf("/Name%s/Reason%s/M(%s)", textString(s.cert.Subject.CommonName), textString(sp.reason), pdfDate(sp.when))
	brPos := len(w.buf)
	w.str(byteRangePlaceholder)
	w.str("/Contents")
	contentsStart := len(w.buf)
	w.str("<")
	w.buf = append(w.buf, bytes.Repeat([]byte{'0'}, 2*s.reserve)...)
	w.str(">")
	contentsEnd := len(w.buf)
	w.str(">>")
	w.end()
	w.xref(sp.next, sp.trailer)

	// Fill in the byte range, padding with spaces to the placeholder width.
	br := []byte("/ByteRange[0 ")
	br = strconv.AppendInt(br, int64(contentsStart), 10)
	br = append(br, ' ')
	br = strconv.AppendInt(br, int64(contentsEnd), 10)
	br = append(br, ' ')
	br = strconv.AppendInt(br, int64(len(w.buf)-contentsEnd), 10)
	br = append(br, ']')
	if len(br) > len(byteRangePlaceholder) {
		return nil, errors.New("sign: document too large for the byte range placeholder")
	}
	for len(br) < len(byteRangePlaceholder) {
		br = append(br, ' ')
	}
	copy(w.buf[brPos:], br)

	signed := make([]byte, 0, len(w.buf)-(contentsEnd-contentsStart))
	signed = append(signed, w.buf[:contentsStart]...)
	signed = append(signed, w.buf[contentsEnd:]...)
	sig, err := s.pkcs7(signed)
	if err != nil {
		return nil, err
	}
	if len(sig) > s.reserve {
		return nil, fmt.Errorf("sign: signature of %d bytes exceeds the %d reserved", len(sig), s.reserve)
	}
	hex.Encode(w.buf[contentsStart+1:], sig)
	return w.buf, nil
}

// pkcs7 makes the detached CMS SignedData (SHA-256) over data.
func (s *Signer) pkcs7(data []byte) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(data)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	// AddSigner, not AddSignerChain: the chain was checked once in
	// LoadSigner, and the issuer name in SignerInfo is the leaf's issuer
	// either way.
	if err := sd.AddSigner(s.cert, s.key, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	for _, c := range s.chain {
		sd.AddCertificate(c)
	}
	sd.Detach()
	der, err := sd.Finish()
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return der, nil
}
