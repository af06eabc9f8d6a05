package pdf

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"slices"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// Object identifiers of CMS (RFC 5652), RFC 3161 and, for SM2 signatures,
// GM/T 0010-2012 / GB/T 35275-2017 (the Chinese profile of PKCS #7).
var (
	oidData             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrDigest       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrTimeStamp    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14} // id-aa-signatureTimeStampToken
	oidSHA256           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSM3              = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
	oidSM2Sign          = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 301, 1} // sm2-1, GM/T 0006
	oidSM2Data          = asn1.ObjectIdentifier{1, 2, 156, 10197, 6, 1, 4, 2, 1}
	oidSM2SignedData    = asn1.ObjectIdentifier{1, 2, 156, 10197, 6, 1, 4, 2, 2}
	asn1Null            = asn1.RawValue{Tag: asn1.TagNull}
	errSignatureTooLong = errors.New("sign: signature exceeds the space reserved for it")
)

// sigAlg is a family of signatures: what digest, which OIDs.
type sigAlg int

const (
	algRSA sigAlg = iota + 1
	algECDSA
	algSM2
)

// String names the algorithm as the verification page shows it.
func (a sigAlg) String() string {
	switch a {
	case algRSA:
		return "RSA / SHA-256"
	case algECDSA:
		return "ECDSA P-256 / SHA-256"
	case algSM2:
		return "SM2 / SM3"
	}
	return "unknown"
}

func (a sigAlg) newHash() hash.Hash {
	if a == algSM2 {
		return sm3.New()
	}
	return sha256.New()
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    algorithmIdentifier
	SignedAttrs        asn1.RawValue // [0] IMPLICIT SET OF Attribute
	SignatureAlgorithm algorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional"` // [1] IMPLICIT SET OF Attribute
}

type encapContentInfo struct {
	ContentType asn1.ObjectIdentifier
}

type signedData struct {
	Version          int
	DigestAlgorithms []algorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue // [0] IMPLICIT
	SignerInfos      []signerInfo  `asn1:"set"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // the SET of values, DER
}

// derSetOf encodes elements as a DER SET OF (sorted encodings) with the
// given tag byte: 0x31 for signing, 0xA0/0xA1 inside SignerInfo.
func derSetOf(tag byte, elems [][]byte) []byte {
	slices.SortFunc(elems, bytes.Compare)
	var body []byte
	for _, e := range elems {
		body = append(body, e...)
	}
	return append(derHeader(tag, len(body)), body...)
}

func derHeader(tag byte, n int) []byte {
	switch {
	case n < 0x80:
		return []byte{tag, byte(n)}
	case n < 0x100:
		return []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		return []byte{tag, 0x82, byte(n >> 8), byte(n)}
	default:
		return []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
}

func encodeAttr(oid asn1.ObjectIdentifier, valueDER []byte) ([]byte, error) {
	return asn1.Marshal(attribute{Type: oid, Values: asn1.RawValue{FullBytes: derSetOf(0x31, [][]byte{valueDER})}})
}

// cmsIdentity is one signing certificate with its key.
type cmsIdentity struct {
	alg   sigAlg
	cert  *smx509.Certificate
	chain []*smx509.Certificate // issuers, nearest first
	key   crypto.Signer
	certs asn1.RawValue // [0] cert, chain…, precomputed
}

func newCMSIdentity(alg sigAlg, cert *smx509.Certificate, chain []*smx509.Certificate, key crypto.Signer) *cmsIdentity {
	var body []byte
	body = append(body, cert.Raw...)
	for _, c := range chain {
		body = append(body, c.Raw...)
	}
	return &cmsIdentity{alg: alg, cert: cert, chain: chain, key: key,
		certs: asn1.RawValue{FullBytes: append(derHeader(0xA0, len(body)), body...)}}
}

// signedAttrs returns the DER SET OF the signed attributes (tag 0x31, as
// signed): content type, message digest and signing time.
func (id *cmsIdentity) signedAttrs(digest []byte, when time.Time) ([]byte, error) {
	ct := oidData
	if id.alg == algSM2 {
		ct = oidSM2Data
	}
	ctDER, err := asn1.Marshal(ct)
	if err != nil {
		return nil, err
	}
	mdDER, err := asn1.Marshal(digest)
	if err != nil {
		return nil, err
	}
	// UTCTime until 2049, as RFC 5652 11.3 requires.
	stDER, err := asn1.MarshalWithParams(when.UTC().Truncate(time.Second), "utc")
	if err != nil {
		return nil, err
	}
	var attrs [][]byte
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		v   []byte
	}{{oidAttrContentType, ctDER}, {oidAttrDigest, mdDER}, {oidAttrSigningTime, stDER}} {
		enc, err := encodeAttr(a.oid, a.v)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, enc)
	}
	return derSetOf(0x31, attrs), nil
}

// signAttrs signs the DER of the signed attributes. An SM2 key signs the
// message itself (SM3 over Z_A ‖ M, default user ID 1234567812345678); the
// others sign its SHA-256.
func (id *cmsIdentity) signAttrs(attrs []byte) ([]byte, error) {
	if id.alg == algSM2 {
		return id.key.Sign(rand.Reader, attrs, sm2.DefaultSM2SignerOpts)
	}
	h := sha256.Sum256(attrs)
	return id.key.Sign(rand.Reader, h[:], crypto.SHA256)
}

// cmsSignature is a SignerInfo signed but not yet wrapped, so a timestamp
// token over its signature value can still be added.
type cmsSignature struct {
	id    *cmsIdentity
	attrs []byte // signed attributes, tag 0x31
	value []byte // signature value
}

// sign makes the signature over a detached content's digest.
func (id *cmsIdentity) sign(digest []byte, when time.Time) (*cmsSignature, error) {
	attrs, err := id.signedAttrs(digest, when)
	if err != nil {
		return nil, fmt.Errorf("sign: signed attributes: %w", err)
	}
	v, err := id.signAttrs(attrs)
	if err != nil {
		return nil, fmt.Errorf("sign: %s key: %w", id.alg, err)
	}
	return &cmsSignature{id: id, attrs: attrs, value: v}, nil
}

// encode wraps the signature as a ContentInfo holding SignedData, with the
// timestamp token (a DER ContentInfo) as an unsigned attribute when given.
func (s *cmsSignature) encode(token []byte) ([]byte, error) {
	id := s.id
	digestAlg := algorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1Null}
	sigAlg := algorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1Null}
	ct, sdt := oidData, oidSignedData
	switch id.alg {
	case algECDSA:
		sigAlg = algorithmIdentifier{Algorithm: oidECDSAWithSHA256}
	case algSM2:
		digestAlg = algorithmIdentifier{Algorithm: oidSM3, Parameters: asn1Null}
		sigAlg = algorithmIdentifier{Algorithm: oidSM2Sign, Parameters: asn1Null}
		ct, sdt = oidSM2Data, oidSM2SignedData
	}
	signed := bytes.Clone(s.attrs)
	signed[0] = 0xA0
	si := signerInfo{
		Version:            1,
		SID:                issuerAndSerial{Issuer: asn1.RawValue{FullBytes: id.cert.RawIssuer}, Serial: id.cert.SerialNumber},
		DigestAlgorithm:    digestAlg,
		SignedAttrs:        asn1.RawValue{FullBytes: signed},
		SignatureAlgorithm: sigAlg,
		Signature:          s.value,
	}
	if token != nil {
		a, err := asn1.Marshal(attribute{Type: oidAttrTimeStamp, Values: asn1.RawValue{FullBytes: derSetOf(0x31, [][]byte{token})}})
		if err != nil {
			return nil, err
		}
		si.UnsignedAttrs = asn1.RawValue{FullBytes: derSetOf(0xA1, [][]byte{a})}
	}
	inner, err := asn1.Marshal(signedData{
		Version:          1,
		DigestAlgorithms: []algorithmIdentifier{digestAlg},
		EncapContentInfo: encapContentInfo{ContentType: ct},
		Certificates:     id.certs,
		SignerInfos:      []signerInfo{si},
	})
	if err != nil {
		return nil, fmt.Errorf("sign: encode SignedData: %w", err)
	}
	return asn1.Marshal(contentInfo{ContentType: sdt, Content: asn1.RawValue{FullBytes: append(derHeader(0xA0, len(inner)), inner...)}})
}
