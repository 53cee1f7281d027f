-- Migration 1 of the session schema: one row per user holding the conversation's session,
-- with a version for compare-and-set writes (session.write_session) and an expiry.

CREATE TABLE session.bot_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id bigint NOT NULL UNIQUE,
    session_data jsonb NOT NULL DEFAULT '{}'::jsonb,
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours'
);
CREATE INDEX bot_sessions_expires_at_idx ON session.bot_sessions (expires_at);
