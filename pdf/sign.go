package pdf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/pkcs8"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Signer holds the institution's signing certificates and keys. A letter
// carries one adbe.pkcs7.detached signature (CMS SignedData over the PDF's
// byte range) per certificate: the RSA/ECDSA one first, certifying the
// letter (DocMDP, only further signatures allowed), then, when an SM2
// certificate is configured too, an SM2/SM3 one (GM/T 0010) added as an
// incremental update, so each reader verifies the one it knows and neither
// breaks the other. With an SM2 certificate alone, SM2 is the only and
// certifying signature.
type Signer struct {
	ids []*cmsIdentity // in signing order
	// Dev marks letters as signed with a development certificate
	// ("开发测试证书签名，不具法律效力"). GenerateDevSigner sets it, and so does
	// LoadSigner for a certificate GenerateDevSigner made.
	Dev bool
	// reserve[i] is the size in bytes of the /Contents placeholder of
	// signature i, without the room for a timestamp token (TSA.room).
	reserve []int
	certify bool
	tsa     *TSA
	ltv     *LTV
}

// SignerConfig says where the signing keys are and how letters are signed.
type SignerConfig struct {
	// CertPEM is the first signature's certificate, RSA 2048+, ECDSA P-256
	// or SM2, optionally followed by its chain (nearest issuer first).
	CertPEM []byte
	// KeyPEM is its private key: PKCS#8 (encrypted with KeyPassword, or
	// plain), SEC 1 or PKCS#1. Leave it empty when Key is set.
	KeyPEM []byte
	// Key is the private key held elsewhere (an HSM through PKCS#11, or an
	// SDF device): anything that implements crypto.Signer (see doc.go).
	Key crypto.Signer
	// SM2CertPEM and SM2KeyPEM add an SM2/SM3 signature beside an RSA or
	// ECDSA one. SM2Key replaces SM2KeyPEM for a key held in a device.
	SM2CertPEM, SM2KeyPEM []byte
	SM2Key                crypto.Signer
	// KeyPassword decrypts encrypted PKCS#8 keys (both key files).
	KeyPassword []byte
	// Certify makes the first signature a certification (DocMDP P=2).
	Certify bool
	// TSA, when set, timestamps every signature (RFC 3161).
	TSA *TSA
	// LTV, when set, puts a DSS dictionary with the chains and their
	// revocation data into every letter.
	LTV *LTV
}

// devMarkerOU is the organizational unit of development certificates; it is
// how LoadSigner recognises them after they were saved and reloaded.
const devMarkerOU = "Baohan Gateway development certificate - not for production"

// LoadSigner reads a certificate (optionally followed by its chain, nearest
// issuer first) and an unencrypted private key from PEM, for a certifying
// signature without timestamps. NewSigner takes every option.
func LoadSigner(certPEM, keyPEM []byte) (*Signer, error) {
	return NewSigner(SignerConfig{CertPEM: certPEM, KeyPEM: keyPEM, Certify: true})
}

// NewSigner loads the certificates and keys of c and checks that each key
// matches its certificate and each chain links up.
func NewSigner(c SignerConfig) (*Signer, error) {
	first, err := loadIdentity("certificate", c.CertPEM, c.KeyPEM, c.Key, c.KeyPassword)
	if err != nil {
		return nil, fmt.Errorf("pdf: load signer: %w", err)
	}
	s := &Signer{ids: []*cmsIdentity{first}, certify: c.Certify, tsa: c.TSA, ltv: c.LTV}
	if len(c.SM2CertPEM) > 0 {
		if first.alg == algSM2 {
			return nil, errors.New("pdf: load signer: the SM2 certificate is already the first signature's; the second must be SM2 beside an RSA or ECDSA first")
		}
		second, err := loadIdentity("SM2 certificate", c.SM2CertPEM, c.SM2KeyPEM, c.SM2Key, c.KeyPassword)
		if err != nil {
			return nil, fmt.Errorf("pdf: load signer: %w", err)
		}
		if second.alg != algSM2 {
			return nil, fmt.Errorf("pdf: load signer: SM2 certificate: public key is %s, not SM2", second.alg)
		}
		s.ids = append(s.ids, second)
	}
	for _, ou := range first.cert.Subject.OrganizationalUnit {
		if ou == devMarkerOU {
			s.Dev = true
		}
	}
	for _, id := range s.ids {
		// The signature holds the certificates, the signed attributes and
		// the signature value (and the timestamp token, whose room is the
		// TSA's to say: TSA.room).
		size := 2048 + len(id.certs.FullBytes)
		if pub, ok := id.key.Public().(*rsa.PublicKey); ok {
			size += pub.Size()
		}
		s.reserve = append(s.reserve, size)
	}
	return s, nil
}

// loadIdentity parses a certificate (and chain) and its key; what names the
// pair in errors.
func loadIdentity(what string, certPEM, keyPEM []byte, key crypto.Signer, password []byte) (*cmsIdentity, error) {
	var certs []*smx509.Certificate
	for rest := certPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := smx509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", what, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no CERTIFICATE block in certificate PEM", what)
	}
	if key == nil {
		var err error
		if key, err = parseKey(keyPEM, password); err != nil {
			return nil, fmt.Errorf("%s key: %w", what, err)
		}
	}
	alg, err := keyAlg(key.Public())
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", what, err)
	}
	if err := checkKeyMatches(certs[0], key); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for i := 1; i < len(certs); i++ {
		if err := certs[i-1].CheckSignatureFrom(certs[i]); err != nil {
			return nil, fmt.Errorf("%s %d is not issued by certificate %d: %w", what, i, i+1, err)
		}
	}
	return newCMSIdentity(alg, certs[0], certs[1:], key), nil
}

// keyAlg checks a public key is one we sign with.
func keyAlg(pub crypto.PublicKey) (sigAlg, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return algECDSA, nil
		case sm2.P256():
			return algSM2, nil
		}
		return 0, fmt.Errorf("ECDSA curve %s not supported, use P-256 or SM2", k.Curve.Params().Name)
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return 0, fmt.Errorf("RSA key of %d bits too short, need 2048 or more", k.N.BitLen())
		}
		return algRSA, nil
	}
	return 0, fmt.Errorf("key type %T not supported, use ECDSA P-256, RSA or SM2", pub)
}

// parseKey reads the first private key block of keyPEM. An encrypted
// PKCS#8 key ("ENCRYPTED PRIVATE KEY": PBES2 with AES or SM4, PBKDF2 or
// scrypt) needs password; legacy OpenSSL-encrypted PEM is refused with a hint.
func parseKey(keyPEM, password []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no private key block in key PEM")
		}
		if _, ok := b.Headers["DEK-Info"]; ok {
			return nil, errors.New("legacy encrypted PEM not supported: convert with `openssl pkcs8 -topk8 -v2 aes-256-cbc`")
		}
		var k any
		var err error
		switch b.Type {
		case "ENCRYPTED PRIVATE KEY":
			if len(password) == 0 {
				return nil, errors.New("the key is encrypted: set signing.key_password_file")
			}
			k, err = pkcs8.ParsePKCS8PrivateKey(b.Bytes, password)
			if err != nil {
				err = fmt.Errorf("%w (wrong password?)", err)
			}
		case "PRIVATE KEY":
			k, err = smx509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = smx509.ParseTypedECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = smx509.ParsePKCS1PrivateKey(b.Bytes)
		default:
			continue // e.g. EC PARAMETERS before the key
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", b.Type, err)
		}
		signer, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("key type %T not supported, use ECDSA P-256, RSA or SM2", k)
		}
		if ek, ok := k.(*ecdsa.PrivateKey); ok && ek.Curve == sm2.P256() {
			// smx509 gives *sm2.PrivateKey for SM2 keys; a plain ECDSA
			// key on the SM2 curve would sign the ECDSA way, not SM2's.
			return nil, errors.New("SM2 key decoded as plain ECDSA: encode it as PKCS#8 with the SM2 curve")
		}
		if _, err := keyAlg(signer.Public()); err != nil {
			return nil, err
		}
		return signer, nil
	}
}

func checkKeyMatches(cert *smx509.Certificate, key crypto.Signer) error {
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
	cred, err := devCredentials(org)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: %w", err)
	}
	s, err := LoadSigner(cred.CertPEM, cred.KeyPEM)
	if err != nil {
		return nil, DevCredentials{}, fmt.Errorf("pdf: generate dev signer: %w", err)
	}
	return s, cred, nil
}

// devCredentials makes GenerateDevSigner's CA, certificate and key.
func devCredentials(org string) (DevCredentials, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return DevCredentials{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return DevCredentials{}, err
	}
	now := time.Now()
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		return n.Add(n, big.NewInt(1))
	}
	// template is a certificate of org's, marked as for development.
	template := func(cn string, usage x509.KeyUsage) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: org + " " + cn, Organization: []string{org}, OrganizationalUnit: []string{devMarkerOU}},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.AddDate(10, 0, 0),
			KeyUsage:              usage,
			BasicConstraintsValid: true,
		}
	}
	// issue makes tmpl a certificate under parent, signed by the CA's key.
	issue := func(tmpl, parent *x509.Certificate, pub any) (*x509.Certificate, error) {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, caKey)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	ca := template("开发测试根证书", x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	ca.IsCA, ca.MaxPathLenZero = true, true
	caCert, err := issue(ca, ca, &caKey.PublicKey)
	if err != nil {
		return DevCredentials{}, fmt.Errorf("CA: %w", err)
	}
	leaf := template("电子保函签章（开发测试）", x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment)
	leaf.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	leafCert, err := issue(leaf, caCert, &leafKey.PublicKey)
	if err != nil {
		return DevCredentials{}, fmt.Errorf("leaf: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return DevCredentials{}, fmt.Errorf("key: %w", err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})
	return DevCredentials{
		CACertPEM: caPEM,
		CertPEM:   append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafCert.Raw}), caPEM...),
		KeyPEM:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// Certificates returns the signing certificates in signing order.
func (s *Signer) Certificates() []*smx509.Certificate {
	out := make([]*smx509.Certificate, len(s.ids))
	for i, id := range s.ids {
		out[i] = id.cert
	}
	return out
}

// Certificate returns the first signature's certificate.
func (s *Signer) Certificate() *smx509.Certificate { return s.ids[0].cert }

// TSA returns the time-stamping client, nil without one.
func (s *Signer) TSA() *TSA { return s.tsa }

// LTV returns the gatherer of revocation data, nil without one.
func (s *Signer) LTV() *LTV { return s.ltv }

// KeyAlgorithm names a certificate's signature family as the console and
// the verification page show it.
func KeyAlgorithm(c *smx509.Certificate) string {
	alg, err := keyAlg(c.PublicKey)
	if err != nil {
		return c.PublicKeyAlgorithm.String()
	}
	return alg.String()
}
