package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestOfficerAdd(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, "baohan.yaml", fmt.Sprintf("data_dir: %s\ndatabase:\n  driver: sqlite\n  dsn: %s\n", dir, filepath.Join(dir, "baohan.db")))
	add := func(stdin string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"officer", "add", "--config", cfg}, args...), ownSecrets, strings.NewReader(stdin), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	tests := []struct {
		desc, stdin string
		args        []string
		want        string // in the output or the error
		ok          bool
	}{
		{"maker", "Passw0rd-2026\n", []string{"--username", "zhangsan", "--role", "maker", "--name", "张三"}, "created officer zhangsan (maker, 经办)", true},
		{"role in Chinese, CRLF", "Passw0rd-2026\r\n", []string{"--username", "lisi", "--role", "复核"}, "created officer lisi (checker, 复核)", true},
		{"taken", "Passw0rd-2026\n", []string{"--username", "ZhangSan", "--role", "maker"}, "已被使用", false},
		{"weak password", "short\n", []string{"--username", "wangwu", "--role", "maker"}, "密码不符合规则", false},
		{"no password", "", []string{"--username", "wangwu", "--role", "maker"}, "no password on standard input", false},
		{"unknown role", "Passw0rd-2026\n", []string{"--username", "wangwu", "--role", "boss"}, "--role", false},
		{"no user name", "Passw0rd-2026\n", []string{"--role", "maker"}, "--username", false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			out, err := add(tt.stdin, tt.args...)
			if tt.ok != (err == nil) {
				t.Fatalf("got %v, want ok %v\n%s", err, tt.ok, out)
			}
			if got := out + fmt.Sprint(err); !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if strings.Contains(out, "Passw0rd-2026") {
				t.Fatal("the password is printed")
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"officer", "remove"}, nil, strings.NewReader(""), &out, &out); err != errUsage {
		t.Errorf("officer remove: got %v, want errUsage", err)
	}
}

func TestConsoleConfig(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string // "" is valid
	}{
		{nil, ""},
		{[]string{"BAOHAN_CONSOLE_CHECKER_THRESHOLD=500000.00"}, ""},
		{[]string{"BAOHAN_CONSOLE_CHECKER_THRESHOLD=50万"}, "console.checker_threshold"},
		{[]string{"BAOHAN_CONSOLE_SESSION_IDLE=10s"}, "console.session_idle"},
		{[]string{"BAOHAN_CONSOLE_SESSION_IDLE=2h", "BAOHAN_CONSOLE_SESSION_MAX=1h"}, "console.session_max"},
	} {
		cfg, err := LoadConfig("", tc.env)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: got %v, want an error naming %s", tc.env, err, tc.want)
		case tc.want == "" && cfg.Console.SessionIdle == 0:
			t.Errorf("%v: no default session_idle", tc.env)
		}
	}
}
