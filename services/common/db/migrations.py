"""Schema migrations: numbered, append-only steps per schema, safe to race between replicas,
run as the service's role when one is set up (``prepare``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import asyncpg

from services.common.db.identifiers import lock_key, quote_ident
from services.common.db.login import Login
from services.common.db.roles import (
    RoleError,
    ServiceRole,
    ensure_role,
    hand_over,
    lock_down,
    manages_roles,
)

log = logging.getLogger(__name__)


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
    connection that cannot create roles (a least-privilege ``DATABASE_URL``) only migrates:
    it owns its schemas after an earlier set-up, so that works.
    """
    owner = None
    if role is not None:
        if await manages_roles(conn):
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
    is locked down (``lock_down``).  Each of these only acts on what is not so yet, so a start
    with nothing to do writes nothing.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(schema))
        # Not CREATE SCHEMA IF NOT EXISTS: that wants CREATE on the database even when the
        # schema exists, which a least-privilege role has no need of.
        exists = await conn.fetchval(
            "SELECT true FROM pg_namespace WHERE nspname = $1", schema
        )
        if owner is not None:
            if exists:
                await hand_over(conn, schema, owner.name)
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
            await lock_down(conn, schema, owner)
        if ran:
            log.info("schema migrated", extra={"schema": schema, "steps_applied": ran})
        return ran
