-- A plaintext letter that fails is retried later instead of holding the
-- letter workers' queue: each pending letter carries its failed attempts,
-- when it is due again (NULL: at once) and why the last attempt failed. The
-- workers take the due letters, those never tried first, in this index's
-- order.
-- +goose Up
ALTER TABLE applications ADD COLUMN plain_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN plain_next_at DATETIME;
ALTER TABLE applications ADD COLUMN plain_error TEXT NOT NULL DEFAULT '';
DROP INDEX idx_applications_plain_pending;
CREATE INDEX idx_applications_plain_due ON applications (plain_pending, plain_next_at, id);

-- +goose Down
DROP INDEX idx_applications_plain_due;
CREATE INDEX idx_applications_plain_pending ON applications (plain_pending, id);
ALTER TABLE applications DROP COLUMN plain_error;
ALTER TABLE applications DROP COLUMN plain_next_at;
ALTER TABLE applications DROP COLUMN plain_attempts;
