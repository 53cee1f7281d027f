"""Which failures are a dependency's outage, to be waited out, and which are a bug.

Work that meets an outage is tried again, with backoff, for as long as the outage lasts:
trying again later succeeds once the dependency is back, and the failure says nothing about
the work itself.  Anything else is a bug, counted towards giving up (the handler
dead-letters an update after ``UPDATE_MAX_ATTEMPTS``).

A PostgreSQL failover raises more than a refused connection.  While the primary is lost and
a standby is promoted, a client sees, in some order:

- its backends terminated: 57P01 admin shutdown (fast or immediate shutdown,
  ``pg_terminate_backend``), 57P02 crash shutdown (another backend crashed);
- connections refused while a server starts or stops: 57P03 cannot connect now;
- writes refused by a server that is, or became, a standby or read-only: 25006 read-only
  SQL transaction;
- no host in a multi-host ``DATABASE_URL`` accepting writes yet
  (``target_session_attrs=read-write``): asyncpg's ``TargetServerAttributeNotMatched``;
- the connection lost (class 08), a socket error, a timeout; a pooled connection whose
  backend was terminated while it sat idle in the pool fails with one of asyncpg's internal
  errors instead.

All of these are outages, as are too many connections (53300) and a serialization failure
or deadlock (40001, 40P01: the transaction may simply run again).  ``FAILOVER`` names those
after which a pooled connection may be talking to a server that is no longer a writable
primary, or is not usable at all: ``services.common.db.create_pool`` replaces the pool's
connections after one.
"""

from __future__ import annotations

import asyncpg

from services.common.errors import DependencyUnavailable

# The server stopped being (or never was) a writable primary for this connection, or the
# connection is no longer usable: replace the pool's connections.
FAILOVER: tuple[type[BaseException], ...] = (
    asyncpg.ReadOnlySQLTransactionError,  # 25006
    asyncpg.AdminShutdownError,  # 57P01
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.CannotConnectNowError,  # 57P03
    # An idle pooled connection that was sent 57P01 is handed out before asyncpg has seen
    # the socket close: its next statement fails with "cannot switch to state ...; another
    # operation is in progress".  Like asyncpg's other internal errors (a protocol error, a
    # type cache outdated by a migration) it goes with a new connection.
    asyncpg.InternalClientError,
)

OUTAGES: tuple[type[BaseException], ...] = (
    *FAILOVER,
    DependencyUnavailable,  # session service, Bot API, broker: said so by our own clients
    asyncpg.TargetServerAttributeNotMatched,  # no host of DATABASE_URL accepts writes (yet)
    asyncpg.PostgresConnectionError,  # class 08: connection exception
    asyncpg.IdleSessionTimeoutError,  # 57P05: the server closed an idle connection
    asyncpg.TooManyConnectionsError,  # 53300
    asyncpg.SerializationError,  # 40001
    asyncpg.DeadlockDetectedError,  # 40P01
    asyncpg.InterfaceError,  # "connection is closed", "pool is closing"
    ConnectionError,
    OSError,
    TimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` is a dependency's outage, to be waited out rather than counted."""
    return isinstance(exc, OUTAGES)


def is_failover(exc: BaseException) -> bool:
    """Whether ``exc`` says the server may no longer be a writable primary."""
    return isinstance(exc, FAILOVER)
