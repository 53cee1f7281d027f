"""One update's access to the tracker's PostgreSQL: a connection once the update needs one, a
transaction once it writes.

Most conversation steps only read (a list, the statistics) or touch no tracker data at all
(a step of a draft kept in the session): they take no connection, or run their reads on one
without BEGIN and COMMIT.  The first write opens the transaction, and every write of the step
after it is in it, so a step's writes commit together or not at all: ``__aexit__`` commits on
success and rolls back when the step raised.  Reads before the first write run outside it,
which changes nothing at READ COMMITTED, where each statement sees its own snapshot anyway.
"""

from __future__ import annotations

import contextlib
from types import TracebackType

import asyncpg
from asyncpg.transaction import Transaction


class UnitOfWork:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None

    @property
    def wrote(self) -> bool:
        """Whether a transaction was opened (some statement of the step wrote)."""
        return self._transaction is not None

    async def reading(self) -> asyncpg.Connection:
        """The connection to read on, acquired on first use."""
        if self._conn is None:
            self._conn = await self._pool.acquire()
        return self._conn

    async def writing(self) -> asyncpg.Connection:
        """The connection to write on, inside the step's transaction (begun on first use)."""
        conn = await self.reading()
        if self._transaction is None:
            transaction = conn.transaction()
            await transaction.start()
            self._transaction = transaction
        return conn

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, transaction = self._conn, self._transaction
        self._conn = self._transaction = None
        try:
            if transaction is not None:
                if exc_type is None:
                    await transaction.commit()
                else:
                    # A rollback that fails (the backend was terminated: nothing to undo)
                    # must not hide the step's own error, which says why; the release
                    # below puts the connection right or replaces it.
                    with contextlib.suppress(Exception):
                        await transaction.rollback()
        finally:
            if conn is not None:
                await self._pool.release(conn)


class OnConnection:
    """A connection the caller manages (and its transaction, if any), for reads and writes."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def reading(self) -> asyncpg.Connection:
        return self._conn

    async def writing(self) -> asyncpg.Connection:
        return self._conn
