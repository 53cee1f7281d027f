"""Bring up the whole development stack on this machine: ``python -m devkit.stack``.

PostgreSQL and RabbitMQ are the ones ``DATABASE_URL`` and ``AMQP_URL`` name where they answer;
where nothing answers on this machine, the stack starts private instances of its own under
``.run/servers`` (installing the packages first if missing) and stops them when it stops,
their data kept for the next start (``--fresh`` deletes it first); see
``devkit.local_servers``.  The database is created if missing.

Without ``BOT_TOKEN`` in the environment the stack makes up a token and a webhook secret,
starts the fake Telegram, the session service, ``HANDLER_REPLICAS`` handler replicas, the OCR
service (ticket photos; it needs tesseract, see ``scripts/system-deps``) and the gateway, waits
until they answer, and opens the terminal chat (``devkit.chat``).  With ``BOT_TOKEN`` set it
talks to the real Telegram instead, needs ``WEBHOOK_SECRET``, and runs headless until Ctrl-C.

Each process writes to ``.run/logs/<name>.log`` under the repository root (``--run-dir``
puts ``logs/`` and ``servers/`` elsewhere).  Ctrl-C, the end of
the chat or SIGTERM stop every process: SIGTERM first, SIGKILL after 15 seconds.

Environment (defaults): ``AMQP_URL`` (amqp://guest:guest@127.0.0.1:5672/), ``DATABASE_URL``
(postgresql://postgres@127.0.0.1:5432/pokertracker), ``GATEWAY_PORT`` (8080),
``FAKE_TELEGRAM_PORT`` (8081), ``HANDLER_REPLICAS`` (2); ``AMQP_NAMESPACE``, ``LOG_LEVEL``,
``GATEWAY_HOST`` and ``TELEGRAM_API_URL`` are passed on to the services.
"""

from devkit.stack.cli import main, parse_args
from devkit.stack.config import DEFAULT_DATABASE_URL, RUN_DIR, StackConfig, StackError, build_config

__all__ = ["DEFAULT_DATABASE_URL", "RUN_DIR", "StackConfig", "StackError", "build_config", "main", "parse_args"]
