"""PostgreSQL helpers: connection pools, schema migrations that are safe to race, and the
roles the services run as.

Least privilege (docs/security.md): each service runs as a role of its own that owns its
schemas and nothing else, and no other role (PUBLIC included) has any access to them.  Tables
marked private (``session.bot_sessions``, ``session.applied_updates``) also have row level security, forced, with one
policy admitting only that role: a role given SELECT on the table by mistake reads nothing.

The roles are made by ``prepare`` from a connection that may create roles: the
``MIGRATION_DATABASE_URL`` (the service then logs in with ``DATABASE_URL`` as the role), or in
development ``DATABASE_URL`` itself when it is a superuser.  Whatever runs the migrations,
they run *as the role* (``SET LOCAL ROLE``), so they can do what the service itself could and
every object they create is the role's; a service whose ``DATABASE_URL`` is its role applies
its later migrations on its own.

Modules: ``pool`` (pools, opened migrated), ``migrations`` (``prepare``, ``migrate``), ``roles``
(the service's role, ownership, PUBLIC revoked, row level security), ``scram`` (password
verifiers), ``login`` (who a URL logs in as), ``identifiers`` (quoting, advisory lock keys).
"""

from services.common.db.identifiers import quote_ident
from services.common.db.login import Login, migration_login_problem, url_login
from services.common.db.migrations import migrate, prepare
from services.common.db.pool import create_pool, open_pool
from services.common.db.roles import PRIVATE_POLICY, RoleError, ServiceRole, ensure_role
from services.common.db.scram import scram_matches, scram_verifier

__all__ = [
    "PRIVATE_POLICY",
    "Login",
    "RoleError",
    "ServiceRole",
    "create_pool",
    "ensure_role",
    "migrate",
    "migration_login_problem",
    "open_pool",
    "prepare",
    "quote_ident",
    "scram_matches",
    "scram_verifier",
    "url_login",
]
