-- +goose Up
-- Attempts limited in a sliding window, shared by every instance: a
-- submission's verification checks (scope 'verification', subject the
-- submission ID) and admin sign-in attempts (scope 'admin_sign_in',
-- subject the typed email). A row is written before the attempt is made,
-- so attempts still in flight count too.
CREATE TABLE attempt_slots (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope   TEXT NOT NULL,
    subject TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX attempt_slots_subject ON attempt_slots (scope, subject, at);
CREATE INDEX attempt_slots_age ON attempt_slots (scope, at);

-- The newest TOTP time step each admin has used: a code is accepted once,
-- whichever instance it reaches.
ALTER TABLE admins ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE admins DROP COLUMN totp_last_step;
DROP TABLE attempt_slots;
