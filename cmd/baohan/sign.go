package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/baohangateway/baohan/gmcrypto"
)

// cmdSign prints the signing string (secret redacted) and the SM3 signature
// of a JSON message, and whether the message's own sign matches: a tool for
// joint debugging (联调).
func cmdSign(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", "", "the platform's appsecret")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *secret == "" || fs.NArg() > 1 {
		fmt.Fprintln(stderr, "usage: baohan sign --secret S [FILE]")
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
