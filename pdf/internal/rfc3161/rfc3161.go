// Package rfc3161 holds the ASN.1 shapes of the time-stamp request and
// response of RFC 3161, shared by package pdf's TSA client and pdftest's
// TSA. Only the messages are shared: pdftest makes its tokens with gmsm's
// pkcs7, independently of pdf's CMS encoder.
package rfc3161

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
)

// MessageImprint is the hash to be time-stamped (§2.4.1).
type MessageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// TimeStampReq is a request for a time-stamp token (§2.4.1).
type TimeStampReq struct {
	Version        int
	MessageImprint MessageImprint
	Nonce          *big.Int `asn1:"optional"`
	CertReq        bool     `asn1:"optional,default:false"`
}

// PKIStatusInfo is the status of an answer (§2.4.2); 0 and 1 grant.
type PKIStatusInfo struct {
	Status       int
	StatusString []string       `asn1:"optional,utf8"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

// TimeStampResp is the answer: a status and, when granted, the token, a CMS
// SignedData (§2.4.2).
type TimeStampResp struct {
	Status PKIStatusInfo
	Token  asn1.RawValue `asn1:"optional"`
}
