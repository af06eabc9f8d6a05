package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	v1Path   = "../../gmcrypto/testdata/v1_baohanapply.json"
	v1Secret = "9c821377-9c04-4adb-96ae-c987f06e1b21"
	v1Sign   = "0aad4d9c91de0ea47ba9aac295397e96f8b8113577049b0587222fd3c168504c"
)

// v1SigningString is WIRE.md's signing string of V1 as it may be shown: the
// appsecret redacted.
func v1SigningString(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../gmcrypto/testdata/v1_signing_string.golden")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSpace(string(b))
	if !strings.HasSuffix(s, "&appsecret="+v1Secret) {
		t.Fatalf("golden signing string does not end with the secret: %s", s)
	}
	return strings.TrimSuffix(s, v1Secret) + "******"
}

// runMain runs the command line and returns its outputs.
func runMain(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, nil, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestSign(t *testing.T) {
	v1, err := os.ReadFile(v1Path)
	if err != nil {
		t.Fatal(err)
	}
	want := v1SigningString(t)
	tests := []struct {
		desc  string
		stdin string
		args  []string
	}{
		{"file", "", []string{"sign", "--secret", v1Secret, v1Path}},
		{"stdin", string(v1), []string{"sign", "--secret", v1Secret}},
		{"secret=", string(v1), []string{"sign", "-secret=" + v1Secret}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			stdout, stderr, err := runMain(t, tt.stdin, tt.args...)
			if err != nil {
				t.Fatalf("run: %v (stderr %s)", err, stderr)
			}
			for _, line := range []string{
				"signing string: " + want + "\n",
				"sign: " + v1Sign + "\n",
				"the message's sign matches\n",
			} {
				if !strings.Contains(stdout, line) {
					t.Errorf("stdout does not contain %q:\n%s", line, stdout)
				}
			}
			if strings.Contains(stdout+stderr, v1Secret) {
				t.Errorf("the output shows the secret:\n%s%s", stdout, stderr)
			}
		})
	}
}

func TestSignMismatch(t *testing.T) {
	v1, err := os.ReadFile(v1Path)
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(v1), `"bzjamount":"20000.00"`, `"bzjamount":"20000.01"`, 1)
	stdout, _, err := runMain(t, tampered, "sign", "--secret", v1Secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "the message's sign "+v1Sign+" does NOT match") || strings.Contains(stdout, "sign: "+v1Sign+"\n") {
		t.Errorf("stdout got:\n%s", stdout)
	}

	// A message without sign gets its signature and no verdict.
	stdout, _, err = runMain(t, `{"appkey":"k","applyno":"A1"}`, "sign", "--secret", "s")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "signing string: appkey=k&applyno=A1&appsecret=******\n") || strings.Contains(stdout, "match") {
		t.Errorf("stdout got:\n%s", stdout)
	}
}

func TestSignRefuses(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	tests := []struct {
		desc      string
		stdin     string
		args      []string
		wantUsage bool
		want      string // in the error or stderr
	}{
		{"no secret", "{}", []string{"sign"}, true, "usage: baohan sign"},
		{"two files", "", []string{"sign", "--secret", "s", v1Path, v1Path}, true, "usage: baohan sign"},
		{"unknown flag", "", []string{"sign", "--sekret", "s"}, true, "sekret"},
		{"missing file", "", []string{"sign", "--secret", "s", missing}, false, "missing.json"},
		{"bad JSON", `{"appkey":`, []string{"sign", "--secret", "s"}, false, "JSON"},
		{"not an object", `[1]`, []string{"sign", "--secret", "s"}, false, "JSON 对象"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			stdout, stderr, err := runMain(t, tt.stdin, tt.args...)
			if err == nil {
				t.Fatalf("got nil error, stdout %s", stdout)
			}
			if got := errors.Is(err, errUsage); got != tt.wantUsage {
				t.Errorf("errors.Is(%v, errUsage) got %v, want %v", err, got, tt.wantUsage)
			}
			if !strings.Contains(err.Error()+stderr, tt.want) {
				t.Errorf("error %v / stderr %q does not contain %q", err, stderr, tt.want)
			}
		})
	}
}

func TestRunCommands(t *testing.T) {
	tests := []struct {
		desc       string
		args       []string
		wantErr    bool
		wantStdout string
		wantStderr string
	}{
		{"no command", nil, true, "", "usage:"},
		{"unknown command", []string{"frobnicate"}, true, "", `unknown command "frobnicate"`},
		{"help", []string{"help"}, false, "baohan sign --secret S [FILE]", ""},
		{"-h", []string{"-h"}, false, "usage:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			stdout, stderr, err := runMain(t, "", tt.args...)
			if tt.wantErr != (err != nil) {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errUsage) {
				t.Errorf("got %v, want errUsage", err)
			}
			if !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stdout %q / stderr %q, want %q / %q", stdout, stderr, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

func TestSignSecretFile(t *testing.T) {
	path := writeFile(t, "secret", "9c821377-9c04-4adb-96ae-c987f06e1b21\n")
	out, _, err := runMain(t, "", "sign", "--secret-file", path, "../../gmcrypto/testdata/v1_baohanapply.json")
	if err != nil || !strings.Contains(out, "sign: 0aad4d9c91de0ea47ba9aac295397e96f8b8113577049b0587222fd3c168504c") {
		t.Fatalf("sign --secret-file: %v\n%s", err, out)
	}
	if _, _, err := runMain(t, "", "sign", "--secret-file", path+".missing"); err == nil {
		t.Fatal("a missing secret file was accepted")
	}
}
