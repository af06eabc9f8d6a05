package main

import (
	"net/url"
)

// validateSigning checks the signing keys: which go together, which
// exclude each other.
func (c *Config) validateSigning(bad func(key, format string, args ...any)) {
	s := c.Signing
	p := s.PKCS11
	hsm := p.Module != "" || p.TokenLabel != "" || p.KeyLabel != "" || p.PinFile != ""
	switch {
	case hsm && s.KeyFile != "":
		bad("signing.pkcs11", "the key is either in key_file or in the HSM, not both")
	case hsm && (p.Module == "" || p.TokenLabel == "" || p.KeyLabel == "" || p.PinFile == ""):
		bad("signing.pkcs11", "module, token_label, key_label and pin_file go together")
	case hsm && s.CertFile == "":
		bad("signing.cert_file", "the HSM key's certificate is needed")
	case !hsm && (s.CertFile == "") != (s.KeyFile == ""):
		bad("signing", "cert_file and key_file go together")
	}
	if (s.SM2CertFile == "") != (s.SM2KeyFile == "") {
		bad("signing", "sm2_cert_file and sm2_key_file go together")
	}
	if s.SM2CertFile != "" && s.CertFile == "" {
		bad("signing.sm2_cert_file", "an SM2 signature beside RSA/ECDSA needs cert_file; for SM2 alone put the SM2 certificate in cert_file")
	}
	if s.TSAURL != "" {
		if u, err := url.Parse(s.TSAURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("signing.tsa_url", "want an absolute http(s) URL, got %q", s.TSAURL)
		}
	} else if s.TSARequired {
		bad("signing.tsa_required", "needs signing.tsa_url")
	}
}
