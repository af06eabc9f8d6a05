-- The letter workers look for restored applications whose plaintext letter is
-- still to be made, oldest first, once per letter during a bid-opening storm:
-- without this index each look scans every application.
-- +goose Up
CREATE INDEX idx_applications_plain_pending ON applications (plain_pending, id);

-- +goose Down
DROP INDEX idx_applications_plain_pending;
