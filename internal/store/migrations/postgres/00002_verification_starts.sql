-- +goose Up
-- One row per verification begun, written before NetSuite is called, so
-- that the per-submission limit counts checks still in flight on any
-- instance, not only finished ones.
CREATE TABLE verification_starts (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    started_at    BIGINT NOT NULL
);
CREATE INDEX verification_starts_submission
    ON verification_starts (submission_id, started_at);

-- +goose Down
DROP TABLE verification_starts;
