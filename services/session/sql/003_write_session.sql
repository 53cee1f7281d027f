-- Migration 3: session.write_session, an update's whole compare-and-set in one round trip
-- (SessionStore.update and its batches call it).
--
-- What it guarantees, for one user's session:
-- * duplicate: p_update_id was already applied (checked first, even if the version moved
--   on; a concurrent transaction recording the same id is waited for). Nothing changes.
-- * conflict: the stored version is not p_expected_version (0 for no row), or another first
--   write inserted the row at the same time; current_version says what it is. Nothing
--   changes, the update id is not recorded.
-- * too_large: the data changes and p_size exceeds p_max_bytes. Nothing changes. Data equal
--   to what is stored can always be written back.
-- * saved: the data is stored with version + 1 and a new expiry (now() + p_ttl), and the
--   update id is recorded, all in the caller's transaction; unchanged data writes no new
--   version and only extends a live session's expiry once it is within p_extension_due of
--   it. An expired row written again starts a new session; reset_lived is how long the
--   expired one lived.
-- Only a save is kept: any other outcome raises PT001 inside the block, which rolls back
-- its subtransaction (the recorded update id above all); the OUT values set before are kept.

CREATE FUNCTION session.write_session(
    p_user_id bigint,
    p_expected_version bigint,
    p_data jsonb,
    p_update_id bigint,
    p_size integer,
    p_max_bytes integer,
    p_ttl interval,
    p_extension_due interval,
    OUT kind text,
    OUT version bigint,
    OUT expires_at timestamptz,
    OUT written boolean,
    OUT current_version bigint,
    OUT reset_lived double precision
)
LANGUAGE plpgsql AS $$
DECLARE
    cur record;
    found_row boolean;
    live boolean;
BEGIN
    written := false;
    BEGIN
        -- Duplicate first: a replayed update is reported as such even if the version
        -- moved on.  Waits for a concurrent transaction that recorded the same id.
        IF p_update_id IS NOT NULL THEN
            INSERT INTO session.applied_updates (update_id, user_id)
            VALUES (p_update_id, p_user_id)
            ON CONFLICT (user_id, update_id) DO NOTHING;
            IF NOT FOUND THEN
                kind := 'duplicate';
                RETURN;
            END IF;
        END IF;
        SELECT s.version, s.session_data, s.created_at, s.expires_at,
               s.expires_at <= now() AS expired,
               s.expires_at < now() + p_extension_due AS extension_due
        INTO cur
        FROM session.bot_sessions s WHERE s.user_id = p_user_id
        FOR UPDATE;
        found_row := FOUND;
        current_version := CASE WHEN found_row THEN cur.version ELSE 0 END;
        IF current_version <> p_expected_version THEN
            kind := 'conflict';
            RAISE SQLSTATE 'PT001';
        END IF;
        live := found_row AND NOT cur.expired;
        kind := 'saved';
        IF p_data = (CASE WHEN live THEN cur.session_data ELSE '{}'::jsonb END) THEN
            -- Nothing to write: extend a live session's expiry if due.
            version := current_version;
            IF live THEN
                expires_at := cur.expires_at;
                IF cur.extension_due THEN
                    UPDATE session.bot_sessions s SET expires_at = now() + p_ttl
                    WHERE s.user_id = p_user_id
                    RETURNING s.expires_at INTO expires_at;
                END IF;
            END IF;
            RETURN;
        END IF;
        -- Checked only for a change: the data already stored can always be written back.
        IF p_size > p_max_bytes THEN
            kind := 'too_large';
            RAISE SQLSTATE 'PT001';
        END IF;
        IF NOT found_row THEN
            INSERT INTO session.bot_sessions AS s (user_id, session_data, version, expires_at)
            VALUES (p_user_id, p_data, 1, now() + p_ttl)
            ON CONFLICT (user_id) DO NOTHING
            RETURNING s.version, s.expires_at INTO version, expires_at;
        ELSE
            IF cur.expired THEN
                -- An expired row written again starts a new session: its lifetime ends.
                reset_lived := extract(epoch FROM cur.expires_at - p_ttl - cur.created_at);
            END IF;
            UPDATE session.bot_sessions s
            SET session_data = p_data,
                version = s.version + 1,
                updated_at = now(),
                created_at = CASE WHEN s.expires_at <= now() THEN now() ELSE s.created_at END,
                expires_at = now() + p_ttl
            WHERE s.user_id = p_user_id AND s.version = p_expected_version
            RETURNING s.version, s.expires_at INTO version, expires_at;
        END IF;
        IF NOT FOUND THEN  -- an insert raced by another first write
            kind := 'conflict';
            current_version := coalesce(
                (SELECT s.version FROM session.bot_sessions s WHERE s.user_id = p_user_id), 0);
            RAISE SQLSTATE 'PT001';
        END IF;
        written := true;
    EXCEPTION WHEN SQLSTATE 'PT001' THEN
        NULL;  -- the outcome is in the OUT values; what the block wrote is undone
    END;
END
$$;
REVOKE ALL ON FUNCTION session.write_session FROM PUBLIC;
