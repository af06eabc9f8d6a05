-- The first schema of Baohan Gateway, MySQL/MariaDB edition; sqlite/00001_init.sql
-- is the same schema for SQLite. Never edit this file once released: add
-- 00002_….sql to both directories instead (see ../README.md).
--
-- Money is BIGINT fen. Times are DATETIME(6) in UTC (the store connects with
-- loc=UTC and time_zone='+00:00'), NULL for "not yet". JSON is MEDIUMTEXT;
-- '' means none. Keys and tokens compare byte for byte (utf8mb4_bin): a
-- capability token must not match another one that differs in case.

-- +goose Up
CREATE TABLE applications (
    id                   BIGINT       NOT NULL AUTO_INCREMENT,
    platform             VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    platform_code        VARCHAR(100) NOT NULL,
    apply_no             VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    bidder_name          VARCHAR(255) NOT NULL,
    bidder_code          VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    jbr_name             VARCHAR(255) NOT NULL,
    jbr_phone            VARCHAR(100) NOT NULL,
    cipher_biaoduan_no   TEXT         NOT NULL,
    cipher_biaoduan_name TEXT         NOT NULL,
    cipher_zbr           TEXT         NOT NULL,
    cipher_zbr_org_num   TEXT         NOT NULL,
    plain_biaoduan_no    TEXT         NOT NULL,
    plain_biaoduan_name  TEXT         NOT NULL,
    plain_zbr            TEXT         NOT NULL,
    plain_zbr_org_num    TEXT         NOT NULL,
    amount               BIGINT       NOT NULL COMMENT 'fen',
    state                VARCHAR(32)  NOT NULL,
    version              BIGINT       NOT NULL,
    flags                MEDIUMTEXT   NOT NULL COMMENT 'JSON array of flags, empty when none',
    override_reason      TEXT         NOT NULL,
    override_by          VARCHAR(255) NOT NULL,
    portal_token         VARCHAR(128) COLLATE utf8mb4_bin NULL COMMENT 'NULL when none, so that none never collides',
    portal_expires_at    DATETIME(6)  NULL,
    payer_name           VARCHAR(255) NOT NULL,
    payer_account        VARCHAR(100) NOT NULL,
    invoice_email        VARCHAR(255) NOT NULL,
    terms_accepted_at    DATETIME(6)  NULL,
    rate                 VARCHAR(32)  NOT NULL,
    premium              BIGINT       NOT NULL COMMENT 'fen',
    baohan_no            VARCHAR(100) COLLATE utf8mb4_bin NULL COMMENT 'NULL until issued',
    check_code           VARCHAR(64)  NOT NULL,
    issued_at            DATETIME(6)  NULL,
    valid_to             DATETIME(6)  NULL,
    kaibiao_time         DATETIME(6)  NULL,
    restored_at          DATETIME(6)  NULL,
    plain_pending        BOOLEAN      NOT NULL,
    reject_reason        TEXT         NOT NULL,
    quit_reason          TEXT         NOT NULL,
    quit_requested_at    DATETIME(6)  NULL,
    quit_decided_at      DATETIME(6)  NULL,
    withdrawn_at         DATETIME(6)  NULL,
    cancelled_at         DATETIME(6)  NULL,
    abandoned_at         DATETIME(6)  NULL,
    abandon_reason       TEXT         NOT NULL,
    created_at           DATETIME(6)  NOT NULL,
    updated_at           DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_applications_apply_no (platform, apply_no),
    UNIQUE KEY uq_applications_portal_token (portal_token),
    UNIQUE KEY uq_applications_baohan_no (baohan_no),
    KEY idx_applications_state (state, created_at),
    KEY idx_applications_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE documents (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    application_id BIGINT       NOT NULL,
    kind           VARCHAR(32)  NOT NULL,
    token          VARCHAR(128) COLLATE utf8mb4_bin NOT NULL COMMENT 'the key of the download URL',
    file_name      VARCHAR(255) NOT NULL,
    content_type   VARCHAR(128) NOT NULL,
    sm3            VARCHAR(64)  COLLATE utf8mb4_bin NOT NULL COMMENT 'hex digest of data',
    size           BIGINT       NOT NULL,
    data           LONGBLOB     NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_documents_token (token),
    KEY idx_documents_sm3 (sm3),
    KEY idx_documents_application (application_id, id),
    CONSTRAINT fk_documents_application FOREIGN KEY (application_id) REFERENCES applications (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The outbox: notices we owe the platforms, sent in order per application.
CREATE TABLE notices (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    application_id  BIGINT       NOT NULL,
    platform        VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    interface_name  VARCHAR(64)  COLLATE utf8mb4_bin NOT NULL,
    fields          MEDIUMTEXT   NOT NULL COMMENT 'JSON object',
    document_id     BIGINT       NOT NULL COMMENT '0: none',
    status          VARCHAR(16)  NOT NULL COMMENT 'pending | delivered | failed',
    attempts        INT          NOT NULL,
    next_attempt_at DATETIME(6)  NULL COMMENT 'NULL: due at once',
    lease_owner     VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '' COMMENT 'empty: not leased',
    lease_until     DATETIME(6)  NULL,
    last_error      TEXT         NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    delivered_at    DATETIME(6)  NULL,
    PRIMARY KEY (id),
    KEY idx_notices_due (status, next_attempt_at),
    KEY idx_notices_application (application_id, id),
    KEY idx_notices_lease_owner (lease_owner),
    CONSTRAINT fk_notices_application FOREIGN KEY (application_id) REFERENCES applications (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notice_attempts (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    notice_id   BIGINT       NOT NULL,
    started_at  DATETIME(6)  NOT NULL,
    duration_ns BIGINT       NOT NULL,
    http_status INT          NOT NULL,
    code        VARCHAR(32)  NOT NULL,
    message     TEXT         NOT NULL,
    error_text  TEXT         NOT NULL,
    PRIMARY KEY (id),
    KEY idx_notice_attempts_notice (notice_id, id),
    CONSTRAINT fk_notice_attempts_notice FOREIGN KEY (notice_id) REFERENCES notices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE invoices (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    application_id BIGINT       NOT NULL,
    request        MEDIUMTEXT   NOT NULL COMMENT 'JSON of the invoiceapply fields',
    amount         BIGINT       NOT NULL COMMENT 'fen',
    status         VARCHAR(16)  NOT NULL,
    invoice_code   VARCHAR(64)  NOT NULL,
    invoice_no     VARCHAR(64)  NOT NULL,
    document_id    BIGINT       NOT NULL COMMENT '0: none',
    issued_at      DATETIME(6)  NULL,
    created_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_invoices_application (application_id),
    CONSTRAINT fk_invoices_application FOREIGN KEY (application_id) REFERENCES applications (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE claims (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    application_id BIGINT       NOT NULL,
    payee_account  VARCHAR(100) NOT NULL,
    amount         BIGINT       NOT NULL COMMENT 'fen',
    file_list      MEDIUMTEXT   NOT NULL,
    contact_name   VARCHAR(255) NOT NULL,
    contact_phone  VARCHAR(100) NOT NULL,
    reason         TEXT         NOT NULL,
    status         VARCHAR(16)  NOT NULL,
    paid_amount    BIGINT       NOT NULL COMMENT 'fen',
    paid_at        DATETIME(6)  NULL,
    paid_by        VARCHAR(255) NOT NULL,
    payment_ref    VARCHAR(255) NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY idx_claims_application (application_id, id),
    CONSTRAINT fk_claims_application FOREIGN KEY (application_id) REFERENCES applications (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The audit trail. application_id is 0 for changes outside an application,
-- hence no foreign key.
CREATE TABLE audit_events (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    application_id BIGINT       NOT NULL,
    apply_no       VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    actor_kind     VARCHAR(16)  NOT NULL,
    actor_name     VARCHAR(255) NOT NULL,
    actor_role     VARCHAR(64)  NOT NULL,
    action         VARCHAR(64)  NOT NULL,
    detail         TEXT         NOT NULL,
    at             DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY idx_audit_events_application (application_id, at),
    KEY idx_audit_events_at (at),
    KEY idx_audit_events_actor (actor_name, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Accepted platform requests, for idempotent retries. retired_id is 0 for
-- the current record of (platform, interface, applyno) and the row's own id
-- once retired, so that a new current record can come in beside it.
CREATE TABLE inbound_records (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    platform       VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    interface_name VARCHAR(64)  COLLATE utf8mb4_bin NOT NULL,
    apply_no       VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
    retired_id     BIGINT       NOT NULL DEFAULT 0,
    fields         MEDIUMTEXT   NOT NULL COMMENT 'JSON object',
    answer         MEDIUMTEXT   NOT NULL COMMENT 'JSON object',
    created_at     DATETIME(6)  NOT NULL,
    retired_at     DATETIME(6)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_inbound_records_current (platform, interface_name, apply_no, retired_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE inbound_records;
DROP TABLE audit_events;
DROP TABLE claims;
DROP TABLE invoices;
DROP TABLE notice_attempts;
DROP TABLE notices;
DROP TABLE documents;
DROP TABLE applications;
