"""``python -m services.ocr``"""

import asyncio
import sys

from services.common.config import load_settings
from services.common.logs import setup_logging, url_passwords
from services.ocr.app import create_app
from services.ocr.engine import tesseract_problem
from services.ocr.settings import OcrSettings


def main() -> None:
    settings = load_settings(OcrSettings)
    token = settings.bot_token.get_secret_value()
    setup_logging(
        "ocr",
        settings.log_level,
        # The part after the colon too: a URL may carry the colon encoded as %3A.
        secrets=[token, token.partition(":")[2], *url_passwords(settings.amqp_url)],
    )
    problem = tesseract_problem(settings.ocr_languages)
    if problem:
        print(f"ocr: {problem}", file=sys.stderr)
        raise SystemExit(2)
    asyncio.run(create_app(settings).run())


if __name__ == "__main__":
    main()
