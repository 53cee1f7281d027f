"""Least privilege in PostgreSQL: each service runs as a role of its own, and what that role is
refused, shown by logging in as it.

Every test gets a database of its own on the test server and roles whose names start with a
prefix of its own (roles are cluster-wide, and the server is shared with other test runs); the
services' real set-up makes them: ``db.open_pool`` with the arguments the services' ``app.py``
passes, so the role is DATABASE_URL's user, as in production.  With the server's trust
authentication the roles log in without a password; ``SET ROLE`` would not prove that they can
log in at all, so every check below runs on a connection opened *as* the role.  Everything
is dropped at the end.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import pytest

from services.common import db
from services.handler import bookkeeping
from services.handler.domain.records import TournamentFields
from services.handler.session_client import SessionClient
from services.handler.tracker.model import Player
from services.handler.tracker.postgres import PgTracker
from services.session import schema as session_schema
from services.session import store
from services.session.app import create_app as create_session_app
from services.session.settings import SessionSettings
from services.session.store import SessionStore, init_connection
from shared.session_api import SessionSaved, UpdateSession
from shared.topology import Topology
from tests.admin_cli import environ_without, run_admin
from tests.conftest import random_user_id
from tests.integration.conftest import running_app

pytestmark = pytest.mark.integration

SESSION_SCHEMAS = store.SCHEMAS
HANDLER_SCHEMAS = bookkeeping.SCHEMAS
REG = TournamentFields(
    name="Sunday Major", played_on=date(2025, 3, 2), buy_in=Decimal("100"), venue="Casino"
)


@dataclass
class Cluster:
    """The test server as its superuser, and what a test made on it (dropped afterwards)."""

    url: str  # the superuser, on the test database
    pg: asyncpg.Connection
    prefix: str = field(default_factory=lambda: f"pt_roles_{uuid.uuid4().hex[:10]}")
    databases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)

    def role(self, suffix: str) -> str:
        """A role name of this test's own (the role itself is made by whoever needs it)."""
        name = f"{self.prefix}_{suffix}"
        self.roles.append(name)
        return name

    async def database(self, owner: str | None = None) -> str:
        name = f"{self.prefix}_db{len(self.databases)}"
        self.databases.append(name)
        # template0: nobody connects to it, so a concurrent connection cannot make this fail.
        owned = f" OWNER {db.quote_ident(owner)}" if owner else ""
        await self.pg.execute(f'CREATE DATABASE "{name}" TEMPLATE template0{owned}')
        return name

    def url_of(self, database: str, user: str | None = None, password: str | None = None) -> str:
        """A URL of the test server for ``database``, as ``user`` (default: the superuser)."""
        parts = urlsplit(self.url)
        netloc = parts.netloc.rpartition("@")[2]
        if user is None:
            netloc = parts.netloc
        else:
            auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
            netloc = f"{auth}@{netloc}"
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))

    async def drop(self) -> None:
        for name in reversed(self.databases):
            await self.pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for name in reversed(self.roles):
            await self.pg.execute(f"DROP ROLE IF EXISTS {db.quote_ident(name)}")


@pytest.fixture
async def cluster(database_url: str) -> AsyncIterator[Cluster]:
    pg = await asyncpg.connect(database_url)
    made = Cluster(database_url, pg)
    try:
        yield made
    finally:
        try:
            await made.drop()
        finally:
            await pg.close()


@dataclass(frozen=True)
class Stack:
    """One database with both services set up, and the URLs each one logs in with."""

    cluster: Cluster
    database: str
    admin_url: str  # the superuser, as MIGRATION_DATABASE_URL
    session_role: str
    handler_role: str

    # Trust authentication ignores the passwords; they show that an unchanged one is not set again.
    @property
    def session_url(self) -> str:
        return self.cluster.url_of(self.database, self.session_role, "session-password")

    @property
    def handler_url(self) -> str:
        return self.cluster.url_of(self.database, self.handler_role, "handler-password")

    def url_as(self, user: str, password: str | None = None) -> str:
        return self.cluster.url_of(self.database, user, password)

    async def start(self) -> None:
        """Both services' start-up against this database, pools closed again."""
        await close(await start_session(self.session_url, self.admin_url))
        await close(await start_handler(self.handler_url, self.admin_url))


async def start_session(url: str, migration_url: str | None) -> asyncpg.Pool:
    """What the session service's app.py does with DATABASE_URL and MIGRATION_DATABASE_URL."""
    return await db.open_pool(
        url, max_size=2, schemas=SESSION_SCHEMAS, init=init_connection,
        role=store.ROLE, migration_dsn=migration_url,
    )  # fmt: skip


async def start_handler(url: str, migration_url: str | None) -> asyncpg.Pool:
    """What the handler's app.py does with DATABASE_URL and MIGRATION_DATABASE_URL."""
    return await db.open_pool(
        url, max_size=2, schemas=HANDLER_SCHEMAS,
        role=bookkeeping.ROLE, migration_dsn=migration_url,
    )  # fmt: skip


async def close(pool: asyncpg.Pool) -> None:
    await pool.close()


async def new_stack(cluster: Cluster, database: str | None = None) -> Stack:
    database = database or await cluster.database()
    return Stack(
        cluster,
        database,
        cluster.url_of(database),
        cluster.role("session"),
        cluster.role("handler"),
    )


@pytest.fixture
async def stack(cluster: Cluster) -> Stack:
    """A database on which both services started once with a MIGRATION_DATABASE_URL."""
    made = await new_stack(cluster)
    await made.start()
    return made


@pytest.fixture
async def admin_pg(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    """The superuser, on the stack's database."""
    conn = await asyncpg.connect(stack.admin_url)
    try:
        yield conn
    finally:
        await conn.close()


async def connect_as(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    return conn


async def refused(conn: asyncpg.Connection, sql: str, *args: object) -> str:
    """Run ``sql``, which must be refused for lack of privilege; return PostgreSQL's message."""
    with pytest.raises(asyncpg.InsufficientPrivilegeError) as refusal:
        await conn.execute(sql, *args)
    return str(refusal.value)


async def save_session(url: str, user_id: int, data: dict[str, object]) -> None:
    """A session written by the real store, over a pool that logs in as ``url``'s user."""
    pool = await start_session(url, None)
    try:
        saved = await SessionStore(pool, timedelta(hours=1)).update(
            UpdateSession(user_id=user_id, expected_version=0, data=data, update_id=1)
        )
        assert isinstance(saved, SessionSaved) and saved.version == 1
    finally:
        await pool.close()


# ---- what each role may and may not do -------------------------------------------------------


async def test_the_handler_role_uses_its_tables_and_is_refused_the_sessions(stack: Stack) -> None:
    conn = await connect_as(stack.handler_url)
    try:
        assert await conn.fetchval("SELECT current_user") == stack.handler_role
        await conn.execute("INSERT INTO tracker.players (user_id) VALUES (1)")
        assert await conn.fetchval("SELECT count(*) FROM tracker.players") == 1
        await conn.execute("INSERT INTO handler.replicas (instance, partitions) VALUES ('r', 1)")
        assert await conn.fetchval("SELECT partitions FROM handler.replicas") == 1

        assert "permission denied for schema session" in await refused(
            conn, "SELECT * FROM session.bot_sessions"
        )
        await refused(conn, "SELECT count(*) FROM session.applied_updates")
        await refused(conn, "INSERT INTO session.applied_updates (user_id, update_id) VALUES (1, 1)")
        await refused(conn, "DELETE FROM session.bot_sessions")
        await refused(conn, "CREATE TABLE session.mine (x int)")
        await refused(conn, "ALTER TABLE session.bot_sessions NO FORCE ROW LEVEL SECURITY")
        await refused(conn, f"SET ROLE {db.quote_ident(stack.session_role)}")
        await refused(conn, f"ALTER ROLE {db.quote_ident(stack.handler_role)} BYPASSRLS")
    finally:
        await conn.close()


async def test_the_session_role_uses_its_tables_and_is_refused_the_tracker(stack: Stack) -> None:
    conn = await connect_as(stack.session_url)
    try:
        assert await conn.fetchval("SELECT current_user") == stack.session_role
        await conn.execute("INSERT INTO session.bot_sessions (user_id) VALUES (1)")
        await conn.execute("INSERT INTO session.applied_updates (user_id, update_id) VALUES (1, 1)")
        assert await conn.fetchval("SELECT count(*) FROM session.bot_sessions") == 1
        assert await conn.fetchval("SELECT count(*) FROM session.applied_updates") == 1

        assert "permission denied for schema tracker" in await refused(
            conn, "SELECT * FROM tracker.tournaments"
        )
        await refused(conn, "INSERT INTO tracker.players (user_id) VALUES (1)")
        await refused(conn, "SELECT * FROM handler.replicas")
        await refused(conn, "CREATE TABLE tracker.mine (x int)")
        await refused(conn, f"SET ROLE {db.quote_ident(stack.handler_role)}")
    finally:
        await conn.close()


async def test_row_level_security_hides_sessions_from_a_role_granted_the_table(
    stack: Stack, admin_pg: asyncpg.Connection
) -> None:
    """A role given every right on bot_sessions by mistake: only the policy stops it."""
    user = random_user_id()
    await save_session(stack.session_url, user, {"step": "secret"})
    intruder = stack.cluster.role("intruder")
    await admin_pg.execute(f"CREATE ROLE {db.quote_ident(intruder)} LOGIN")
    await admin_pg.execute(f"GRANT USAGE ON SCHEMA session TO {db.quote_ident(intruder)}")
    await admin_pg.execute(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON session.bot_sessions, session.applied_updates"
        f" TO {db.quote_ident(intruder)}"
    )
    conn = await connect_as(stack.url_as(intruder))
    try:
        assert await conn.fetchval("SELECT count(*) FROM session.bot_sessions") == 0
        assert await conn.fetchval("SELECT count(*) FROM session.applied_updates") == 0
        assert await conn.fetchval(
            "SELECT session_data FROM session.bot_sessions WHERE user_id = $1", user
        ) is None
        assert await conn.execute(
            "UPDATE session.bot_sessions SET session_data = '{}' WHERE user_id = $1", user
        ) == "UPDATE 0"
        assert await conn.execute("DELETE FROM session.bot_sessions") == "DELETE 0"
        assert "row-level security" in await refused(
            conn, "INSERT INTO session.bot_sessions (user_id) VALUES ($1)", random_user_id()
        )
        assert "row-level security" in await refused(
            conn, "INSERT INTO session.applied_updates (user_id, update_id) VALUES ($1, 2)", user
        )
        # It is the policy that filters: with row security off the query is refused instead.
        await conn.execute("SET row_security = off")
        assert "row-level security" in await refused(conn, "SELECT count(*) FROM session.bot_sessions")
    finally:
        await conn.close()

    for table in ("session.bot_sessions", "session.applied_updates"):
        state = await admin_pg.fetchrow(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1::regclass",
            table,
        )
        assert (state["relrowsecurity"], state["relforcerowsecurity"]) == (True, True)
        policies = await admin_pg.fetch(
            "SELECT polname, polcmd::text, polpermissive, array(SELECT rolname FROM pg_roles"
            " WHERE oid = ANY (polroles)) AS roles FROM pg_policy WHERE polrelid = $1::regclass",
            table,
        )
        assert [tuple(p) for p in policies] == [
            (db.PRIVATE_POLICY, "*", True, [stack.session_role])
        ]
    # The session itself is untouched, and the session role (the owner, under FORCE) sees it.
    assert await admin_pg.fetchval(
        "SELECT session_data->>'step' FROM session.bot_sessions WHERE user_id = $1", user
    ) == "secret"
    conn = await connect_as(stack.session_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM session.bot_sessions") == 1
    finally:
        await conn.close()


async def test_public_has_no_access_to_any_service_schema(
    stack: Stack, admin_pg: asyncpg.Connection
) -> None:
    """Ownership and PUBLIC, as the catalog says: each schema and all in it is its role's."""
    owners = await admin_pg.fetch(
        "SELECT n.nspname, pg_get_userbyid(n.nspowner) AS schema_owner,"
        " array(SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c"
        "       WHERE c.relnamespace = n.oid) AS object_owners,"
        " EXISTS (SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a"
        "         WHERE a.grantee = 0) AS public_usage"
        " FROM pg_namespace n WHERE nspname IN ('session', 'tracker', 'handler') ORDER BY 1"
    )
    assert [tuple(r) for r in owners] == [
        ("handler", stack.handler_role, [stack.handler_role], False),
        ("session", stack.session_role, [stack.session_role], False),
        ("tracker", stack.handler_role, [stack.handler_role], False),
    ]
    roles = await admin_pg.fetch(
        "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolinherit,"
        " rolreplication, rolbypassrls FROM pg_roles WHERE rolname = ANY ($1) ORDER BY 1",
        [stack.session_role, stack.handler_role],
    )
    assert [tuple(r)[1:] for r in roles] == [(True, False, False, False, False, False, False)] * 2


# ---- the services, running as their roles -----------------------------------------------------


async def test_the_services_work_as_their_roles(stack: Stack) -> None:
    """The real store, tracker and bookkeeping over pools that log in as the roles, opened as
    a service whose DATABASE_URL is its role and no MIGRATION_DATABASE_URL would open them."""
    user = random_user_id()
    session_pool = await start_session(stack.session_url, None)
    try:
        sessions = SessionStore(session_pool, timedelta(hours=1))
        saved = await sessions.update(
            UpdateSession(user_id=user, expected_version=0, data={"step": "register"}, update_id=5)
        )
        assert isinstance(saved, SessionSaved) and saved.version == 1
        snapshot = await sessions.get(user, 5)
        assert (snapshot.version, snapshot.data, snapshot.applied) == (1, {"step": "register"}, True)
        assert await sessions.active_sessions() == 1
        assert await sessions.delete_expired(100) == 0
        assert await sessions.delete_applied_before(timedelta(0), 100) == 1
    finally:
        await session_pool.close()

    handler_pool = await start_handler(stack.handler_url, None)
    try:
        async with handler_pool.acquire() as conn, conn.transaction():
            tournament = await PgTracker(conn).register(Player(user, "Ann", "en"), REG, source_update_id=5)
        async with handler_pool.acquire() as conn:
            assert await PgTracker(conn).latest(user, 10) == [tournament]
        replicas = bookkeeping.ReplicaRegistry(handler_pool, "replica-1", 4, timeout=5)
        assert await replicas.beat() == ["replica-1"]
        await replicas.leave()
    finally:
        await handler_pool.close()


async def test_a_service_role_applies_its_own_later_migrations(
    stack: Stack, admin_pg: asyncpg.Connection
) -> None:
    """Without MIGRATION_DATABASE_URL a new step runs as the role (it owns its schema), and
    what it creates is the role's alone."""
    later = [*session_schema.MIGRATIONS, "CREATE TABLE session.later (id bigserial PRIMARY KEY)"]
    pool = await db.open_pool(
        stack.session_url, max_size=1, schemas=[(session_schema.SCHEMA, later)], role=store.ROLE
    )
    try:
        await pool.execute("INSERT INTO session.later DEFAULT VALUES")
    finally:
        await pool.close()
    assert await admin_pg.fetchval(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'session.later'::regclass"
    ) == stack.session_role
    conn = await connect_as(stack.handler_url)
    try:
        await refused(conn, "SELECT * FROM session.later")
    finally:
        await conn.close()


# ---- set-up: idempotent, concurrent, from an older database -----------------------------------

_CATALOG = """
SELECT 'role ' || rolname AS what, xmin::text AS version FROM pg_authid WHERE rolname = ANY ($1)
UNION ALL
SELECT 'schema ' || nspname, xmin::text FROM pg_namespace WHERE nspname = ANY ($2)
UNION ALL
SELECT 'relation ' || c.oid::regclass::text, c.xmin::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY ($2)
UNION ALL
SELECT 'policy ' || polname, xmin::text FROM pg_policy
UNION ALL
SELECT 'migrations ' || s, (xpath('/row/c/text()',
       query_to_xml(format('SELECT count(*) AS c FROM %I.schema_migrations', s), false, true, '')))[1]::text
FROM unnest($2::text[]) AS s
ORDER BY 1
"""


async def catalog(conn: asyncpg.Connection, stack: Stack) -> list[tuple[str, str]]:
    """Every catalog row the set-up could write, with its row version (xmin changes on any write)."""
    rows = await conn.fetch(
        _CATALOG, [stack.session_role, stack.handler_role], ["session", "tracker", "handler"]
    )
    return [tuple(r) for r in rows]


async def test_a_second_start_changes_nothing(stack: Stack, admin_pg: asyncpg.Connection) -> None:
    before = await catalog(admin_pg, stack)
    assert ("migrations session", str(len(session_schema.MIGRATIONS))) in before
    await stack.start()
    assert await catalog(admin_pg, stack) == before


async def test_replicas_starting_at_once_in_two_databases(cluster: Cluster) -> None:
    """Three of each service per database, all at once; the roles are cluster-wide, so the two
    databases also race on creating them."""
    first = await new_stack(cluster)
    second = replace(first, database=await cluster.database())
    second = replace(second, admin_url=cluster.url_of(second.database))
    starts = [
        start(s.session_url if start is start_session else s.handler_url, s.admin_url)
        for s in (first, second)
        for start in (start_session, start_handler)
        for _ in range(3)
    ]
    for pool in await asyncio.gather(*starts):
        await pool.close()
    for s in (first, second):
        conn = await asyncpg.connect(s.admin_url)
        try:
            migrated = {
                schema: await conn.fetchval(f'SELECT count(*) FROM "{schema}".schema_migrations')
                for schema, _ in SESSION_SCHEMAS + HANDLER_SCHEMAS
            }
            assert migrated == {name: len(steps) for name, steps in SESSION_SCHEMAS + HANDLER_SCHEMAS}
            assert await conn.fetchval(
                "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'session.bot_sessions'::regclass"
            )
        finally:
            await conn.close()
        handler = await connect_as(s.handler_url)
        try:
            await refused(handler, "SELECT * FROM session.bot_sessions")
        finally:
            await handler.close()


async def test_a_database_migrated_before_roles_is_handed_over(cluster: Cluster) -> None:
    """Schemas made by the superuser (as every start did before), with data in them: the first
    start with roles gives them to the roles, data and sequences included."""
    stack = await new_stack(cluster)
    user = random_user_id()
    legacy = await asyncpg.connect(stack.admin_url)
    try:
        for schema, steps in SESSION_SCHEMAS + HANDLER_SCHEMAS:
            await db.migrate(legacy, schema, steps)
        await legacy.execute(
            "INSERT INTO session.bot_sessions (user_id, session_data) VALUES ($1, '{\"step\": \"old\"}')",
            user,
        )
        async with legacy.transaction():
            await PgTracker(legacy).register(Player(user, "Ann", None), REG, source_update_id=1)
        assert await legacy.fetchval(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'session'"
        ) == urlsplit(cluster.url).username
    finally:
        await legacy.close()

    await stack.start()

    session = await connect_as(stack.session_url)
    try:
        data = await session.fetchval(
            "SELECT session_data FROM session.bot_sessions WHERE user_id = $1", user
        )
        assert data == {"step": "old"}
    finally:
        await session.close()
    pool = await start_handler(stack.handler_url, None)
    try:
        async with pool.acquire() as conn, conn.transaction():
            tracker = PgTracker(conn)
            added = await tracker.register(Player(user, "Ann", None), REG, source_update_id=2)
            assert [t.id for t in await tracker.latest(user, 10)] == [added.id, added.id - 1]
    finally:
        await pool.close()
    handler = await connect_as(stack.handler_url)
    try:
        await refused(handler, "SELECT * FROM session.bot_sessions")
    finally:
        await handler.close()


async def test_every_kind_of_object_is_handed_over_and_closed_to_public(cluster: Cluster) -> None:
    """Views, functions, types and free sequences made before roles existed (none of the
    services has them yet; a later step may): the role owns them, PUBLIC may not run them."""
    database = await cluster.database()
    role = cluster.role("owner")
    steps = [
        """
        CREATE TYPE pt_kinds.mood AS ENUM ('calm', 'tilted');
        CREATE DOMAIN pt_kinds.chips AS bigint CHECK (VALUE >= 0);
        CREATE TYPE pt_kinds.pair AS (a int, b int);
        CREATE SEQUENCE pt_kinds.free_seq;
        CREATE TABLE pt_kinds.notes (id bigserial PRIMARY KEY, mood pt_kinds.mood, stack pt_kinds.chips);
        CREATE VIEW pt_kinds.calm AS SELECT * FROM pt_kinds.notes WHERE mood = 'calm';
        CREATE FUNCTION pt_kinds.double(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 2';
        """
    ]
    superuser = await asyncpg.connect(cluster.url_of(database))
    try:
        await db.migrate(superuser, "pt_kinds", steps)
        await db.prepare(superuser, [("pt_kinds", steps)], db.ServiceRole(role))
        not_owned = await superuser.fetch(
            """
            SELECT c.oid::regclass::text FROM pg_class c
            WHERE c.relnamespace = 'pt_kinds'::regnamespace AND c.relowner <> $1::regrole
            UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p
            WHERE p.pronamespace = 'pt_kinds'::regnamespace AND p.proowner <> $1::regrole
            UNION ALL SELECT format_type(t.oid, NULL) FROM pg_type t
            WHERE t.typnamespace = 'pt_kinds'::regnamespace AND t.typowner <> $1::regrole
            """,
            db.quote_ident(role),
        )
        assert not_owned == []
        public_execute = await superuser.fetchval(
            "SELECT count(*) FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
            " WHERE p.pronamespace = 'pt_kinds'::regnamespace AND a.grantee = 0"
        )
        assert public_execute == 0
    finally:
        await superuser.close()
    conn = await asyncpg.connect(cluster.url_of(database, role))
    try:
        await conn.execute(
            "INSERT INTO pt_kinds.notes (mood, stack) VALUES ('calm', 10)"
        )
        assert await conn.fetchval("SELECT count(*) FROM pt_kinds.calm") == 1
        assert await conn.fetchval("SELECT pt_kinds.double(21)") == 42
        assert await conn.fetchval("SELECT nextval('pt_kinds.free_seq')") == 1
        assert await conn.fetchval("SELECT (ROW(1, 2)::pt_kinds.pair).b") == 2
    finally:
        await conn.close()


async def test_development_start_as_the_superuser_makes_the_roles_too(cluster: Cluster) -> None:
    """No MIGRATION_DATABASE_URL and a superuser DATABASE_URL (the development stack): the role
    (the service's default name) is made without a password and owns the schema; the service
    itself keeps running as the superuser."""
    database = await cluster.database()
    role = replace(store.ROLE, name=cluster.role("session"))
    pool = await db.open_pool(
        cluster.url_of(database), max_size=1, schemas=SESSION_SCHEMAS, init=init_connection, role=role
    )
    try:
        assert await pool.fetchval("SELECT current_user") == urlsplit(cluster.url).username
        assert await pool.fetchval(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'session'"
        ) == role.name
        assert await pool.fetchval(
            "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = $1", role.name
        )
        assert await pool.fetchval(
            "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'session.bot_sessions'::regclass"
        )
    finally:
        await pool.close()
    assert store.ROLE.name == "pokertracker_session" and bookkeeping.ROLE.name == "pokertracker_handler"


# ---- passwords and refusals ---------------------------------------------------------------------


async def stored_secret(conn: asyncpg.Connection, role: str) -> str | None:
    secret: str | None = await conn.fetchval(
        "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role
    )
    return secret


async def test_the_role_password_is_database_urls(cluster: Cluster) -> None:
    """DATABASE_URL's password is the one secret: the role gets it (as a SCRAM verifier, never
    in clear), a changed one replaces it, a URL without one leaves it alone."""
    stack = await new_stack(cluster)
    first, second = "first-secret", "zweites Geheimnis: ü/@%"
    await close(await start_session(stack.url_as(stack.session_role, first), stack.admin_url))
    await close(await start_handler(stack.url_as(stack.handler_role), stack.admin_url))
    admin = await asyncpg.connect(stack.admin_url)
    try:
        secret = await stored_secret(admin, stack.session_role)
        assert secret is not None and secret.startswith("SCRAM-SHA-256$")
        assert db.scram_matches(secret, first) and not db.scram_matches(secret, second)
        assert await stored_secret(admin, stack.handler_role) is None

        await close(await start_session(stack.url_as(stack.session_role, second), stack.admin_url))
        secret = await stored_secret(admin, stack.session_role)
        assert secret is not None and db.scram_matches(secret, second)

        await close(await start_session(stack.url_as(stack.session_role), stack.admin_url))
        assert await stored_secret(admin, stack.session_role) == secret
    finally:
        await admin.close()


async def test_a_privileged_or_shared_role_is_refused(stack: Stack, admin_pg: asyncpg.Connection) -> None:
    # DATABASE_URL naming a role with a privileged attribute: refused, and not demoted.
    boss = stack.cluster.role("boss")
    await admin_pg.execute(f"CREATE ROLE {db.quote_ident(boss)} LOGIN CREATEDB")
    with pytest.raises(db.RoleError, match="CREATEDB"):
        await start_session(stack.url_as(boss), stack.admin_url)
    assert await admin_pg.fetchval("SELECT rolcreatedb FROM pg_roles WHERE rolname = $1", boss)

    # The handler given the session service's role: refused, nothing handed over.
    with pytest.raises(db.RoleError, match="owns schema session as well"):
        await start_handler(stack.url_as(stack.session_role), stack.admin_url)
    assert await admin_pg.fetchval(
        "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'tracker'"
    ) == stack.handler_role

    # A MIGRATION_DATABASE_URL that cannot create roles.
    with pytest.raises(db.RoleError, match="may not create roles"):
        await start_handler(stack.handler_url, stack.session_url)

    # DATABASE_URL the same user as MIGRATION_DATABASE_URL.
    with pytest.raises(db.RoleError, match="migrating user itself"):
        await start_session(stack.admin_url, stack.admin_url)


async def test_a_createrole_administrator_instead_of_a_superuser(cluster: Cluster) -> None:
    """As on managed PostgreSQL, where the administrator has CREATEROLE and owns the database
    but is no superuser."""
    migrator = cluster.role("migrator")
    await cluster.pg.execute(f"CREATE ROLE {db.quote_ident(migrator)} LOGIN CREATEROLE")
    database = await cluster.database(owner=migrator)
    stack = await new_stack(cluster, database)
    stack = replace(stack, admin_url=cluster.url_of(database, migrator))
    await close(await start_session(stack.url_as(stack.session_role, "s3cret"), stack.admin_url))
    await close(await start_session(stack.url_as(stack.session_role), stack.admin_url))
    await close(await start_handler(stack.handler_url, stack.admin_url))
    await save_session(stack.session_url, random_user_id(), {"step": "x"})

    handler = await connect_as(stack.handler_url)
    try:
        await refused(handler, "SELECT * FROM session.bot_sessions")
    finally:
        await handler.close()
    superuser = await asyncpg.connect(cluster.url_of(database))
    try:
        assert await superuser.fetchval(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'session'"
        ) == stack.session_role
        assert await superuser.fetchval(
            "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'session.bot_sessions'::regclass"
        )
        # Without a password in DATABASE_URL the one set before stays.
        secret = await stored_secret(superuser, stack.session_role)
        assert secret is not None and db.scram_matches(secret, "s3cret")
    finally:
        await superuser.close()


# ---- pokertracker-admin sessions, as each role ----------------------------------------------------


async def admin_cli(url: str, *args: str) -> tuple[int, str, str]:
    env = environ_without({"DATABASE_URL", "SESSION_CLEANUP_BATCH_SIZE", "LOG_LEVEL"})
    env["DATABASE_URL"] = url
    result = await run_admin(*args, env=env)
    return result.code, result.out, result.err


async def test_session_commands_work_with_the_session_role_only(
    stack: Stack, admin_pg: asyncpg.Connection
) -> None:
    await save_session(stack.session_url, random_user_id(), {"step": "x"})
    await admin_pg.execute(
        "INSERT INTO session.bot_sessions (user_id, expires_at) VALUES ($1, now() - interval '1 hour')",
        random_user_id(),
    )
    code, out, err = await admin_cli(stack.session_url, "sessions", "stats")
    assert (code, err) == (0, ""), err
    assert out.startswith("sessions: 1 active, 1 expired"), out
    code, out, err = await admin_cli(stack.session_url, "sessions", "cleanup")
    assert (code, out.strip()) == (0, "deleted 1 expired session (batches of 1,000)"), err

    code, out, err = await admin_cli(stack.handler_url, "sessions", "stats")
    assert code == 1 and out == ""
    assert "permission denied for schema session" in err
    assert "the session service's DATABASE_URL" in err

    # A role granted the table by mistake would count nothing: it is told why instead.
    intruder = stack.cluster.role("intruder")
    await admin_pg.execute(f"CREATE ROLE {db.quote_ident(intruder)} LOGIN")
    await admin_pg.execute(f"GRANT USAGE ON SCHEMA session TO {db.quote_ident(intruder)}")
    await admin_pg.execute(f"GRANT SELECT, DELETE ON session.bot_sessions TO {db.quote_ident(intruder)}")
    code, out, err = await admin_cli(stack.url_as(intruder), "sessions", "stats")
    assert code == 1 and out == ""
    assert f"row level security hides every row of session.bot_sessions from user {intruder}" in err


async def test_db_roles_command_says_whether_each_schema_is_its_roles_alone(cluster: Cluster) -> None:
    stack = await new_stack(cluster)
    legacy = await asyncpg.connect(stack.admin_url)
    try:
        for schema, steps in SESSION_SCHEMAS + HANDLER_SCHEMAS:
            await db.migrate(legacy, schema, steps)
    finally:
        await legacy.close()
    superuser = urlsplit(cluster.url).username
    # Before the roles: the superuser owns everything, and sessions have no row level security.
    code, out, err = await admin_cli(stack.admin_url, "db", "roles")
    assert code == 1, err
    assert f"  - schema session is owned by {superuser} (superuser" in out
    assert "  - row level security on session.bot_sessions is not enabled and forced" in out

    await stack.start()
    code, out, err = await admin_cli(stack.handler_url, "db", "roles")
    assert (code, err) == (0, ""), out + err
    lines = out.splitlines()
    assert lines[1].split() == ["session", "session", stack.session_role, "login", "nobody"]
    assert lines[2].split() == ["tracker", "handler", stack.handler_role, "login", "nobody"]
    assert lines[-1] == "no problems: each service's schemas are its own role's alone"

    intruder = cluster.role("intruder")
    admin = await asyncpg.connect(stack.admin_url)
    try:
        await admin.execute(f"CREATE ROLE {db.quote_ident(intruder)}")
        await admin.execute(f"GRANT SELECT ON session.applied_updates TO {db.quote_ident(intruder)}")
    finally:
        await admin.close()
    code, out, err = await admin_cli(stack.session_url, "db", "roles", "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["problems"] == [
        f"schema session (or something in it) is open to {intruder} besides its owner"
    ]



async def test_db_setup_makes_the_roles_before_the_services_start(cluster: Cluster) -> None:
    """The one-shot set-up (docker-compose's db-setup): afterwards the services start with
    their roles' URLs alone, and never hold the administrator's password."""
    stack = await new_stack(cluster)
    env = environ_without({"DATABASE_URL", "LOG_LEVEL"})
    env.update(
        MIGRATION_DATABASE_URL=stack.admin_url,
        SESSION_DATABASE_URL=stack.session_url,
        HANDLER_DATABASE_URL=stack.handler_url,
    )
    result = await run_admin("db", "setup", env=env)
    assert (result.code, result.err) == (0, ""), result
    assert result.out.splitlines() == [
        f"session: schema session migrated, owned by role {stack.session_role} alone",
        f"handler: schema tracker, handler migrated, owned by role {stack.handler_role} alone",
    ]
    assert "password" not in result.out and "session-password" not in result.out
    admin = await asyncpg.connect(stack.admin_url)
    try:
        before = await catalog(admin, stack)
        assert await admin_cli(stack.session_url, "db", "roles") == (
            0, "\n".join(render_expected(stack)) + "\n", ""
        )
        # The services, without MIGRATION_DATABASE_URL: nothing left to do, and they work.
        await save_session(stack.session_url, random_user_id(), {"step": "x"})
        await close(await start_handler(stack.handler_url, None))
        again = await run_admin("db", "setup", env=env)
        assert again.code == 0, again
        assert await catalog(admin, stack) == before
    finally:
        await admin.close()

    env["HANDLER_DATABASE_URL"] = stack.session_url
    shared = await run_admin("db", "setup", env=env)
    assert shared.code == 1
    assert f"handler service: role {stack.session_role} owns schema session as well" in shared.err


def render_expected(stack: Stack) -> list[str]:
    """``db roles`` of a stack set up as it should be."""
    width = len(stack.session_role)
    policy = f"{db.PRIVATE_POLICY} ALL to {stack.session_role}"
    return [
        f"schema   service  {'owner'.ljust(width)}  owner may  others with access",
        f"session  session  {stack.session_role.ljust(width)}  login      nobody",
        f"tracker  handler  {stack.handler_role.ljust(width)}  login      nobody",
        f"handler  handler  {stack.handler_role.ljust(width)}  login      nobody",
        f"session.bot_sessions: row level security on, forced; policies: {policy}",
        f"session.applied_updates: row level security on, forced; policies: {policy}",
        "no problems: each service's schemas are its own role's alone",
    ]



async def test_the_session_service_started_with_a_migration_url_serves_as_its_role(
    cluster: Cluster, amqp_url: str, namespace: str
) -> None:
    """The real service (settings, app, lifespan): it sets its role up over the privileged URL,
    closes that connection, and serves over DATABASE_URL as the role alone."""
    stack = await new_stack(cluster)
    settings = SessionSettings.model_validate({
        "amqp_url": amqp_url,
        "amqp_namespace": namespace,
        "database_url": stack.session_url,
        "migration_database_url": stack.admin_url,
    })
    client = SessionClient(amqp_url, Topology(namespace), timeout=5.0)
    admin = await asyncpg.connect(stack.admin_url)
    user = random_user_id()
    try:
        async with running_app(create_session_app(settings)):
            saved = await client.update(user, 0, {"step": "register"}, update_id=1)
            assert isinstance(saved, SessionSaved) and saved.version == 1
            assert (await client.get(user)).data == {"step": "register"}
            logged_in = await admin.fetch(
                "SELECT DISTINCT usename FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                stack.database,
            )
            assert [r["usename"] for r in logged_in] == [stack.session_role]
        assert await admin.fetchval(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'session'"
        ) == stack.session_role
    finally:
        await admin.close()
        await client.close()
