"""``db setup`` and ``db roles``: the services' PostgreSQL roles (docs/security.md).

Each service's schemas are owned by a role of its own, a role that may log in and nothing
more; nobody else (PUBLIC included) has any right on them; the session service's private
tables have row level security, forced, with one policy admitting its role alone.

``db setup`` makes it so (``services.common.db.prepare``, what a service does at start with a
MIGRATION_DATABASE_URL) for both services at once, as a release step or a one-shot container
before the services start: then only this short-lived process ever holds the administrator's
password, and the services run with their own roles' URLs alone.  ``db roles`` reads the
catalog (any user that can connect may) and names whatever is not so; exit status 1 then.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import asyncpg
from pydantic import Field, ValidationInfo, field_validator

from services.admin.errors import EXIT_OK, EXIT_PARTIAL, AdminError
from services.admin.sessions import connect
from services.common import db
from services.common.config import ServiceSettings
from services.common.db import PRIVATE_POLICY
from services.handler import bookkeeping
from services.session import store as session_store


class DatabaseAdminSettings(ServiceSettings):
    """Any user of the stack's database: the catalog is readable by all."""

    database_url: str = Field(min_length=1)
    log_level: str = "INFO"


class DatabaseSetupSettings(ServiceSettings):
    """The administrator's URL, and each service's DATABASE_URL (its role and password)."""

    migration_database_url: str = Field(min_length=1)
    session_database_url: str = Field(min_length=1)
    handler_database_url: str = Field(min_length=1)
    log_level: str = "INFO"

    @field_validator("session_database_url", "handler_database_url")
    @classmethod
    def _own_login(cls, value: str, info: ValidationInfo) -> str:
        assert info.field_name is not None
        problem = db.migration_login_problem(
            value, info.data.get("migration_database_url"), info.field_name.upper()
        )
        if problem:
            raise ValueError(problem)
        return value


@dataclass(frozen=True)
class Service:
    name: str
    migrations: Sequence[tuple[str, Sequence[str]]]
    role: db.ServiceRole

    @property
    def schemas(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.migrations)

    @property
    def private_tables(self) -> tuple[str, ...]:
        return self.role.private_tables


SERVICES = (
    Service("session", session_store.SCHEMAS, session_store.ROLE),
    Service("handler", bookkeeping.SCHEMAS, bookkeeping.ROLE),
)

_ATTRIBUTES = {
    "rolsuper": "superuser",
    "rolcreaterole": "createrole",
    "rolcreatedb": "createdb",
    "rolreplication": "replication",
    "rolbypassrls": "bypassrls",
}

# Each schema, its owner and the owner's attributes, and every other grantee of the schema or
# of anything in it (PUBLIC included), with the privileges' defaults.
_SCHEMAS = f"""
SELECT n.nspname AS schema, o.rolname AS owner, o.rolcanlogin AS login,
       {", ".join(f"o.{column}" for column in _ATTRIBUTES)},
       array(
           SELECT DISTINCT CASE (g.a).grantee WHEN 0 THEN 'PUBLIC'
                           ELSE pg_get_userbyid((g.a).grantee) END
           FROM (SELECT aclexplode(coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))) AS a
                 UNION ALL
                 SELECT aclexplode(coalesce(c.relacl, acldefault(
                            CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)))
                 FROM pg_class c WHERE c.relnamespace = n.oid
                 UNION ALL
                 SELECT aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner)))
                 FROM pg_proc p WHERE p.pronamespace = n.oid) AS g (a)
           WHERE (g.a).grantee <> n.nspowner ORDER BY 1) AS others
FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner
WHERE n.nspname = ANY ($1::text[])
"""

_PRIVATE_TABLE = """
SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
       array(SELECT p.polname || ' ' || CASE p.polcmd WHEN '*' THEN 'ALL'
                    WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                    ELSE 'DELETE' END
                    || CASE WHEN p.polpermissive THEN '' ELSE ' restrictive' END
                    || ' to ' || coalesce((SELECT string_agg(
                        CASE r WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r) END, ', ')
                        FROM unnest(p.polroles) r), '')
                    || CASE WHEN pg_get_expr(p.polqual, p.polrelid) IS DISTINCT FROM 'true'
                              OR pg_get_expr(p.polwithcheck, p.polrelid) IS DISTINCT FROM 'true'
                            THEN ' (with conditions)' ELSE '' END
             FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY 1) AS policies
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2  -- not to_regclass: that wants USAGE on the schema
"""


@dataclass
class SchemaState:
    schema: str
    service: str
    owner: str | None  # None: the schema does not exist
    owner_attributes: list[str] = field(default_factory=list)  # login, superuser, ...
    others_with_access: list[str] = field(default_factory=list)


@dataclass
class TableState:
    table: str
    service: str
    exists: bool
    row_level_security: bool = False
    forced: bool = False
    policies: list[str] = field(default_factory=list)


@dataclass
class RolesReport:
    schemas: list[SchemaState]
    private_tables: list[TableState]
    problems: list[str]


async def inspect(db: asyncpg.Pool | asyncpg.Connection) -> RolesReport:
    """The catalog's view of every service's schemas and private tables, and what is wrong."""
    wanted = [(service, schema) for service in SERVICES for schema in service.schemas]
    rows = {
        r["schema"]: r for r in await db.fetch(_SCHEMAS, [schema for _, schema in wanted])
    }
    schemas: list[SchemaState] = []
    problems: list[str] = []
    owners: dict[str, set[str]] = {}
    for service, schema in wanted:
        row = rows.get(schema)
        state, wrong = _schema_state(service, schema, row)
        schemas.append(state)
        problems += wrong
        if row is not None:
            owners.setdefault(service.name, set()).add(row["owner"])
    problems += _owner_problems(owners)
    tables: list[TableState] = []
    for service in SERVICES:
        owner = next(iter(owners.get(service.name, {""})))
        for table in service.private_tables:
            row = await db.fetchrow(_PRIVATE_TABLE, *table.split(".", 1))
            table_state, wrong = _table_state(service, table, owner, row)
            tables.append(table_state)
            problems += wrong
    return RolesReport(schemas, tables, problems)


def _schema_state(service: Service, schema: str, row: asyncpg.Record | None) -> tuple[SchemaState, list[str]]:
    """A schema's state from its catalog row (``None``: it does not exist), and what is wrong with it."""
    if row is None:
        return SchemaState(schema, service.name, None), [
            f"schema {schema} does not exist: the {service.name} service has not started "
            "on this database"
        ]
    problems: list[str] = []
    attributes = ["login"] if row["login"] else []
    attributes += [name for column, name in _ATTRIBUTES.items() if row[column]]
    state = SchemaState(schema, service.name, row["owner"], attributes, list(row["others"]))
    privileged = [a for a in attributes if a != "login"]
    if privileged:
        problems.append(
            f"schema {schema} is owned by {row['owner']} ({', '.join(privileged)}): the "
            f"{service.name} service has no role of its own (start it with "
            "MIGRATION_DATABASE_URL and DATABASE_URL naming its role)"
        )
    if state.others_with_access:
        problems.append(
            f"schema {schema} (or something in it) is open to "
            f"{', '.join(state.others_with_access)} besides its owner"
        )
    return state, problems


def _owner_problems(owners: dict[str, set[str]]) -> list[str]:
    """A service whose schemas have different owners, two services sharing an owner."""
    problems: list[str] = []
    for service in SERVICES:
        if len(owners.get(service.name, set())) > 1:
            problems.append(
                f"the {service.name} service's schemas have different owners: "
                + ", ".join(sorted(owners[service.name]))
            )
    for one, other in ((a, b) for i, a in enumerate(SERVICES) for b in SERVICES[i + 1 :]):
        shared = owners.get(one.name, set()) & owners.get(other.name, set())
        if shared:
            problems.append(
                f"the {one.name} and {other.name} services' schemas have the same owner "
                f"{', '.join(sorted(shared))}: each service needs a role of its own"
            )
    return problems


def _table_state(
    service: Service, table: str, owner: str, row: asyncpg.Record | None
) -> tuple[TableState, list[str]]:
    """A private table's state from its catalog row (``None``: it does not exist), and what is wrong with it."""
    if row is None:
        return TableState(table, service.name, False), [f"table {table} does not exist"]
    problems: list[str] = []
    expected = [f"{PRIVATE_POLICY} ALL to {owner}"]
    state = TableState(table, service.name, True, row["enabled"], row["forced"], list(row["policies"]))
    if not (row["enabled"] and row["forced"]):
        problems.append(f"row level security on {table} is not enabled and forced")
    if list(row["policies"]) != expected:
        problems.append(
            f"the policies of {table} are not exactly {expected[0]!r}: "
            + ("; ".join(row["policies"]) or "none")
        )
    return state, problems


def render(report: RolesReport) -> list[str]:
    header = ("schema", "service", "owner", "owner may", "others with access")
    rows = [header] + [
        (
            s.schema,
            s.service,
            s.owner or "(missing)",
            ", ".join(s.owner_attributes) or "-",
            ", ".join(s.others_with_access) or "nobody",
        )
        for s in report.schemas
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    for t in report.private_tables:
        if not t.exists:
            lines.append(f"{t.table}: missing")
            continue
        security = "on" if t.row_level_security else "OFF"
        forced = "forced" if t.forced else "NOT forced"
        policies = "; ".join(t.policies) or "none"
        lines.append(f"{t.table}: row level security {security}, {forced}; policies: {policies}")
    if report.problems:
        lines.append("problems:")
        lines.extend(f"  - {p}" for p in report.problems)
    else:
        lines.append("no problems: each service's schemas are its own role's alone")
    return lines


def roles_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object")


async def roles_command(settings: DatabaseAdminSettings, args: argparse.Namespace) -> int:
    async with connect(settings.database_url) as pool:
        report = await inspect(pool)
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        print("\n".join(render(report)))
    return EXIT_PARTIAL if report.problems else EXIT_OK


# ---- db setup ---------------------------------------------------------------------------------


async def setup_command(settings: DatabaseSetupSettings, args: argparse.Namespace) -> int:
    """Each service's role and schemas, as its own start with MIGRATION_DATABASE_URL makes them."""
    urls = {"session": settings.session_database_url, "handler": settings.handler_database_url}
    async with connect(settings.migration_database_url) as pool, pool.acquire() as conn:
        for service in SERVICES:
            login = db.url_login(urls[service.name])
            try:
                await db.prepare(conn, service.migrations, service.role, login=login)
            except db.RoleError as exc:
                raise AdminError(f"{service.name} service: {exc}") from None
            print(
                f"{service.name}: schema {', '.join(service.schemas)} migrated, owned by role "
                f"{login.user} alone"
            )
    return EXIT_OK
