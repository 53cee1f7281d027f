"""Loading a service's settings from the environment, failing at start with one clear line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.topology import DEFAULT_PARTITIONS, Topology

S = TypeVar("S", bound=BaseSettings)


class ServiceSettings(BaseSettings):
    """Base of every service's settings: environment variables only, names in upper case."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)


class BrokerSettings(ServiceSettings):
    """What every service needs: RabbitMQ and its log level."""

    amqp_url: str
    amqp_namespace: str = "pokertracker"
    log_level: str = "INFO"


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
    db_pool_size: int = Field(10, gt=0)
    health_file: Path | None = None


def describe_error(err: ValidationError) -> str:
    """One line naming every bad or missing setting, without echoing any value."""
    parts = []
    for e in err.errors():
        name = ".".join(str(p) for p in e["loc"]).upper() or "?"
        if e["type"] == "missing":
            parts.append(f"{name} is required but not set")
        else:
            parts.append(f"{name} is invalid ({e['msg']})")
    return "configuration error: " + "; ".join(parts)


def load_settings(cls: type[S]) -> S:
    """Read settings, or exit with status 2 and one line on stderr naming what is wrong."""
    try:
        return cls()
    except ValidationError as err:
        print(f"{cls.__module__.split('.')[1]}: {describe_error(err)}", file=sys.stderr)
        raise SystemExit(2) from None
