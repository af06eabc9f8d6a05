-- The first schema of Baohan Gateway, SQLite edition; mysql/00001_init.sql is
-- the same schema for MySQL. Never edit this file once released: add
-- 00002_….sql to both directories instead (see ../README.md).
--
-- Money is INTEGER fen. Times are DATETIME columns holding UTC text as the
-- driver writes it with _timezone=UTC ("2024-05-01 08:30:00.123456+00:00",
-- trailing zeros of the fraction dropped: such texts still sort in time
-- order), NULL for "not yet". JSON is TEXT; '' means none.

-- +goose Up
CREATE TABLE applications (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    platform             TEXT     NOT NULL,
    platform_code        TEXT     NOT NULL,
    apply_no             TEXT     NOT NULL,
    bidder_name          TEXT     NOT NULL,
    bidder_code          TEXT     NOT NULL,
    jbr_name             TEXT     NOT NULL,
    jbr_phone            TEXT     NOT NULL,
    cipher_biaoduan_no   TEXT     NOT NULL,
    cipher_biaoduan_name TEXT     NOT NULL,
    cipher_zbr           TEXT     NOT NULL,
    cipher_zbr_org_num   TEXT     NOT NULL,
    plain_biaoduan_no    TEXT     NOT NULL,
    plain_biaoduan_name  TEXT     NOT NULL,
    plain_zbr            TEXT     NOT NULL,
    plain_zbr_org_num    TEXT     NOT NULL,
    amount               INTEGER  NOT NULL, -- fen
    state                TEXT     NOT NULL,
    version              INTEGER  NOT NULL,
    flags                TEXT     NOT NULL, -- JSON array of flags; '' when none
    override_reason      TEXT     NOT NULL,
    override_by          TEXT     NOT NULL,
    portal_token         TEXT     NULL,     -- NULL when none, so that "none" never collides
    portal_expires_at    DATETIME NULL,
    payer_name           TEXT     NOT NULL,
    payer_account        TEXT     NOT NULL,
    invoice_email        TEXT     NOT NULL,
    terms_accepted_at    DATETIME NULL,
    rate                 TEXT     NOT NULL,
    premium              INTEGER  NOT NULL, -- fen
    baohan_no            TEXT     NULL,     -- NULL until issued
    check_code           TEXT     NOT NULL,
    issued_at            DATETIME NULL,
    valid_to             DATETIME NULL,
    kaibiao_time         DATETIME NULL,
    restored_at          DATETIME NULL,
    plain_pending        INTEGER  NOT NULL, -- boolean
    reject_reason        TEXT     NOT NULL,
    quit_reason          TEXT     NOT NULL,
    quit_requested_at    DATETIME NULL,
    quit_decided_at      DATETIME NULL,
    withdrawn_at         DATETIME NULL,
    cancelled_at         DATETIME NULL,
    abandoned_at         DATETIME NULL,
    abandon_reason       TEXT     NOT NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_applications_apply_no ON applications (platform, apply_no);
CREATE UNIQUE INDEX uq_applications_portal_token ON applications (portal_token);
CREATE UNIQUE INDEX uq_applications_baohan_no ON applications (baohan_no);
CREATE INDEX idx_applications_state ON applications (state, created_at);
CREATE INDEX idx_applications_created_at ON applications (created_at);

CREATE TABLE documents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER  NOT NULL REFERENCES applications (id),
    kind           TEXT     NOT NULL,
    token          TEXT     NOT NULL, -- the key of the download URL
    file_name      TEXT     NOT NULL,
    content_type   TEXT     NOT NULL,
    sm3            TEXT     NOT NULL, -- hex digest of data
    size           INTEGER  NOT NULL,
    data           BLOB     NOT NULL,
    created_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_documents_token ON documents (token);
CREATE INDEX idx_documents_sm3 ON documents (sm3);
CREATE INDEX idx_documents_application ON documents (application_id, id);

-- The outbox: notices we owe the platforms, sent in order per application.
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  INTEGER  NOT NULL REFERENCES applications (id),
    platform        TEXT     NOT NULL,
    interface_name  TEXT     NOT NULL,
    fields          TEXT     NOT NULL, -- JSON object
    document_id     INTEGER  NOT NULL, -- 0: none
    status          TEXT     NOT NULL, -- pending | delivered | failed
    attempts        INTEGER  NOT NULL,
    next_attempt_at DATETIME NULL,     -- NULL: due at once
    lease_owner     TEXT     NOT NULL DEFAULT '', -- '': not leased
    lease_until     DATETIME NULL,
    last_error      TEXT     NOT NULL,
    created_at      DATETIME NOT NULL,
    delivered_at    DATETIME NULL
);
CREATE INDEX idx_notices_due ON notices (status, next_attempt_at);
CREATE INDEX idx_notices_application ON notices (application_id, id);
CREATE INDEX idx_notices_lease_owner ON notices (lease_owner);

CREATE TABLE notice_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id   INTEGER  NOT NULL REFERENCES notices (id),
    started_at  DATETIME NOT NULL,
    duration_ns INTEGER  NOT NULL,
    http_status INTEGER  NOT NULL,
    code        TEXT     NOT NULL,
    message     TEXT     NOT NULL,
    error_text  TEXT     NOT NULL
);
CREATE INDEX idx_notice_attempts_notice ON notice_attempts (notice_id, id);

CREATE TABLE invoices (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER  NOT NULL REFERENCES applications (id),
    request        TEXT     NOT NULL, -- JSON of the invoiceapply fields
    amount         INTEGER  NOT NULL, -- fen
    status         TEXT     NOT NULL,
    invoice_code   TEXT     NOT NULL,
    invoice_no     TEXT     NOT NULL,
    document_id    INTEGER  NOT NULL, -- 0: none
    issued_at      DATETIME NULL,
    created_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_invoices_application ON invoices (application_id);

CREATE TABLE claims (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER  NOT NULL REFERENCES applications (id),
    payee_account  TEXT     NOT NULL,
    amount         INTEGER  NOT NULL, -- fen
    file_list      TEXT     NOT NULL,
    contact_name   TEXT     NOT NULL,
    contact_phone  TEXT     NOT NULL,
    reason         TEXT     NOT NULL,
    status         TEXT     NOT NULL,
    paid_amount    INTEGER  NOT NULL, -- fen
    paid_at        DATETIME NULL,
    paid_by        TEXT     NOT NULL,
    payment_ref    TEXT     NOT NULL,
    created_at     DATETIME NOT NULL
);
CREATE INDEX idx_claims_application ON claims (application_id, id);

-- The audit trail. application_id is 0 for changes outside an application,
-- hence no foreign key.
CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER  NOT NULL,
    apply_no       TEXT     NOT NULL,
    actor_kind     TEXT     NOT NULL,
    actor_name     TEXT     NOT NULL,
    actor_role     TEXT     NOT NULL,
    action         TEXT     NOT NULL,
    detail         TEXT     NOT NULL,
    at             DATETIME NOT NULL
);
CREATE INDEX idx_audit_events_application ON audit_events (application_id, at);
CREATE INDEX idx_audit_events_at ON audit_events (at);
CREATE INDEX idx_audit_events_actor ON audit_events (actor_name, at);

-- Accepted platform requests, for idempotent retries. retired_id is 0 for
-- the current record of (platform, interface, applyno) and the row's own id
-- once retired, so that a new current record can come in beside it.
CREATE TABLE inbound_records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    platform       TEXT     NOT NULL,
    interface_name TEXT     NOT NULL,
    apply_no       TEXT     NOT NULL,
    retired_id     INTEGER  NOT NULL DEFAULT 0,
    fields         TEXT     NOT NULL, -- JSON object
    answer         TEXT     NOT NULL, -- JSON object
    created_at     DATETIME NOT NULL,
    retired_at     DATETIME NULL
);
CREATE UNIQUE INDEX uq_inbound_records_current ON inbound_records (platform, interface_name, apply_no, retired_id);

-- +goose Down
DROP TABLE inbound_records;
DROP TABLE audit_events;
DROP TABLE claims;
DROP TABLE invoices;
DROP TABLE notice_attempts;
DROP TABLE notices;
DROP TABLE documents;
DROP TABLE applications;
