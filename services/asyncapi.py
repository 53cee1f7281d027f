"""The AsyncAPI description of every message the services exchange, generated from their
FastStream brokers (the same objects the services run with, never connected here).

    python -m services.asyncapi            # print it
    python -m services.asyncapi --write    # update docs/asyncapi.json

``tests/unit/test_asyncapi.py`` fails when the committed file is out of date.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from faststream.specification import AsyncAPI

from services.gateway.publisher import describe_publication, make_broker
from services.handler.app import create_app as create_handler
from services.handler.settings import HandlerSettings
from services.ocr.app import create_app as create_ocr
from services.ocr.settings import OcrSettings
from services.session.app import create_app as create_session
from services.session.settings import SessionSettings
from shared.topology import Topology

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.json"

# Placeholders: building the apps reads settings but connects to nothing.
AMQP_URL = "amqp://rabbitmq:5672/"
DATABASE_URL = "postgresql://postgres/pokertracker"


def build() -> str:
    gateway = make_broker(AMQP_URL)
    describe_publication(gateway, Topology())
    common = {"amqp_url": AMQP_URL, "database_url": DATABASE_URL}
    handler_settings = HandlerSettings.model_validate(
        {**common, "instance_name": "handler", "bot_token": "0:docs"}
    )
    handler = create_handler(handler_settings).broker
    session = create_session(SessionSettings.model_validate(common)).broker
    ocr = create_ocr(OcrSettings.model_validate({"amqp_url": AMQP_URL, "bot_token": "0:docs"})).broker
    assert handler is not None and session is not None and ocr is not None
    spec = AsyncAPI(
        gateway,
        handler,
        session,
        ocr,
        title="PokerTracker",
        version="1",
        description=(
            "Messages between the gateway, the handler replicas, the session service and the "
            "OCR service "
            "(AMQP_NAMESPACE `pokertracker`, UPDATE_PARTITIONS 64). See docs/architecture.md "
            "and docs/reliability.md."
        ),
    ).to_specification()
    return json.dumps(spec.to_jsonable(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.asyncapi", description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {DOCUMENT.name} instead of printing")
    args = parser.parse_args(argv)
    document = build()
    if args.write:
        DOCUMENT.write_text(document)
    else:
        print(document, end="")


if __name__ == "__main__":
    main()
