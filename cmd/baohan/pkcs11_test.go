//go:build cgo

package main

import (
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/baohangateway/baohan/pdf/pdftest"
)

// softHSM makes a SoftHSM2 token in a temporary directory holding keys
// under their labels and returns the pkcs11 configuration for it (key label
// left empty). The module is Debian's softhsm2 (installed by .ci/run); the
// test fails without it. A process initialises the module once, so one
// token serves the whole test.
func softHSM(t *testing.T, keys map[string]crypto.Signer) PKCS11Config {
	t.Helper()
	module := "/usr/lib/softhsm/libsofthsm2.so"
	if _, err := os.Stat(module); err != nil {
		t.Fatalf("SoftHSM2 module missing (apt-get install softhsm2; CI installs it): %v", err)
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.Mkdir(tokens, 0o700)
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := runTool(t, "softhsm2-util", "--init-token", "--free", "--label", "baohan", "--pin", "123456", "--so-pin", "654321"); err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	id := 0
	for label, key := range keys {
		id++
		keyFile := filepath.Join(dir, "import.pem")
		os.WriteFile(keyFile, pdftest.KeyPEM(t, key, ""), 0o600)
		if out, err := runTool(t, "softhsm2-util", "--import", keyFile, "--token", "baohan", "--label", label, "--id", fmt.Sprintf("%02x", id), "--pin", "123456"); err != nil {
			t.Fatalf("softhsm2-util --import: %v\n%s", err, out)
		}
		os.Remove(keyFile) // from now on the key is only in the token
	}
	pin := filepath.Join(dir, "pin")
	os.WriteFile(pin, []byte("123456\n"), 0o600)
	return PKCS11Config{Module: module, TokenLabel: "baohan", PinFile: pin}
}

// TestPKCS11SoftHSM: a letter signed with a key in a SoftHSM2 token (ECDSA
// and RSA, each beside an SM2 signature from a file) verifies, with pdfsig
// too; a wrong key label is a clear error.
func TestPKCS11SoftHSM(t *testing.T) {
	keys := map[string]crypto.Signer{"letters-ecdsa": pdftest.GenKey(t, "ecdsa"), "letters-rsa": pdftest.GenKey(t, "rsa")}
	hsm := softHSM(t, keys)
	for _, kind := range []string{"ecdsa", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			key := keys["letters-"+kind]
			cfg := defaultConfig()
			cfg.Signing.PKCS11 = hsm
			cfg.Signing.PKCS11.KeyLabel = "letters-" + kind
			cfg.Signing.CertFile = testCert(t, t.TempDir(), key.Public(), time.Now().AddDate(1, 0, 0))
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			b, checks := renderWith(t, cfg)
			if len(checks) != 1 || !checks[0].Valid || checks[0].Signer != "测试银行电子保函签章" {
				t.Fatalf("letter signed in the HSM: %+v", checks)
			}
			p := filepath.Join(t.TempDir(), "hsm.pdf")
			os.WriteFile(p, b, 0o644)
			if out, err := runTool(t, "pdfsig", p); err != nil || !strings.Contains(string(out), "Signature is Valid.") {
				t.Errorf("pdfsig on the HSM-signed letter: %v\n%s", err, out)
			}

			cfg.Signing.PKCS11.KeyLabel = "nope"
			if _, err := loadSigner(cfg, nil, nil); err == nil || !strings.Contains(err.Error(), `key "nope"`) {
				t.Errorf("wrong key label: %v", err)
			}
		})
	}
}
