package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// The embedded defaults carry a demo appsecret and a demo admin token that
// anyone who has read the README knows. They exist so that `baohan serve`
// without a file runs the demo on this machine, and for nothing else.

// demoSecrets lists the configuration keys still holding the embedded demo
// secrets.
func demoSecrets(cfg Config) []string {
	def := defaultConfig()
	var keys []string
	for i, p := range cfg.Platforms {
		if strings.TrimSpace(p.AppSecret) == def.Platforms[0].AppSecret {
			keys = append(keys, fmt.Sprintf("platforms[%d].appsecret", i))
		}
	}
	for i, t := range cfg.API.Tokens {
		if strings.TrimSpace(t) == def.API.Tokens[0] {
			keys = append(keys, fmt.Sprintf("api.tokens[%d]", i))
		}
	}
	return keys
}

// refuseDemoSecrets refuses the demo secrets once the gateway is more than
// the demo: run from a configuration file, or listening on an address other
// than loopback. Each key still holding one is named, with how to set it; a
// file without an api section or without platforms leaves the demo values
// in place and is refused the same way.
func refuseDemoSecrets(cfg Config, fromFile bool) error {
	why := "with a configuration file"
	if !fromFile {
		if loopbackListen(cfg.Listen) {
			return nil
		}
		why = fmt.Sprintf("when listen (%s) is not a loopback address", cfg.Listen)
	}
	def := defaultConfig()
	var errs []error
	for i, p := range cfg.Platforms {
		if strings.TrimSpace(p.AppSecret) == def.Platforms[0].AppSecret {
			errs = append(errs, fmt.Errorf("config platforms[%d].appsecret: the embedded demo appsecret is never accepted %s: "+
				"set platforms[%d].appsecret, platforms[%d].appsecret_file or BAOHAN_PLATFORMS_%d_APPSECRET to the appsecret the platform gave you",
				i, why, i, i, i))
		}
	}
	for i, t := range cfg.API.Tokens {
		if strings.TrimSpace(t) == def.API.Tokens[0] {
			errs = append(errs, fmt.Errorf("config api.tokens[%d]: the embedded demo admin token is never accepted %s: "+
				"set api.tokens (or BAOHAN_API_TOKENS) to tokens of your own, at least 8 characters each", i, why))
		}
	}
	return errors.Join(errs...)
}

// loopbackListen reports whether listen binds loopback only: localhost or a
// loopback IP. An empty host binds every interface.
func loopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
