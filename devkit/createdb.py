"""``python -m devkit.createdb URL``: create the database named in a PostgreSQL URL if missing."""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from services.common.failover import connect, with_write_target


async def ensure_database(database_url: str) -> bool:
    """Create the database named in ``database_url`` if missing; True if it was created."""
    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ValueError("the URL names no database")
    # Several hosts: the primary's, where a database can be created.
    admin_url = with_write_target(urlunsplit(parts._replace(path="/postgres")))
    conn = await connect(admin_url, timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            await conn.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:  # created concurrently
            return False
        return True
    finally:
        await conn.close()


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m devkit.createdb postgresql://user@host:port/dbname")
    try:
        asyncio.run(ensure_database(sys.argv[1]))
    except (OSError, asyncpg.PostgresError, ValueError) as exc:
        raise SystemExit(f"createdb: cannot prepare the database: {type(exc).__name__}: {exc}") from None


if __name__ == "__main__":
    main()
