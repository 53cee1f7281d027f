"""The published message contracts (docs/asyncapi.json) match the code."""

from __future__ import annotations

import json

from services import asyncapi


def test_the_committed_asyncapi_document_is_up_to_date() -> None:
    generated = asyncapi.build()
    assert asyncapi.DOCUMENT.read_text() == generated, (
        "docs/asyncapi.json is out of date: run `python -m services.asyncapi --write`"
    )


def test_it_describes_every_message_the_services_exchange() -> None:
    document = json.loads(asyncapi.build())
    assert document["asyncapi"].startswith("3.")
    titles = set(document["channels"])
    assert {"gateway: accepted update", "handler: dead letter", "session: batch"} <= titles
    schemas = set(document["components"]["schemas"])
    assert {"TelegramUpdate", "SessionBatch", "SessionBatchReply", "GetSession", "UpdateSession",
            "SessionSnapshot", "SessionSaved", "SessionConflict", "SessionDuplicate",
            "SessionTooLarge", "SessionError"} <= schemas
