-- The time step of the last dynamic password (TOTP) an officer logged in
-- with: a code is accepted once only, as RFC 6238 §5.2 asks, so a code seen
-- over a shoulder or in a proxy log cannot open a second session.
-- +goose Up
ALTER TABLE officers ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE officers DROP COLUMN totp_last_step;
