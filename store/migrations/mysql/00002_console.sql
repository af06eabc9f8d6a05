-- The officer console and the bidder portal, MySQL/MariaDB edition; see
-- ../sqlite/00002_console.sql. Accounts, sessions, maker-checker proposals,
-- the settings officers change, and the index the dashboard's daily
-- figures read. User names compare without case (utf8mb4_unicode_ci), so
-- that "Admin" and "admin" are one account; token hashes byte for byte.

-- +goose Up
CREATE TABLE officers (
    id                   BIGINT       NOT NULL AUTO_INCREMENT,
    username             VARCHAR(64)  NOT NULL,
    display_name         VARCHAR(100) NOT NULL,
    role                 VARCHAR(16)  NOT NULL COMMENT 'maker | checker | admin | auditor',
    password_hash        VARCHAR(255) NOT NULL COMMENT 'bcrypt',
    totp_secret          VARCHAR(128) NOT NULL COMMENT 'base32, empty when off',
    totp_pending         VARCHAR(128) NOT NULL COMMENT 'a secret being enrolled',
    disabled             BOOLEAN      NOT NULL,
    must_change_password BOOLEAN      NOT NULL,
    failed_logins        INT          NOT NULL,
    locked_until         DATETIME(6)  NULL,
    last_login_at        DATETIME(6)  NULL,
    password_changed_at  DATETIME(6)  NULL,
    created_at           DATETIME(6)  NOT NULL,
    updated_at           DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_officers_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    token_hash   CHAR(64)     COLLATE utf8mb4_bin NOT NULL COMMENT 'SHA-256 of the cookie token',
    officer_id   BIGINT       NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    last_seen_at DATETIME(6)  NOT NULL,
    expires_at   DATETIME(6)  NOT NULL,
    ip           VARCHAR(64)  NOT NULL,
    user_agent   VARCHAR(255) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_sessions_token_hash (token_hash),
    KEY idx_sessions_officer (officer_id),
    KEY idx_sessions_expires_at (expires_at),
    KEY idx_sessions_last_seen_at (last_seen_at),
    CONSTRAINT fk_sessions_officer FOREIGN KEY (officer_id) REFERENCES officers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE proposals (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    application_id BIGINT       NOT NULL,
    apply_no       VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    action         VARCHAR(32)  NOT NULL COMMENT 'approve | pay_claim | resend_notice',
    target_id      BIGINT       NOT NULL COMMENT 'the claim or notice; 0 for approve',
    open_id        BIGINT       NOT NULL DEFAULT 0 COMMENT '0 while pending, id once decided',
    input          MEDIUMTEXT   NOT NULL COMMENT 'JSON object',
    note           TEXT         NOT NULL,
    why            TEXT         NOT NULL,
    proposed_by    VARCHAR(64)  NOT NULL,
    proposer_role  VARCHAR(16)  NOT NULL,
    proposed_at    DATETIME(6)  NOT NULL,
    status         VARCHAR(16)  NOT NULL COMMENT 'pending | confirmed | declined | withdrawn',
    decided_by     VARCHAR(64)  NOT NULL,
    decided_at     DATETIME(6)  NULL,
    decision_note  TEXT         NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_proposals_open (application_id, action, target_id, open_id),
    KEY idx_proposals_status (status, proposed_at),
    CONSTRAINT fk_proposals_application FOREIGN KEY (application_id) REFERENCES applications (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE settings (
    name       VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    value      MEDIUMTEXT   NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE INDEX idx_applications_issued_at ON applications (issued_at);
CREATE INDEX idx_claims_status ON claims (status);

-- +goose Down
DROP INDEX idx_claims_status ON claims;
DROP INDEX idx_applications_issued_at ON applications;
DROP TABLE settings;
DROP TABLE proposals;
DROP TABLE sessions;
DROP TABLE officers;
