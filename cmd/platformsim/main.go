// Command platformsim plays the provincial trading platform's electronic-
// guarantee service (电子保函平台, Jilin spec v2.0.3) against a running Baohan
// Gateway: it sends the platform's requests (§4.1, 4.3, 4.5, 4.7, 4.9, 4.10,
// 4.11) signed with SM3 and with the sealed fields SM4-encrypted per section,
// approves through the gateway's admin API as the bank's core system would,
// receives the gateway's notices at notify_url (§4.2, 4.4, 4.6, 4.8, 4.12)
// and checks every one of them, and reports every protocol deviation it
// finds in plain words.
//
//	platformsim demo        [flags]   a scripted lifecycle of a handful of applications
//	platformsim conformance [flags]   every interface and every refusal; exits 1 on any deviation
//	platformsim load        [flags]   N applications, approval, a bid-opening storm, figures
//
// It uses only the protocol packages (platform, gmcrypto), never the
// gateway's own code: it sees the gateway as the platform does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "platformsim:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// errDeviations is returned when the gateway deviated from the protocol.
var errDeviations = errors.New("gateway deviates from the protocol")

const usage = `usage: platformsim <demo|conformance|load> [flags]

  demo         a scripted lifecycle of a handful of applications: apply, approve,
               bid opening, invoice, withdrawal, cancellation, claim, abandonment
  conformance  every interface and every refusal the gateway must make;
               exits non-zero on any deviation, listing them
  load         -n applications, approved through the admin API, then one bid
               opening for all of them; progress on stderr, a summary table.
               -gateway may list replicas of one gateway on one database,
               comma-separated: application i goes to replica i mod n

The gateway's notify_url must point at -listen + -notify-path; with the
gateway's embedded defaults that is http://127.0.0.1:9090/gbsapi.

flags:
`

// run is the testable entry point. ln, when not nil, is the listener for
// notices (tests pass one on port 0); otherwise -listen is used.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ln net.Listener) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "-help" {
		// -mode may stand in for the subcommand.
		if mode, rest, ok := modeFlag(args); ok {
			args = append([]string{mode}, rest...)
		} else {
			fmt.Fprint(stderr, usage)
			newFlags(stderr, &Config{}).PrintDefaults()
			return errUsage
		}
	}
	mode := args[0]
	var cfg Config
	fs := newFlags(stderr, &cfg)
	switch mode {
	case "demo", "conformance", "load":
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return nil
	default:
		fmt.Fprintf(stderr, "platformsim: unknown mode %q\n%s", mode, usage)
		return errUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if err := cfg.validate(mode); err != nil {
		return err
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("无法在 %s 接收通知：%w（-listen 换一个地址，并相应修改网关的 notify_url）", cfg.Listen, err)
		}
	}
	keepPDF := mode != "load"
	sim, stop := newSim(cfg, ln, stdout, keepPDF)
	defer stop()
	if err := sim.begin(ctx, mode); err != nil {
		return err
	}
	switch mode {
	case "demo":
		return sim.demo(ctx)
	case "conformance":
		return sim.conformance(ctx)
	default:
		return sim.load(ctx, stderr)
	}
}

// modeFlag finds -mode X (or -mode=X) among args.
func modeFlag(args []string) (string, []string, bool) {
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "mode" {
			continue
		}
		rest := append(append([]string(nil), args[:i]...), args[i+1:]...)
		if !hasVal {
			if i+1 >= len(args) {
				return "", nil, false
			}
			val = args[i+1]
			rest = append(append([]string(nil), args[:i]...), args[i+2:]...)
		}
		return val, rest, true
	}
	return "", nil, false
}

func newFlags(w io.Writer, c *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("platformsim", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.StringVar(&c.Gateway, "gateway", "http://127.0.0.1:8080", "base URL of the Baohan Gateway; load: several, comma-separated, for replicas sharing one database (application i goes to replica i mod n)")
	fs.StringVar(&c.PublicURL, "public-url", "", "the gateway's public_url when it differs from -gateway (its document URLs are fetched at -gateway)")
	fs.StringVar(&c.AppKey, "appkey", "finance_demo", "appkey the gateway knows the platform by")
	fs.StringVar(&c.AppSecret, "appsecret", "change-me", "appsecret shared with the gateway: signs our requests and checks its notices")
	fs.StringVar(&c.NoticeSecret, "notice-secret", "", "check the gateway's notices with this appsecret instead of -appsecret")
	fs.StringVar(&c.Token, "token", "change-me-too", "bearer token of the gateway's admin API (api.tokens)")
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:9090", "address to receive the gateway's notices on")
	fs.StringVar(&c.NotifyPath, "notify-path", "/gbsapi", "path of the gateway's notify_url")
	fs.StringVar(&c.PlatformCode, "platformcode", "A2200000001", "platformcode sent in every request")
	fs.DurationVar(&c.Wait, "wait", time.Minute, "how long to wait for each notice")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the generated companies and projects (0: from the clock)")
	fs.BoolVar(&c.PDFSig, "pdfsig", true, "check each letter's PDF signature with pdfsig when it is installed")
	fs.IntVar(&c.N, "n", 200, "load: number of applications")
	fs.IntVar(&c.Concurrency, "c", 16, "load: concurrent requests")
	fs.IntVar(&c.GatewayPID, "gateway-pid", 0, "load: pid of the gateway process, to report its peak memory (VmHWM) during the bid opening")
	fs.StringVar(&c.JSONOut, "json", "", "load: also write the summary as JSON to this file")
	return fs
}

func (c *Config) validate(mode string) error {
	var errs []error
	gws := c.Gateways()
	if len(gws) > 1 && mode != "load" {
		errs = append(errs, fmt.Errorf("-gateway 给出了 %d 个以逗号分隔的地址：只有 load 模式可以同时测多个网关副本，%s 模式只能给一个网关地址", len(gws), mode))
	}
	for _, u := range gws {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			errs = append(errs, fmt.Errorf("-gateway: want an http(s) URL, got %q", u))
		}
	}
	if c.AppKey == "" || c.AppSecret == "" {
		errs = append(errs, errors.New("-appkey and -appsecret are needed"))
	}
	if !strings.HasPrefix(c.NotifyPath, "/") {
		c.NotifyPath = "/" + c.NotifyPath
	}
	if c.N < 1 || c.Concurrency < 1 {
		errs = append(errs, errors.New("-n and -c must be at least 1"))
	}
	if c.Wait <= 0 {
		errs = append(errs, errors.New("-wait must be positive"))
	}
	return errors.Join(errs...)
}
