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
    # 2: full records: fee, currency, game, format, re-entries, rebuys, add-ons,
    # field size and starting stack; prize + bounty; the player's current venue.  An import
    # adds many tournaments from one update, so the idempotency key gains the file's row.
    """
    ALTER TABLE tracker.players ADD COLUMN venue text CHECK (length(venue) BETWEEN 1 AND 100);
    ALTER TABLE tracker.tournaments
        ADD COLUMN fee numeric(14, 2) NOT NULL DEFAULT 0 CHECK (fee >= 0),
        ADD COLUMN currency text NOT NULL DEFAULT '' CHECK (currency ~ '^([A-Z]{3})?$'),
        ADD COLUMN game text NOT NULL DEFAULT 'NLHE'
            CHECK (game IN ('NLHE', 'PLO', 'PLO5', 'Mixed', 'Other')),
        ADD COLUMN format text NOT NULL DEFAULT 'freezeout'
            CHECK (format IN ('freezeout', 'reentry', 'rebuy', 'bounty', 'satellite')),
        ADD COLUMN entries integer NOT NULL DEFAULT 1 CHECK (entries >= 1),
        ADD COLUMN rebuys numeric(14, 2) NOT NULL DEFAULT 0 CHECK (rebuys >= 0),
        ADD COLUMN addons numeric(14, 2) NOT NULL DEFAULT 0 CHECK (addons >= 0),
        ADD COLUMN field_size integer CHECK (field_size >= 1),
        ADD COLUMN starting_stack bigint CHECK (starting_stack >= 0),
        ADD COLUMN source_row integer NOT NULL DEFAULT 0,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
        DROP CONSTRAINT tournaments_player_id_source_update_id_key,
        ADD CONSTRAINT tournaments_source_key UNIQUE (player_id, source_update_id, source_row);
    ALTER TABLE tracker.results RENAME COLUMN payout TO prize;
    ALTER TABLE tracker.results
        ADD COLUMN bounty numeric(14, 2) NOT NULL DEFAULT 0 CHECK (bounty >= 0),
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    """,
    # 3: what the player chose (domain/settings.py): /language, /currency, /reminders.
    """
    ALTER TABLE tracker.players
        ADD COLUMN language text CHECK (language IN ('en', 'ru')),
        ADD COLUMN currency text NOT NULL DEFAULT '' CHECK (currency ~ '^([A-Z]{3})?$'),
        ADD COLUMN reminder_hours integer CHECK (reminder_hours IN (6, 12, 24));
    """,
    # 4: undoing a deletion, and telling an import's unchanged rows from updated ones: a
    # deleted tournament or result is kept as its rows' JSON for model.UNDO_WINDOW, so Undo
    # puts the very same rows back (the same tournament id); ``updated_by`` is the update that
    # last replaced a tournament's fields, so the same import processed again reports the rows
    # it changed as updated, not unchanged.
    """
    ALTER TABLE tracker.tournaments ADD COLUMN updated_by bigint;
    CREATE TABLE tracker.deleted (
        id bigserial PRIMARY KEY,
        player_id bigint NOT NULL REFERENCES tracker.players (user_id),
        tournament_id bigint NOT NULL,
        whole boolean NOT NULL,
        tournament jsonb,
        result jsonb,
        source_update_id bigint NOT NULL,
        deleted_at timestamptz NOT NULL DEFAULT now(),
        restored_by bigint,
        UNIQUE (player_id, source_update_id)
    );
    CREATE INDEX deleted_player_idx ON tracker.deleted (player_id, deleted_at);
    """,
    # 5: currencies (/currency, /rate): the update that asked the player's currency, and the
    # exchange rates they set: 1 <currency> = <rate> <base>, base being their default currency.
    """
    ALTER TABLE tracker.players ADD COLUMN currency_asked_by bigint;
    CREATE TABLE tracker.rates (
        player_id bigint NOT NULL REFERENCES tracker.players (user_id),
        base text NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> base),
        rate numeric(18, 8) NOT NULL CHECK (rate > 0 AND rate <= 1000000),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (player_id, base, currency)
    );
    """,
    # 6: result reminders (/reminders): one row per tournament to nudge about, claimed by the
    # handlers' schedulers when due (services/handler/reminders.py).
    """
    CREATE TABLE tracker.reminders (
        tournament_id bigint PRIMARY KEY REFERENCES tracker.tournaments (id) ON DELETE CASCADE,
        player_id bigint NOT NULL REFERENCES tracker.players (user_id),
        due_at timestamptz NOT NULL,
        published_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX reminders_due_idx ON tracker.reminders (due_at) WHERE published_at IS NULL;
    CREATE INDEX reminders_player_idx ON tracker.reminders (player_id) WHERE published_at IS NULL;
    """,
]
