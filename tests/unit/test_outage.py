"""Which failures are waited out as an outage (services/common/outage.py)."""

from __future__ import annotations

import asyncpg
import pytest

from services.common.errors import DependencyUnavailable
from services.common.outage import is_failover, is_outage


def _server_error(cls: type[asyncpg.PostgresError]) -> asyncpg.PostgresError:
    return cls.new({"C": cls.sqlstate, "M": "staged", "S": "FATAL"})


@pytest.mark.parametrize(
    "exc",
    [
        _server_error(asyncpg.AdminShutdownError),  # 57P01: the backend was terminated
        _server_error(asyncpg.CrashShutdownError),  # 57P02
        _server_error(asyncpg.CannotConnectNowError),  # 57P03: starting up or shutting down
        _server_error(asyncpg.ReadOnlySQLTransactionError),  # 25006: a standby now
        _server_error(asyncpg.ConnectionFailureError),  # 08006
        _server_error(asyncpg.TooManyConnectionsError),  # 53300
        _server_error(asyncpg.SerializationError),  # 40001
        _server_error(asyncpg.DeadlockDetectedError),  # 40P01
        asyncpg.TargetServerAttributeNotMatched("no host accepts writes"),
        # a pooled connection whose backend was terminated while idle, used before asyncpg
        # has seen the socket close
        asyncpg.InternalClientError("cannot switch to state 11; another operation (2) is in progress"),
        asyncpg.InterfaceError("connection is closed"),
        DependencyUnavailable("session service"),
        ConnectionRefusedError(),
        TimeoutError(),
    ],
    ids=type,
)
def test_failover_and_connection_errors_are_outages(exc: BaseException) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize(
    "exc",
    [
        _server_error(asyncpg.UniqueViolationError),
        _server_error(asyncpg.UndefinedTableError),
        _server_error(asyncpg.DivisionByZeroError),
        _server_error(asyncpg.QueryCanceledError),  # statement_timeout: a query too slow
        ValueError("bug"),
        KeyError("bug"),
    ],
    ids=type,
)
def test_errors_of_the_work_itself_are_not(exc: BaseException) -> None:
    assert not is_outage(exc)


def test_only_errors_of_a_lost_primary_or_a_broken_connection_replace_connections() -> None:
    assert is_failover(_server_error(asyncpg.ReadOnlySQLTransactionError))
    assert is_failover(_server_error(asyncpg.AdminShutdownError))
    assert is_failover(asyncpg.InternalClientError("cannot switch to state 11"))
    assert not is_failover(_server_error(asyncpg.SerializationError))
    assert not is_failover(DependencyUnavailable("session service"))
