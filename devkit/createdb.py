"""``python -m devkit.createdb URL``: create the database named in a PostgreSQL URL if missing."""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit, urlunsplit

import asyncpg


async def ensure_database(url: str) -> bool:
    """Create the URL's database unless it exists; return True if it was created."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise ValueError("the URL names no database")
    admin = urlunsplit(parts._replace(path="/postgres"))
    conn = await asyncpg.connect(admin)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
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
