-- Migration 2: update ids already applied, written in the same transaction as the session,
-- so a redelivered Telegram update is seen as done. Keyed by user too: an update_id is
-- unique per bot, but a bot's ids restart at random after a week without updates, and two
-- bots (or test runs) may share a database. Kept for DEDUPE_RETENTION_SECONDS; the
-- applied_at index serves the cleanup's oldest-first batches.

CREATE TABLE session.applied_updates (
    user_id bigint NOT NULL,
    update_id bigint NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, update_id)
);
CREATE INDEX applied_updates_applied_at_idx ON session.applied_updates (applied_at);
