"""Quoting SQL identifiers, and the advisory lock key of a name."""

from __future__ import annotations

import hashlib


def lock_key(name: str) -> int:
    """The ``pg_advisory_xact_lock`` key of ``name`` (a schema, ``role:<name>``)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(name: str) -> str:
    """``schema.table`` quoted: ``"schema"."table"``."""
    schema, _, table = name.partition(".")
    return f"{quote_ident(schema)}.{quote_ident(table)}"
