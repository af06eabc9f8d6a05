-- The officer console and the bidder portal, SQLite edition; see
-- ../mysql/00002_console.sql. Accounts, sessions, maker-checker proposals,
-- the settings officers change, and the index the dashboard's daily
-- figures read.

-- +goose Up
CREATE TABLE officers (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT     NOT NULL COLLATE NOCASE,
    display_name         TEXT     NOT NULL,
    role                 TEXT     NOT NULL, -- maker | checker | admin | auditor
    password_hash        TEXT     NOT NULL, -- bcrypt
    totp_secret          TEXT     NOT NULL, -- base32; '' when off
    totp_pending         TEXT     NOT NULL, -- a secret being enrolled
    disabled             INTEGER  NOT NULL, -- boolean
    must_change_password INTEGER  NOT NULL, -- boolean
    failed_logins        INTEGER  NOT NULL,
    locked_until         DATETIME NULL,
    last_login_at        DATETIME NULL,
    password_changed_at  DATETIME NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_officers_username ON officers (username);

-- A session's token is in the officer's cookie only; its SHA-256 is here.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT     NOT NULL,
    officer_id   INTEGER  NOT NULL REFERENCES officers (id),
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    ip           TEXT     NOT NULL,
    user_agent   TEXT     NOT NULL
);
CREATE UNIQUE INDEX uq_sessions_token_hash ON sessions (token_hash);
CREATE INDEX idx_sessions_officer ON sessions (officer_id);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);
CREATE INDEX idx_sessions_last_seen_at ON sessions (last_seen_at);

-- Officer actions waiting for a second officer. open_id is 0 while pending
-- and the row's own id once decided, so that one action on one target is
-- pending at most once.
CREATE TABLE proposals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER  NOT NULL REFERENCES applications (id),
    apply_no       TEXT     NOT NULL,
    action         TEXT     NOT NULL, -- approve | pay_claim | resend_notice
    target_id      INTEGER  NOT NULL, -- the claim or notice; 0 for approve
    open_id        INTEGER  NOT NULL DEFAULT 0,
    input          TEXT     NOT NULL, -- JSON object
    note           TEXT     NOT NULL,
    why            TEXT     NOT NULL,
    proposed_by    TEXT     NOT NULL,
    proposer_role  TEXT     NOT NULL,
    proposed_at    DATETIME NOT NULL,
    status         TEXT     NOT NULL, -- pending | confirmed | declined | withdrawn
    decided_by     TEXT     NOT NULL,
    decided_at     DATETIME NULL,
    decision_note  TEXT     NOT NULL
);
CREATE UNIQUE INDEX uq_proposals_open ON proposals (application_id, action, target_id, open_id);
CREATE INDEX idx_proposals_status ON proposals (status, proposed_at);

-- Settings changed in the console, overriding the configuration's.
CREATE TABLE settings (
    name       TEXT     NOT NULL PRIMARY KEY,
    value      TEXT     NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE INDEX idx_applications_issued_at ON applications (issued_at);
CREATE INDEX idx_claims_status ON claims (status);

-- +goose Down
DROP INDEX idx_claims_status;
DROP INDEX idx_applications_issued_at;
DROP TABLE settings;
DROP TABLE proposals;
DROP TABLE sessions;
DROP TABLE officers;
