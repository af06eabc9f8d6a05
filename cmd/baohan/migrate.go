package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/baohangateway/baohan/store"
)

// cmdMigrate applies pending schema migrations and exits.
func cmdMigrate(ctx context.Context, args, env []string, stderr io.Writer) error {
	cfg, _, err := loadConfigFlag("migrate", args, env, stderr)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, stderr, func(st *store.Store, log *slog.Logger) error {
		current, latest, err := st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		log.Info("database schema is current", "driver", cfg.Database.Driver, "version", current, "latest", latest)
		return nil
	})
}

// withStore opens the database of cfg (applying pending migrations) with a
// logger on stderr, runs fn, and closes the database: the frame of the
// subcommands that work on the database and exit.
func withStore(ctx context.Context, cfg Config, stderr io.Writer, fn func(*store.Store, *slog.Logger) error) error {
	log := newLogger(cfg.Log, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st, log)
}
