"""SCRAM-SHA-256 secrets: the role's password goes to the server as a SCRAM verifier, as
psql's \\password does, so the password itself never appears in a statement (server logs,
pg_stat_statements)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stringprep
import unicodedata

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
