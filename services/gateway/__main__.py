"""``python -m services.gateway``"""

import uvicorn

from services.common.config import load_settings
from services.common.logs import setup_logging, url_password
from services.gateway.app import create_app
from services.gateway.settings import GatewaySettings


def main() -> None:
    settings = load_settings(GatewaySettings)
    setup_logging("gateway", settings.log_level, secrets=[settings.webhook_secret.get_secret_value(), url_password(settings.amqp_url)])
    config = uvicorn.Config(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,  # keep our JSON logging
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
