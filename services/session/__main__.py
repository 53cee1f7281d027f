"""``python -m services.session``"""

import asyncio

from services.common.config import load_settings
from services.common.logs import setup_logging, url_password, url_passwords
from services.session.app import create_app
from services.session.settings import SessionSettings


def main() -> None:
    settings = load_settings(SessionSettings)
    setup_logging(
        "session",
        settings.log_level,
        secrets=[
            url_password(settings.database_url),
            *url_passwords(settings.amqp_url),
            url_password(settings.migration_database_url or ""),
        ],
    )
    asyncio.run(create_app(settings).run())


if __name__ == "__main__":
    main()
