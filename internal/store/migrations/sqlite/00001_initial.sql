-- +goose Up
CREATE TABLE submissions (
    id                     TEXT PRIMARY KEY,
    company                TEXT NOT NULL,
    contact_email          TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL,
    step                   TEXT NOT NULL,
    account_id             TEXT NOT NULL DEFAULT '',
    invitation_hash        BLOB NOT NULL UNIQUE,
    invitation_expires_at  INTEGER NOT NULL,
    invitation_revoked_at  INTEGER NOT NULL DEFAULT 0,
    wrapped_key            BLOB,
    key_version            INTEGER NOT NULL DEFAULT 0,
    instance_id            TEXT NOT NULL DEFAULT '',
    instance_name          TEXT NOT NULL DEFAULT '',
    decided_by             TEXT NOT NULL DEFAULT '',
    decided_at             INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    last_activity_at       INTEGER NOT NULL,
    connected_at           INTEGER NOT NULL DEFAULT 0,
    purge_after            INTEGER NOT NULL DEFAULT 0,
    purged_at              INTEGER NOT NULL DEFAULT 0,
    search_text            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX submissions_activity ON submissions (last_activity_at DESC, id DESC);
CREATE INDEX submissions_status_activity
    ON submissions (status, last_activity_at DESC, id DESC);
CREATE INDEX submissions_purge_due ON submissions (purge_after) WHERE purge_after > 0;

CREATE TABLE secret_fields (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    field         TEXT NOT NULL,
    sealed        BLOB NOT NULL,
    last4         TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (submission_id, field)
);

CREATE TABLE verification_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    code          TEXT NOT NULL DEFAULT '',
    message       TEXT NOT NULL DEFAULT '',
    skew_ms       INTEGER NOT NULL DEFAULT 0,
    rest_checked  INTEGER NOT NULL DEFAULT 0,
    rest_enabled  INTEGER NOT NULL DEFAULT 0,
    duration_ms   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX verification_attempts_submission
    ON verification_attempts (submission_id, at);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_submission ON events (submission_id, id);

CREATE TABLE handoff_jobs (
    submission_id TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_run_at   INTEGER NOT NULL,
    locked_by     TEXT NOT NULL DEFAULT '',
    locked_until  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX handoff_jobs_due ON handoff_jobs (state, next_run_at);

CREATE TABLE admins (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    totp_sealed   BLOB,
    totp_key      BLOB,
    totp_key_version INTEGER NOT NULL DEFAULT 0,
    totp_enabled  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE admin_sessions (
    id_hash       BLOB PRIMARY KEY,
    admin_id      TEXT NOT NULL,
    stage         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);

CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    submission_id TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_submission ON audit_log (submission_id, seq);

CREATE TABLE keyring (
    name     TEXT PRIMARY KEY,
    document BLOB NOT NULL
);

-- +goose Down
DROP TABLE keyring;
DROP TABLE audit_log;
DROP TABLE admin_sessions;
DROP TABLE admins;
DROP TABLE handoff_jobs;
DROP TABLE events;
DROP TABLE verification_attempts;
DROP TABLE secret_fields;
DROP TABLE submissions;
