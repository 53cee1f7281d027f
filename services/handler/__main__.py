"""``python -m services.handler``"""

import asyncio

from services.common.config import load_settings
from services.common.logs import setup_logging, url_password, url_passwords
from services.handler.app import create_app
from services.handler.settings import HandlerSettings


def main() -> None:
    settings = load_settings(HandlerSettings)
    setup_logging(
        "handler",
        settings.log_level,
        secrets=[
            settings.bot_token.get_secret_value(),
            url_password(settings.database_url),
            *url_passwords(settings.amqp_url),
            url_password(settings.migration_database_url or ""),
        ],
    )
    asyncio.run(create_app(settings).run())


if __name__ == "__main__":
    main()
