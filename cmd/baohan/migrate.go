package main

import (
	"context"
	"io"
)

// cmdMigrate applies pending schema migrations and exits.
func cmdMigrate(ctx context.Context, args, env []string, stderr io.Writer) error {
	cfg, _, err := loadConfigFlag("migrate", args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	current, latest, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	log.Info("database schema is current", "driver", cfg.Database.Driver, "version", current, "latest", latest)
	return nil
}
