-- A plaintext letter that fails is retried later instead of holding the
-- letter workers' queue: each pending letter carries its failed attempts,
-- when it is due again (NULL: at once) and why the last attempt failed. The
-- workers take the due letters, those never tried first, in this index's
-- order.
-- +goose Up
ALTER TABLE applications
    ADD COLUMN plain_attempts INT NOT NULL DEFAULT 0,
    ADD COLUMN plain_next_at DATETIME(6) NULL,
    ADD COLUMN plain_error VARCHAR(1000) NOT NULL DEFAULT '',
    DROP INDEX idx_applications_plain_pending,
    ADD INDEX idx_applications_plain_due (plain_pending, plain_next_at, id);

-- +goose Down
ALTER TABLE applications
    DROP INDEX idx_applications_plain_due,
    ADD INDEX idx_applications_plain_pending (plain_pending, id),
    DROP COLUMN plain_error,
    DROP COLUMN plain_next_at,
    DROP COLUMN plain_attempts;
