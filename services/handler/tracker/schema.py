"""Schema of the handler's tracker data, applied at start by ``services.common.db.migrate``."""

SCHEMA = "tracker"

MIGRATIONS: list[str] = [
    # 1: players, tournaments and results; writes are idempotent on the source update id.
    """
    CREATE TABLE tracker.players (
        user_id bigint PRIMARY KEY,
        first_name text NOT NULL DEFAULT '',
        language_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE tracker.tournaments (
        id bigserial PRIMARY KEY,
        player_id bigint NOT NULL REFERENCES tracker.players (user_id),
        name text NOT NULL,
        played_on date NOT NULL,
        buy_in numeric(14, 2) NOT NULL CHECK (buy_in >= 0),
        venue text NOT NULL,
        source_update_id bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (player_id, source_update_id)
    );
    CREATE INDEX tournaments_player_idx ON tracker.tournaments (player_id, played_on DESC, id DESC);
    CREATE TABLE tracker.results (
        tournament_id bigint PRIMARY KEY REFERENCES tracker.tournaments (id) ON DELETE CASCADE,
        place integer NOT NULL CHECK (place >= 1),
        payout numeric(14, 2) NOT NULL CHECK (payout >= 0),
        source_update_id bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    """,
]
