"""Schema of the session service, applied at start by ``services.common.db.migrate``."""

SCHEMA = "session"

MIGRATIONS: list[str] = [
    # 1: the seed's table, plus a version for compare-and-set writes.
    """
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
    """,
]
