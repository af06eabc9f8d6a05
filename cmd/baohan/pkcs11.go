//go:build cgo

package main

import (
	"crypto"
	"fmt"
	"os"
	"strings"

	"github.com/ThalesGroup/crypto11"
)

// openPKCS11 finds the signing key in a PKCS#11 token (an HSM, or SoftHSM2
// in tests) by its label. The key never leaves the token: letters are
// signed through crypto.Signer. The session stays open for the process's
// life.
func openPKCS11(c PKCS11Config) (crypto.Signer, error) {
	pin, err := os.ReadFile(c.PinFile)
	if err != nil {
		return nil, fmt.Errorf("pin_file: %w", err)
	}
	ctx, err := crypto11.Configure(&crypto11.Config{
		Path: c.Module, TokenLabel: c.TokenLabel, Pin: strings.TrimRight(string(pin), "\r\n"),
	})
	if err != nil {
		return nil, fmt.Errorf("module %s, token %q: %w", c.Module, c.TokenLabel, err)
	}
	key, err := ctx.FindKeyPair(nil, []byte(c.KeyLabel))
	if err != nil {
		ctx.Close()
		return nil, fmt.Errorf("token %q: key %q: %w", c.TokenLabel, c.KeyLabel, err)
	}
	if key == nil {
		ctx.Close()
		return nil, fmt.Errorf("token %q has no key pair labelled %q", c.TokenLabel, c.KeyLabel)
	}
	return key, nil
}
