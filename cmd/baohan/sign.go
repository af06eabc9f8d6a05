package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/baohangateway/baohan/gmcrypto"
)

// cmdSign prints the signing string (secret redacted) and the SM3 signature
// of a JSON message, and whether the message's own sign matches: a tool for
// joint debugging (联调).
func cmdSign(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", "", "the platform's appsecret")
	secretFile := fs.String("secret-file", "", "read the appsecret from this file (keeps it out of ps and shell history)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *secretFile != "" {
		b, err := os.ReadFile(*secretFile)
		if err != nil {
			return err
		}
		*secret = strings.TrimSpace(string(b))
	}
	if *secret == "" || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "usage: baohan sign --secret S | --secret-file F [FILE]")
		return errUsage
	}
	var body []byte
	var err error
	if fs.NArg() == 1 {
		body, err = os.ReadFile(fs.Arg(0))
	} else {
		body, err = io.ReadAll(stdin)
	}
	if err != nil {
		return err
	}
	params, err := gmcrypto.ParamsFromJSON(body)
	if err != nil {
		return err
	}
	sig := gmcrypto.Sign(params, *secret)
	fmt.Fprintf(stdout, "signing string: %s\n", gmcrypto.RedactedSigningString(params))
	fmt.Fprintf(stdout, "sign: %s\n", sig)
	if got, ok := params[gmcrypto.SignField]; ok {
		if gmcrypto.EqualHex(got, sig) {
			fmt.Fprintln(stdout, "the message's sign matches")
		} else {
			fmt.Fprintf(stdout, "the message's sign %s does NOT match\n", got)
		}
	}
	return nil
}
