//go:build !cgo

package main

import (
	"crypto"
	"errors"
)

// openPKCS11 needs cgo (crypto11 loads the module with dlopen); this binary
// was built without it.
func openPKCS11(PKCS11Config) (crypto.Signer, error) {
	return nil, errors.New("this binary was built without cgo and cannot load a PKCS#11 module: build with `make build CGO_ENABLED=1` (README, Signing letters: keys in an HSM)")
}
