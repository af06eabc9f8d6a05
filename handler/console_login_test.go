package handler_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/service"
)

// forwardedFor adds the X-Forwarded-For a reverse proxy sends: what the
// client claimed (maybe nothing), then the address the proxy saw.
type forwardedFor struct {
	claimed func() string
	addr    string
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	xff := f.addr
	if f.claimed != nil {
		xff = f.claimed() + ", " + f.addr
	}
	r.Header.Set("X-Forwarded-For", xff)
	return http.DefaultTransport.RoundTrip(r)
}

// behindProxy makes the test server's own address (127.0.0.1) the trusted
// proxy, as http.trusted_proxies does for nginx.
func behindProxy(e *consoleEnv) {
	e.t.Helper()
	if err := e.engine.SetTrustedProxies([]string{"127.0.0.1"}); err != nil {
		e.t.Fatal(err)
	}
}

// browserAt is a browser whose requests reach the console through the proxy
// from addr.
func (e *consoleEnv) browserAt(addr string) *browser {
	b := e.browser()
	b.client.Transport = forwardedFor{addr: addr}
	return b
}

var loginError = regexp.MustCompile(`id="login-error">([^<]*)<`)

// shown is what a login answer shows: status, Retry-After and the message.
func shown(p page) string {
	m := loginError.FindStringSubmatch(p.body)
	msg := "(no message)"
	if m != nil {
		msg = m[1]
	}
	return strings.Join([]string{http.StatusText(p.status), p.header.Get("Retry-After"), msg}, " | ")
}

// TestConsoleLockedAnswersLikeUnknown: issue 11's finding 6 through the
// console. The same attempts for a real account and for a name no account
// has show the same pages, attempt by attempt, through the name's waits and
// the address's; the real account's officer types the right password
// whenever the unknown name was held up.
func TestConsoleLockedAnswersLikeUnknown(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	behindProxy(e)
	e.officer("zhaoliu", service.RoleChecker)
	run := func(addr, user string, password func(i int) string) []string {
		b := e.browserAt(addr)
		var out []string
		for i := range 13 {
			out = append(out, shown(b.login(user, password(i))))
		}
		return out
	}
	unknown := run("203.0.113.5", "nobody", func(int) string { return "wrong-password-9" })
	real := run("203.0.113.6", "zhaoliu", func(i int) string {
		if strings.Contains(unknown[i], "过多") {
			return consolePassword
		}
		return "wrong-password-9"
	})
	held := 0
	for i := range unknown {
		if real[i] != unknown[i] {
			t.Errorf("attempt %d: the account shows %q, an unknown name %q", i+1, real[i], unknown[i])
		}
		if strings.Contains(unknown[i], "过多") {
			held++
		}
	}
	if held < 3 || !strings.Contains(unknown[12], "Too Many Requests") {
		t.Fatalf("the attempts never reach the waits (%d held):\n%s", held, strings.Join(unknown, "\n"))
	}
}

// TestConsoleLoginWhileHammered: a guesser hammering from one address (and
// forging X-Forwarded-For in front of the proxy's) is held up with 429 and
// Retry-After; the officer at another address logs in.
func TestConsoleLoginWhileHammered(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	behindProxy(e)
	e.officer("zhaoliu", service.RoleChecker)
	n := 0
	attacker := e.browserAt("203.0.113.9")
	attacker.client.Transport = forwardedFor{addr: "203.0.113.9", claimed: func() string { n++; return "10.9.9." + itoa(int64(n)) }}
	var last page
	for i := range 40 {
		user := "zhaoliu"
		if i%3 == 2 {
			user = "admin"
		}
		last = attacker.login(user, "guess-"+itoa(int64(i)))
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Fatalf("the 40th guess: %s, want 429 with Retry-After", shown(last))
	}
	if p := attacker.login("zhaoliu", consolePassword); p.status != http.StatusTooManyRequests {
		t.Errorf("the right password from the guesser's address: %s, want it held up", shown(p))
	}
	officer := e.browserAt("198.51.100.7")
	if p := officer.login("zhaoliu", consolePassword); p.status != http.StatusSeeOther {
		t.Fatalf("the officer at another address: %s, want logged in", shown(p))
	}
}

// Without a trusted proxy (serve sets http.trusted_proxies, empty by
// default) the header is not believed: a guesser cannot escape the address
// throttling by making up addresses.
func TestConsoleLoginIgnoresUntrustedForwardedFor(t *testing.T) {
	e := newConsoleEnv(t, "http://gateway.test")
	if err := e.engine.SetTrustedProxies(nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	b := e.browser()
	b.client.Transport = forwardedFor{addr: "198.51.100.1", claimed: func() string { n++; return "10.8.8." + itoa(int64(n)) }}
	var last page
	for i := range 12 {
		last = b.post("/console/login", "/console/login", url.Values{"username": {"user" + itoa(int64(i))}, "password": {"guess"}})
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("made-up addresses escaped the throttling: %s", shown(last))
	}
}
