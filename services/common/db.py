"""PostgreSQL helpers: connection pools, schema migrations that are safe to race, and the
roles the services run as.

Least privilege (docs/security.md): each service runs as a role of its own that owns its
schemas and nothing else, and no other role (PUBLIC included) has any access to them.  Tables
marked private (``session.bot_sessions``, ``session.applied_updates``) also have row level security, forced, with one
policy admitting only that role: a role given SELECT on the table by mistake reads nothing.

The roles are made by ``prepare`` from a connection that may create roles: the
``MIGRATION_DATABASE_URL`` (the service then logs in with ``DATABASE_URL`` as the role), or in
development ``DATABASE_URL`` itself when it is a superuser.  Whatever runs the migrations,
they run *as the role* (``SET LOCAL ROLE``), so they can do what the service itself could and
every object they create is the role's; a service whose ``DATABASE_URL`` is its role applies
its later migrations on its own.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import random
import stringprep
import unicodedata
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

import asyncpg

from services.common import failover

log = logging.getLogger(__name__)

# The one policy on a private table; it admits the owning role, for every command.
PRIVATE_POLICY = "service_role_only"

# Attributes a service role must not have: any of them would undo what its role is for.
_PRIVILEGED_ATTRIBUTES = {
    "rolsuper": "SUPERUSER",
    "rolcreaterole": "CREATEROLE",
    "rolcreatedb": "CREATEDB",
    "rolreplication": "REPLICATION",
    "rolbypassrls": "BYPASSRLS",
}

# Catalog races between databases of one cluster (roles are cluster-wide, advisory locks are
# per database): two first starts creating or altering the same role at once.
_ROLE_RACE_ATTEMPTS = 6


class RoleError(Exception):
    """The database roles cannot be set up as asked (a configuration mistake)."""


@dataclass(frozen=True)
class ServiceRole:
    """The role a service runs as.

    ``name`` is the role made when the service migrates over its own privileged
    ``DATABASE_URL`` (development); with a ``MIGRATION_DATABASE_URL`` the role is
    ``DATABASE_URL``'s user instead, so two stacks sharing a PostgreSQL cluster can have
    roles (and passwords) of their own.  ``private_tables`` (``schema.table``) get forced row
    level security with a policy that admits this role alone.
    """

    name: str
    private_tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Login:
    """The user and password a connection URL logs in with (None: not in the URL)."""

    user: str | None
    password: str | None


def url_login(dsn: str) -> Login:
    """The user and password in ``dsn``, read as asyncpg reads them (percent-decoded; from the
    ``user`` / ``password`` query parameters too).  PGUSER, PGPASSWORD and .pgpass are not
    consulted: only what the URL itself says."""
    try:
        parsed = urllib.parse.urlparse(dsn)
        query = dict(urllib.parse.parse_qsl(parsed.query))
    except ValueError:
        return Login(None, None)
    auth = parsed.netloc.partition("@")[0] if "@" in parsed.netloc else ""
    user, _, password = auth.partition(":")
    return Login(
        urllib.parse.unquote(user) or query.get("user") or None,
        urllib.parse.unquote(password) or query.get("password") or None,
    )


def migration_login_problem(
    database_url: str, migration_database_url: str | None, variable: str = "DATABASE_URL"
) -> str | None:
    """What is wrong with a service's DATABASE_URL (named ``variable``) next to a
    MIGRATION_DATABASE_URL, or None (for the settings' validation: the service would
    otherwise find out only at its first start)."""
    if not migration_database_url:
        return None
    user = url_login(database_url).user
    if not user:
        return f"{variable} must name the service's own user when MIGRATION_DATABASE_URL is set"
    if user == url_login(migration_database_url).user:
        return (
            f"{variable} must log in as the service's own role, not as MIGRATION_DATABASE_URL's"
            " (privileged) user"
        )
    return None


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    """A pool on ``dsn`` (several hosts: the writable one, each host tried in turn, see
    ``services.common.failover``) whose connections are all replaced after one meets a
    failover error.

    The reset of a connection going back to the pool does nothing beyond asyncpg's own
    rollback of a transaction left open (run before it) and that replacement.  asyncpg's
    default reset sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on
    every release: one more round trip per pooled query, about a tenth of the session
    service's CPU per request.  Our code leaves nothing for it to undo: advisory locks,
    ``SET ROLE`` and settings are all transaction-scoped (``pg_advisory_xact_lock``,
    ``SET LOCAL``), and nothing listens or keeps a cursor open.
    """

    async def reset(conn: asyncpg.Connection) -> None:
        await failover.replace_connections_after_failover(pool, conn)

    pool = asyncpg.create_pool(
        failover.with_write_target(dsn),
        min_size=min_size,
        max_size=max_size,
        init=init,
        reset=reset,
        connect=failover.connect,
        connection_class=failover.FailoverAwareConnection,
    )
    await pool  # opens the first connections; ``reset`` needs the pool named first
    return pool


async def open_pool(
    dsn: str,
    *,
    max_size: int,
    schemas: Sequence[tuple[str, Sequence[str]]],
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    role: ServiceRole | None = None,
    migration_dsn: str | None = None,
) -> asyncpg.Pool:
    """A pool on ``dsn`` whose ``schemas`` (name, migration steps) are migrated; closed again on
    failure, so a start-up retry (``services.common.startup.until_up``) leaks no connections.

    With ``migration_dsn`` the migrations (and the role's set-up, see ``prepare``) run over a
    connection of their own to it, closed before the pool opens; otherwise over the pool.
    """
    if migration_dsn:
        conn = await failover.connect(failover.with_write_target(migration_dsn))
        try:
            await prepare(conn, schemas, role, login=url_login(dsn))
        finally:
            await conn.close()
    pool = await create_pool(dsn, max_size=max_size, init=init)
    try:
        if not migration_dsn:
            async with pool.acquire() as conn:
                await prepare(conn, schemas, role)
    except BaseException:
        await pool.close()
        raise
    return pool


async def prepare(
    conn: asyncpg.Connection,
    schemas: Sequence[tuple[str, Sequence[str]]],
    role: ServiceRole | None,
    *,
    login: Login | None = None,
) -> None:
    """Migrate ``schemas`` and, if ``conn`` may create roles, make them ``role``'s alone.

    ``login`` is given when ``conn`` is a separate, privileged migration connection: the role is
    then ``login.user`` (``DATABASE_URL``'s), given ``login.password`` (one secret, kept where
    the service reads it), and ``conn`` must be able to create roles.  Without ``login``, a
    connection that cannot create roles (a least-privilege ``DATABASE_URL``) only migrates, as
    before roles existed: it owns its schemas after an earlier set-up, so that works.
    """
    owner = None
    if role is not None:
        if await _manages_roles(conn):
            password = None
            if login is not None:
                if not login.user:
                    raise RoleError("DATABASE_URL names no user: it must log in as the service's role")
                role, password = replace(role, name=login.user), login.password
            await ensure_role(conn, role.name, password, [name for name, _ in schemas])
            owner = role
        elif login is not None:
            raise RoleError(
                "MIGRATION_DATABASE_URL's user may not create roles: it must be a superuser "
                "(or have CREATEROLE and be the database's owner)"
            )
        else:
            log.info(
                "database roles not set up here (DATABASE_URL's user may not create roles);"
                " migrating as that user",
                extra={"user": await conn.fetchval("SELECT current_user")},
            )
    for schema, steps in schemas:
        await migrate(conn, schema, steps, owner=owner)


def _lock_key(schema: str) -> int:
    return int.from_bytes(hashlib.sha256(schema.encode()).digest()[:8], "big", signed=True)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(name: str) -> str:
    schema, _, table = name.partition(".")
    return f"{quote_ident(schema)}.{quote_ident(table)}"


async def migrate(
    conn: asyncpg.Connection,
    schema: str,
    steps: Sequence[str],
    *,
    owner: ServiceRole | None = None,
) -> int:
    """Apply the numbered ``steps`` not yet applied to ``schema``; return how many ran.

    A transaction-scoped advisory lock per schema serialises instances that start together,
    so each step runs exactly once however many replicas race at start-up.  Steps are
    append-only: never edit one that has shipped, add a new one.

    With ``owner`` (``conn`` may create roles, and ``ensure_role`` made it): the schema and
    everything in it is handed to the role, the steps run as the role, and then the schema
    is locked down (``_lock_down``).  Each of these only acts on what is not so yet, so a start
    with nothing to do writes nothing.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(schema))
        # Not CREATE SCHEMA IF NOT EXISTS: that wants CREATE on the database even when the
        # schema exists, which a least-privilege role has no need of.
        exists = await conn.fetchval(
            "SELECT true FROM pg_namespace WHERE nspname = $1", schema
        )
        if owner is not None:
            if exists:
                await _hand_over(conn, schema, owner.name)
            else:
                await conn.execute(
                    f"CREATE SCHEMA {quote_ident(schema)} AUTHORIZATION {quote_ident(owner.name)}"
                )
            # Until the transaction ends: the steps can do what the service itself could,
            # and what they create is the role's.
            await conn.execute(f"SET LOCAL ROLE {quote_ident(owner.name)}")
        elif not exists:
            await conn.execute(f"CREATE SCHEMA {quote_ident(schema)}")
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            " version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {
            r["version"]
            for r in await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')
        }
        ran = 0
        for version, sql in enumerate(steps, start=1):
            if version in done:
                continue
            await conn.execute(sql)
            await conn.execute(
                f'INSERT INTO "{schema}".schema_migrations (version) VALUES ($1)', version
            )
            ran += 1
        if owner is not None:
            await _lock_down(conn, schema, owner)
        if ran:
            log.info("schema migrated", extra={"schema": schema, "steps_applied": ran})
        return ran


# ---- roles ----------------------------------------------------------------------------------


async def _manages_roles(conn: asyncpg.Connection) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
    )


async def ensure_role(
    conn: asyncpg.Connection, name: str, password: str | None, schemas: Sequence[str]
) -> None:
    """Create role ``name`` if missing (LOGIN, nothing else), set its password if given and
    different, and let ``conn``'s user hand it objects.  Refuses a role that is privileged, is
    ``conn``'s own user, or owns schemas other than ``schemas`` (another service's role).

    Replicas of one stack are serialised by an advisory lock; first starts of stacks in other
    databases of the same cluster may still race on the role, and are retried.
    """
    for attempt in range(1, _ROLE_RACE_ATTEMPTS + 1):
        try:
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock($1)", _lock_key(f"role:{name}")
                )
                await _ensure_role_once(conn, name, password, schemas)
            return
        except (asyncpg.UniqueViolationError, asyncpg.DuplicateObjectError) as exc:
            if attempt == _ROLE_RACE_ATTEMPTS:
                raise
            race = exc
        except asyncpg.InternalServerError as exc:  # "tuple concurrently updated"
            if attempt == _ROLE_RACE_ATTEMPTS or "concurrently" not in str(exc):
                raise
            race = exc
        log.info(
            "database role set up by another start at the same time; trying again",
            extra={"role": name, "attempt": attempt, "error": type(race).__name__},
        )
        await asyncio.sleep(random.uniform(0.02, 0.1) * attempt)


async def _ensure_role_once(
    conn: asyncpg.Connection, name: str, password: str | None, schemas: Sequence[str]
) -> None:
    me = await conn.fetchrow(
        "SELECT rolname, rolsuper FROM pg_roles WHERE rolname = current_user"
    )
    assert me is not None
    if name == me["rolname"]:
        raise RoleError(
            f"the service's role {name} is the migrating user itself: DATABASE_URL must log "
            "in as a role of the service's own, MIGRATION_DATABASE_URL as a privileged one"
        )
    role = quote_ident(name)
    row = await conn.fetchrow(
        "SELECT rolcanlogin, rolinherit, " + ", ".join(_PRIVILEGED_ATTRIBUTES)
        + " FROM pg_roles WHERE rolname = $1",
        name,
    )
    secret = "" if password is None else f" PASSWORD '{scram_verifier(password)}'"
    if row is None:
        await conn.execute(
            f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
            f" NOREPLICATION NOBYPASSRLS{secret}"
        )
        log.info("database role created", extra={"role": name})
    else:
        privileged = [attr for column, attr in _PRIVILEGED_ATTRIBUTES.items() if row[column]]
        if privileged:
            # Never demote a role: it may well be someone's administrator.
            raise RoleError(
                f"role {name} has {', '.join(privileged)}: a service must run as a role of "
                "its own without them (does DATABASE_URL name an administrator?)"
            )
        if not row["rolcanlogin"] or row["rolinherit"]:
            await conn.execute(f"ALTER ROLE {role} LOGIN NOINHERIT")
        if password is not None and not await _password_is(conn, name, password, me["rolsuper"]):
            await conn.execute(f"ALTER ROLE {role}{secret}")
            log.info("database role password set", extra={"role": name})
    if not me["rolsuper"] and not await conn.fetchval(
        "SELECT pg_has_role(current_user, $1, 'MEMBER')", name
    ):
        # A CREATEROLE user hands objects only to roles it is a member of.
        await conn.execute(f"GRANT {role} TO CURRENT_USER")
    if not await conn.fetchval(
        "SELECT has_database_privilege($1, current_database(), 'CONNECT')", name
    ):
        database = await conn.fetchval("SELECT current_database()")
        await conn.execute(f"GRANT CONNECT ON DATABASE {quote_ident(database)} TO {role}")
    others = await conn.fetch(
        "SELECT nspname FROM pg_namespace"
        " WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = $1)"
        " AND nspname <> ALL($2::text[]) ORDER BY nspname",
        name,
        list(schemas),
    )
    if others:
        raise RoleError(
            f"role {name} owns schema {', '.join(r['nspname'] for r in others)} as well: "
            "each service needs a role of its own (check the DATABASE_URL users)"
        )


async def _password_is(
    conn: asyncpg.Connection, name: str, password: str, superuser: bool
) -> bool:
    """Whether the role's stored secret is this password (only a superuser may read it)."""
    if not superuser:
        return False
    stored = await conn.fetchval("SELECT rolpassword FROM pg_authid WHERE rolname = $1", name)
    return stored is not None and scram_matches(stored, password)


# Relations handed over one by one; indexes, and sequences that belong to a column, follow
# their table.
_RELATION_KEYWORDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
    "S": "SEQUENCE",
}

_NOT_OWNED_RELATIONS = """
SELECT c.relkind::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relowner <> $2::regrole
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
        AND d.refclassid = 'pg_class'::regclass AND c.relkind = 'S')
ORDER BY c.relkind = 'S', c.oid
"""

_NOT_OWNED_ROUTINES = """
SELECT p.oid::regprocedure::text AS name
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = $1 AND p.proowner <> $2::regrole ORDER BY p.oid
"""

# Domains, enums, ranges and stand-alone composite types (a table's row type follows it).
_NOT_OWNED_TYPES = """
SELECT t.typtype::text, format_type(t.oid, NULL) AS name
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = $1 AND t.typowner <> $2::regrole
  AND (t.typtype IN ('d', 'e', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
ORDER BY t.oid
"""


async def _hand_over(conn: asyncpg.Connection, schema: str, owner: str) -> None:
    """Make ``owner`` the owner of ``schema`` and of everything in it that is not its yet
    (a database migrated before roles existed, or by hand)."""
    regrole = quote_ident(owner)
    changed = 0
    if await conn.fetchval(
        "SELECT nspowner <> $2::regrole FROM pg_namespace WHERE nspname = $1", schema, regrole
    ):
        await conn.execute(f"ALTER SCHEMA {quote_ident(schema)} OWNER TO {regrole}")
        changed += 1
    for row in await conn.fetch(_NOT_OWNED_RELATIONS, schema, regrole):
        await conn.execute(
            f"ALTER {_RELATION_KEYWORDS[row['relkind']]} {row['name']} OWNER TO {regrole}"
        )
        changed += 1
    for row in await conn.fetch(_NOT_OWNED_ROUTINES, schema, regrole):
        await conn.execute(f"ALTER ROUTINE {row['name']} OWNER TO {regrole}")
        changed += 1
    for row in await conn.fetch(_NOT_OWNED_TYPES, schema, regrole):
        keyword = "DOMAIN" if row["typtype"] == "d" else "TYPE"
        await conn.execute(f"ALTER {keyword} {row['name']} OWNER TO {regrole}")
        changed += 1
    if changed:
        log.info("schema handed to its role", extra={"schema": schema, "role": owner, "objects": changed})


# What PUBLIC (grantee 0) may do in the schema, by object, defaults included (a function's
# default lets PUBLIC execute it).
_PUBLIC_GRANTS = """
SELECT 'SCHEMA' AS kind, quote_ident(n.nspname) AS name
FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))) a
WHERE n.nspname = $1 AND a.grantee = 0
UNION
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
     aclexplode(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
WHERE n.nspname = $1 AND a.grantee = 0 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
UNION
SELECT 'ROUTINE', p.oid::regprocedure::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
     aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
WHERE n.nspname = $1 AND a.grantee = 0
"""

_RLS_STATE = """
SELECT c.relrowsecurity, c.relforcerowsecurity,
       (SELECT p.polcmd = '*' AND p.polpermissive AND p.polroles = ARRAY[$2::regrole::oid]
               AND pg_get_expr(p.polqual, p.polrelid) = 'true'
               AND pg_get_expr(p.polwithcheck, p.polrelid) = 'true'
        FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $3) AS policy_ok
FROM pg_class c WHERE c.oid = to_regclass($1)
"""


async def _lock_down(conn: asyncpg.Connection, schema: str, owner: ServiceRole) -> None:
    """As the owner: take everything PUBLIC may do in ``schema`` away, and put forced row level
    security with ``PRIVATE_POLICY`` (the owner alone) on the owner's private tables here."""
    for row in await conn.fetch(_PUBLIC_GRANTS, schema):
        await conn.execute(f"REVOKE ALL ON {row['kind']} {row['name']} FROM PUBLIC")
    role = quote_ident(owner.name)
    for table in owner.private_tables:
        if table.partition(".")[0] != schema:
            continue
        state = await conn.fetchrow(_RLS_STATE, _qualified(table), role, PRIVATE_POLICY)
        if state is None:
            raise RoleError(f"private table {table} does not exist after the migrations")
        name, policy = _qualified(table), quote_ident(PRIVATE_POLICY)
        if not state["relrowsecurity"]:
            await conn.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        # FORCE: the owner is subject to the policy too, so nothing but the policy decides.
        if not state["relforcerowsecurity"]:
            await conn.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
        if not state["policy_ok"]:
            await conn.execute(f"DROP POLICY IF EXISTS {policy} ON {name}")
            await conn.execute(
                f"CREATE POLICY {policy} ON {name} AS PERMISSIVE FOR ALL TO {role}"
                " USING (true) WITH CHECK (true)"
            )
            log.info("row level security set", extra={"table": table, "role": owner.name})


# ---- SCRAM-SHA-256 secrets ------------------------------------------------------------------
# The role's password goes to the server as a SCRAM verifier, as psql's \password does: the
# password itself never appears in a statement (server logs, pg_stat_statements).

_SCRAM_ITERATIONS = 4096  # PostgreSQL's default scram_iterations


def _saslprep(password: str) -> bytes:
    """The password as PostgreSQL's ``pg_saslprep`` prepares it (RFC 4013); where that fails
    PostgreSQL uses the password as it is, and so does this."""
    raw = password.encode("utf-8", "surrogatepass")
    if password.isascii():
        return raw
    chars = [" " if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c)]
    prepared = unicodedata.normalize("NFKC", "".join(chars))
    if not prepared:
        return raw
    prohibited = (
        stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3,
        stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6,
        stringprep.in_table_c7, stringprep.in_table_c8, stringprep.in_table_c9,
        stringprep.in_table_a1,
    )
    if any(test(c) for c in prepared for test in prohibited):
        return raw
    if any(stringprep.in_table_d1(c) for c in prepared) and (
        any(stringprep.in_table_d2(c) for c in prepared)
        or not stringprep.in_table_d1(prepared[0])
        or not stringprep.in_table_d1(prepared[-1])
    ):
        return raw
    return prepared.encode()


def _scram_keys(password: str, salt: bytes, iterations: int) -> tuple[bytes, bytes]:
    salted = hashlib.pbkdf2_hmac("sha256", _saslprep(password), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    return hashlib.sha256(client_key).digest(), server_key


def scram_verifier(password: str, *, salt: bytes | None = None) -> str:
    """PostgreSQL's stored form of ``password`` (``SCRAM-SHA-256$i:salt$StoredKey:ServerKey``)."""
    salt = os.urandom(16) if salt is None else salt
    stored, server = _scram_keys(password, salt, _SCRAM_ITERATIONS)
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt).decode()}"
        f"${b64(stored).decode()}:{b64(server).decode()}"
    )


def scram_matches(verifier: str, password: str) -> bool:
    """Whether a stored SCRAM verifier is that of ``password`` (False for any other form)."""
    try:
        method, params, keys = verifier.split("$")
        iterations, salt = params.split(":")
        stored_b64, server_b64 = keys.split(":")
        if method != "SCRAM-SHA-256":
            return False
        stored, server = _scram_keys(password, base64.b64decode(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(stored, base64.b64decode(stored_b64)) and hmac.compare_digest(
        server, base64.b64decode(server_b64)
    )
