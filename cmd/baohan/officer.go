package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/baohangateway/baohan/handler"
	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
)

// setUpConsole prepares and registers the officer console and the bidder
// portal: the settings in force, the CSRF key, and at first start the
// administrator, whose password is printed to the log this once.
func setUpConsole(ctx context.Context, cfg Config, svc *service.Service, r gin.IRouter, log *slog.Logger) error {
	if err := svc.Setup.LoadSettings(ctx); err != nil {
		return fmt.Errorf("console settings: %w", err)
	}
	user, password, err := svc.Officers.EnsureFirstAdmin(ctx)
	if err != nil {
		return fmt.Errorf("console administrator: %w", err)
	}
	if password != "" {
		log.Warn("FIRST START: created the console administrator; log in at /console and change this password, it is not shown again",
			"username", user, "password", password)
	}
	secret, err := svc.Setup.ConsoleSecret(ctx)
	if err != nil {
		return fmt.Errorf("console secret: %w", err)
	}
	platforms := cfg.PlatformInfos()
	handler.RegisterAssets(r)
	console := &handler.Console{Accounts: svc.Officers, Cases: svc.Views, Decisions: svc.Guarantees, Proposals: svc.Proposals, Setup: svc.Setup,
		Log: log, Secret: secret, PublicURL: cfg.PublicURL,
		Institution: cfg.Institution.Name, Platforms: platforms,
		Uploads: handler.NewUploads(cfg.HTTP.MaxUploadBytes, cfg.HTTP.MaxUploads)}
	console.Register(r)
	portal := &handler.Portal{Bidders: svc.Public, Cases: svc.Views, Log: log, Secret: secret, PublicURL: cfg.PublicURL, Institution: cfg.Institution.Name}
	portal.Register(r)
	return nil
}

// roleNames maps what `officer add --role` accepts to roles.
var roleNames = map[string]string{
	service.RoleMaker: service.RoleMaker, "经办": service.RoleMaker,
	service.RoleChecker: service.RoleChecker, "复核": service.RoleChecker,
	service.RoleAdmin: service.RoleAdmin, "管理员": service.RoleAdmin,
	service.RoleAuditor: service.RoleAuditor, "审计": service.RoleAuditor,
}

// cmdOfficer manages console accounts from the command line:
//
//	baohan officer add [--config FILE] --username U --role ROLE [--name NAME]
//
// The password is read from the first line of standard input, so that it
// appears neither in the shell's history nor in the process list.
func cmdOfficer(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(stderr, "usage: baohan officer add [--config FILE] --username U --role maker|checker|admin|auditor [--name NAME] < password\n")
		return errUsage
	}
	fs := flag.NewFlagSet("officer add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML); none: embedded defaults")
	username := fs.String("username", "", "user name (2 to 32 letters, digits, . _ -)")
	role := fs.String("role", "", "maker (经办), checker (复核), admin (管理员) or auditor (审计)")
	name := fs.String("name", "", "the officer's name as pages show it")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	r, ok := roleNames[strings.TrimSpace(*role)]
	if *username == "" || !ok || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "baohan officer add: --username and --role (maker, checker, admin or auditor) are required")
		return errUsage
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return fmt.Errorf("no password on standard input: give it as the first line, e.g. `baohan officer add ... < file`")
	}
	cfg, err := LoadConfig(*path, env)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, stderr, func(st *store.Store, log *slog.Logger) error {
		svc := service.New(service.Config{Store: st, Log: log})
		o, err := svc.Officers.CreateOfficer(ctx, service.SystemActor(), service.NewOfficer{Username: *username, DisplayName: *name, Role: r, Password: password})
		if err != nil {
			return fmt.Errorf("%s", service.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "created officer %s (%s, %s)\n", o.Username, o.Role, service.RoleLabel(o.Role))
		return nil
	})
}
