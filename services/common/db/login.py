"""Who a connection URL logs in as, and whether a service's DATABASE_URL fits beside a
MIGRATION_DATABASE_URL."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass


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
