"""Schema of the session service, applied at start by ``services.common.db.migrate``.

The steps are the SQL files in ``services/session/sql/``, applied in the order of
``MIGRATION_FILES`` and recorded by number: append a new file, never edit one that shipped.
The compare-and-set of an update's session write is ``sql/003_write_session.sql``.
"""

from importlib.resources import files

SCHEMA = "session"

MIGRATION_FILES = (
    "001_bot_sessions.sql",
    "002_applied_updates.sql",
    "003_write_session.sql",
)

_SQL = files("services.session").joinpath("sql")

MIGRATIONS: list[str] = [_SQL.joinpath(name).read_text(encoding="utf-8") for name in MIGRATION_FILES]
