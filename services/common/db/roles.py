"""The role a service runs as: made LOGIN and nothing else, owner of its schemas alone, with
nothing granted to PUBLIC and forced row level security on its private tables."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.common.db.identifiers import lock_key, qualified, quote_ident
from services.common.db.scram import scram_matches, scram_verifier

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


async def manages_roles(conn: asyncpg.Connection) -> bool:
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
                    "SELECT pg_advisory_xact_lock($1)", lock_key(f"role:{name}")
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


async def hand_over(conn: asyncpg.Connection, schema: str, owner: str) -> None:
    """Make ``owner`` the owner of ``schema`` and of everything in it that is not its yet
    (a database migrated with no role to own its schemas, or changed by hand)."""
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


async def lock_down(conn: asyncpg.Connection, schema: str, owner: ServiceRole) -> None:
    """As the owner: take everything PUBLIC may do in ``schema`` away, and put forced row level
    security with ``PRIVATE_POLICY`` (the owner alone) on the owner's private tables here."""
    for row in await conn.fetch(_PUBLIC_GRANTS, schema):
        await conn.execute(f"REVOKE ALL ON {row['kind']} {row['name']} FROM PUBLIC")
    role = quote_ident(owner.name)
    for table in owner.private_tables:
        if table.partition(".")[0] != schema:
            continue
        state = await conn.fetchrow(_RLS_STATE, qualified(table), role, PRIVATE_POLICY)
        if state is None:
            raise RoleError(f"private table {table} does not exist after the migrations")
        name, policy = qualified(table), quote_ident(PRIVATE_POLICY)
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
