"""Loading a service's settings from the environment, failing at start with one clear line.

Every secret setting (a ``SecretStr``, and every ``*_URL``, which may carry a password) can
also come from a file, as docker secrets provide them: ``X_FILE=/run/secrets/x`` makes the
file's content (one trailing line break removed) the value of ``X``.  Setting both ``X`` and
``X_FILE``, or naming a file that cannot be read, is a configuration error that names the
variables and never shows what the file holds.
"""

from __future__ import annotations

import os
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from services.common.amqp.addresses import broker_urls
from shared.topology import DEFAULT_PARTITIONS, Topology

S = TypeVar("S", bound=BaseSettings)

FILE_SUFFIX = "_FILE"
MAX_SECRET_FILE_BYTES = 65_536  # far more than any token, password or URL
SECRET_FILE_ERROR = "secret_file"  # the pydantic error type of a bad ``X_FILE``


def _mentions_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return any(_mentions_secret(a) for a in typing.get_args(annotation))
    return False


def secret_fields(cls: type[BaseSettings]) -> list[str]:
    """The settings of ``cls`` that may come from a file: secrets and URLs."""
    return [
        name
        for name, info in cls.model_fields.items()
        if _mentions_secret(info.annotation) or name.endswith("_url")
    ]


@dataclass(frozen=True)
class _BadSecretFile:
    """Stands in for a value whose ``X_FILE`` is wrong, so that the field fails validation
    with the other bad settings (one line naming them all), not alone."""

    problem: str


def _read_secret_file(variable: str, path: str) -> str | _BadSecretFile:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as exc:
        return _BadSecretFile(
            f"{variable} names a file that cannot be read ({exc.strerror or type(exc).__name__}: {path})"
        )
    if len(data) > MAX_SECRET_FILE_BYTES:
        return _BadSecretFile(f"{variable} names a file larger than {MAX_SECRET_FILE_BYTES} bytes ({path})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # its message quotes a byte of the content: not shown
        return _BadSecretFile(f"{variable} names a file that is not UTF-8 text ({path})")
    text = text.removesuffix("\n").removesuffix("\r") if text.endswith("\n") else text
    if not text:
        return _BadSecretFile(f"{variable} names an empty file ({path})")
    return text


class SecretFilesSource(PydanticBaseSettingsSource):
    """``X_FILE`` for every secret setting ``X``; placed before the environment."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything happens in __call__

    def __call__(self) -> dict[str, Any]:
        # Names case-insensitively, as the environment source reads them (case_sensitive=False).
        env = {k.lower(): v for k, v in os.environ.items()}
        values: dict[str, Any] = {}
        for name in secret_fields(self.settings_cls):
            path = env.get(name + FILE_SUFFIX.lower(), "")
            if not path:
                continue
            variable, file_variable = name.upper(), name.upper() + FILE_SUFFIX
            if env.get(name, ""):
                values[name] = _BadSecretFile(f"{variable} and {file_variable} are both set (set only one)")
            else:
                values[name] = _read_secret_file(file_variable, path)
        return values


class ServiceSettings(BaseSettings):
    """Base of every service's settings: environment variables only, names in upper case;
    secrets and URLs also from ``X_FILE``."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, SecretFilesSource(settings_cls), env_settings, dotenv_settings, file_secret_settings

    @field_validator("*", mode="before")
    @classmethod
    def _secret_file_problem(cls, value: Any) -> Any:
        if isinstance(value, _BadSecretFile):
            raise PydanticCustomError(SECRET_FILE_ERROR, "{problem}", {"problem": value.problem})
        return value


class BrokerSettings(ServiceSettings):
    """What every service needs: RabbitMQ and its log level.

    AMQP_URL may name several brokers to fail over between (services/common/amqp/addresses.py).
    """

    amqp_url: str
    amqp_namespace: str = "pokertracker"
    log_level: str = "INFO"

    @field_validator("amqp_url")
    @classmethod
    def _brokers(cls, value: str) -> str:
        broker_urls(value)  # its ValueError names what is wrong, never the value
        return value


class MetricsSettings(ServiceSettings):
    """Where a service serves its Prometheus metrics; unset port, no metrics server."""

    metrics_host: str = "0.0.0.0"
    metrics_port: int | None = Field(None, gt=0, lt=65536)


class PartitionedSettings(BrokerSettings):
    """Services that route or consume updates: all of them must agree on the partition count."""

    update_partitions: int = Field(DEFAULT_PARTITIONS, ge=1, le=1024)

    def topology(self) -> Topology:
        return Topology(self.amqp_namespace, self.update_partitions)


class WorkerSettings(BrokerSettings, MetricsSettings):
    """Services that consume from RabbitMQ and keep data in PostgreSQL (handler, session)."""

    database_url: str
    # Privileged (superuser) URL the migrations and the role set-up run over; DATABASE_URL
    # then logs in as the service's own role. Unset: migrations run over DATABASE_URL.
    migration_database_url: str | None = None
    db_pool_size: int = Field(10, gt=0)
    health_file: Path | None = None

    @field_validator("database_url", "migration_database_url")
    @classmethod
    def _connect_timeout(cls, value: str | None) -> str | None:
        """A bad ``connect_timeout`` fails the start, not every connection for ever after."""
        import asyncpg

        from services.common.failover import per_host

        try:
            if value:
                per_host(value)
        except asyncpg.ClientConfigurationError as exc:
            raise ValueError(str(exc)) from None  # the message never quotes the URL
        return value

    @field_validator("migration_database_url")
    @classmethod
    def _distinct_logins(cls, value: str | None, info: ValidationInfo) -> str | None:
        from services.common.db import migration_login_problem

        if "database_url" not in info.data:  # missing or invalid: reported on its own
            return value
        problem = migration_login_problem(info.data["database_url"], value)
        if problem:
            raise ValueError(problem)
        return value


def describe_error(err: ValidationError) -> str:
    """One line naming every bad or missing setting, without echoing any value."""
    env = {k.lower() for k, v in os.environ.items() if v}
    parts = []
    for e in err.errors():
        name = ".".join(str(p) for p in e["loc"]).upper() or "?"
        if e["type"] == SECRET_FILE_ERROR:
            parts.append(e["msg"])
        elif e["type"] == "missing":
            parts.append(f"{name} is required but not set")
        else:
            origin = f" (read from {name}{FILE_SUFFIX})" if (name + FILE_SUFFIX).lower() in env else ""
            parts.append(f"{name}{origin} is invalid ({e['msg']})")
    return "configuration error: " + "; ".join(parts)


def load_settings(cls: type[S]) -> S:
    """Read settings, or exit with status 2 and one line on stderr naming what is wrong."""
    try:
        return cls()
    except ValidationError as err:
        print(f"{cls.__module__.split('.')[1]}: {describe_error(err)}", file=sys.stderr)
        raise SystemExit(2) from None
