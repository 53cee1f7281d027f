"""``python -m services.gateway``"""

import signal
import sys

import uvicorn

from services.common.config import load_settings
from services.common.logs import setup_logging, url_passwords
from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main() -> None:
    settings = load_settings(GatewaySettings)
    setup_logging(
        "gateway",
        settings.log_level,
        secrets=[settings.webhook_secret.get_secret_value(), *url_passwords(settings.amqp_url)],
    )
    config = uvicorn.Config(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,  # keep our JSON logging
        access_log=False,
        # The fast implementations (uvicorn[standard]), named so that a missing one fails at
        # start instead of silently costing several times the CPU per webhook.
        http="httptools",
        loop="uvloop",
        # Nothing reads the client's address or scheme: skip X-Forwarded-* parsing per request.
        proxy_headers=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
        # Telegram keeps up to max_connections open; closing idle ones after uvicorn's 5 s
        # races its reuse of them (a failed delivery it must retry). 75 s, like nginx.
        timeout_keep_alive=75,
    )
    # Uvicorn drains in-flight requests on SIGTERM/SIGINT, then re-raises the signal once
    # its own handlers are gone; these make that final re-raise a clean exit with status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)
    uvicorn.Server(config).run()
    sys.exit(0)


if __name__ == "__main__":
    main()
