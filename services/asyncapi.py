"""The AsyncAPI 3.0 description of every message the services exchange, generated from the
contracts in ``shared/`` (their pydantic models' JSON schemas) and the queue and exchange
names of ``shared.topology`` for the default namespace.

    python -m services.asyncapi            # print it
    python -m services.asyncapi --write    # update docs/asyncapi.json

``tests/unit/test_asyncapi.py`` fails when the committed file is out of date.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import TypeAdapter

from services.common.amqp.rpc import REPLY_TO
from shared.ocr_api import OcrJob, TicketRead
from shared.reminder_api import ReminderDue
from shared.session_api import BatchReply, SessionBatch
from shared.topology import Exchange, Queue, Topology
from shared.update_message import UPDATE_DESCRIPTION, TelegramUpdate

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.json"
SCHEMAS = "#/components/schemas/{model}"
BINDING_VERSION = "0.3.0"
PERSISTENT = 2

SESSION_DESCRIPTION = (
    "Request/reply (reply_to, correlation_id): a SessionBatch of gets and compare-and-set "
    "writes. Replies with a SessionBatchReply (kind=batch) holding one outcome per item in "
    "order: for a get a SessionSnapshot (kind=session; applied=true when its update_id was "
    "already applied); for a write SessionSaved (kind=saved; written=false when the data was "
    "unchanged), SessionConflict (kind=conflict), SessionDuplicate (kind=duplicate: update_id "
    "already applied), SessionTooLarge (kind=too_large: over SESSION_MAX_BYTES; nothing "
    "written); for either a SessionError (kind=error, code internal: nothing applied, send "
    "again). A body that is not a batch gets a SessionError (code bad_request). See "
    "shared/session_api.py."
)
REPLY_DESCRIPTION = (
    "The reply to a SessionBatch, sent to its reply_to (RabbitMQ's direct reply-to) with its "
    "correlation_id: a SessionBatchReply, or a SessionError for a body that is not a batch."
)
JOB_DESCRIPTION = (
    "A ticket photo to read (shared/ocr_api.py OcrJob), published by the handler. The OCR "
    "service downloads it with getFile, reads it with tesseract and publishes a TicketRead "
    "to the user's update partition; the job is acknowledged only after that publish is "
    "confirmed. An invalid job is rejected."
)
READ_DESCRIPTION = (
    "What the OCR service read off a ticket photo (shared/ocr_api.py TicketRead), published "
    "to the updates exchange with the user's partition routing key and headers "
    "x-kind=ticket-read, x-user-id, x-update-id=event_id (the negative of the photo's "
    "update_id) and x-accepted-at-ms; persistent, confirmed, mandatory."
)
REMINDER_DESCRIPTION = (
    "A result reminder that fell due (shared/reminder_api.py ReminderDue), published by a "
    "handler replica's scheduler to the updates exchange with the player's partition routing "
    "key and headers x-kind=reminder, x-user-id, x-update-id=event_id (-(2**52 + tournament "
    "id)) and x-accepted-at-ms; persistent, confirmed, mandatory. Published again after a "
    "crash with the same event_id, so it is applied once."
)


@dataclass(frozen=True)
class Operation:
    """One service's side of one message: what it sends to (an exchange, or a queue by the
    default exchange) or receives from (a queue), and the message's payload type."""

    title: str
    action: Literal["send", "receive"]
    to: Exchange | Queue
    payload: Any  # a pydantic model, or a type TypeAdapter takes
    description: str
    confirmed: bool = True  # persistent, mandatory, confirmed (a send)


def operations(topology: Topology) -> list[Operation]:
    return [
        Operation("gateway: accepted update", "send", topology.updates_exchange, TelegramUpdate,
                  UPDATE_DESCRIPTION),
        Operation("handler: dead letter", "send", topology.dead_letters_queue, TelegramUpdate,
                  "An update that failed every try, for `pokertracker-admin dead-letters`. "
                  + UPDATE_DESCRIPTION),
        Operation("handler: ticket photo to read", "send", topology.ocr_queue, OcrJob,
                  "A ticket photo a user sent, for the OCR service."),
        Operation("ocr: job", "receive", topology.ocr_queue, OcrJob, JOB_DESCRIPTION),
        Operation("ocr: ticket read", "send", topology.updates_exchange, TicketRead, READ_DESCRIPTION),
        Operation("handler: result reminder", "send", topology.updates_exchange, ReminderDue,
                  REMINDER_DESCRIPTION),
        Operation("session: batch", "receive", topology.session_requests_queue, SessionBatch,
                  SESSION_DESCRIPTION),
        Operation("session: batch reply", "send", Queue(REPLY_TO, durable=False), BatchReply,
                  REPLY_DESCRIPTION, confirmed=False),
    ]  # fmt: skip


def _channel(operation: Operation) -> dict[str, Any]:
    to = operation.to
    amqp: dict[str, Any] = {"bindingVersion": BINDING_VERSION}
    channel: dict[str, Any] = {"description": operation.description}
    if isinstance(to, Exchange):
        amqp |= {"is": "routingKey", "exchange": {
            "name": to.name, "type": to.type, "durable": to.durable, "autoDelete": False, "vhost": "/"}}
    elif operation.action == "send":  # to a queue, by the default exchange
        channel["address"] = to.name
        amqp |= {"is": "routingKey", "exchange": {"type": "default", "vhost": "/"}}
    else:
        channel["address"] = to.name
        amqp |= {"is": "queue", "queue": {
            "name": to.name, "durable": to.durable, "exclusive": False, "autoDelete": False, "vhost": "/"}}
    message = f"#/components/messages/{quote(operation.title, safe=':')}"
    channel |= {"bindings": {"amqp": amqp}, "messages": {"Message": {"$ref": message}},
                "servers": [{"$ref": "#/servers/development"}]}  # fmt: skip
    return channel


def _operation(operation: Operation) -> dict[str, Any]:
    amqp: dict[str, Any] = {"bindingVersion": BINDING_VERSION, "ack": True}
    if operation.action == "send" and operation.confirmed:
        amqp |= {"deliveryMode": PERSISTENT, "mandatory": True}
    if isinstance(operation.to, Queue):
        amqp["cc"] = [operation.to.name]
    channel = f"#/channels/{quote(operation.title, safe=':')}"
    return {
        "action": operation.action,
        "bindings": {"amqp": amqp},
        "channel": {"$ref": channel},
        "messages": [{"$ref": f"{channel}/messages/Message"}],
    }


def _payload(payload: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """The payload's schema (a reference when it is a model), its models added to ``schemas``."""
    schema = TypeAdapter(payload).json_schema(ref_template=SCHEMAS)
    schemas.update(schema.pop("$defs", {}))
    title = schema.get("title")
    if isinstance(payload, type) and title:
        schemas[title] = schema
        return {"$ref": SCHEMAS.format(model=title)}
    return schema


def build() -> str:
    topology = Topology()
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for operation in operations(topology):
        messages[operation.title] = {
            "title": operation.title,
            "contentType": "application/json",
            "correlationId": {"location": "$message.header#/correlation_id"},
            "payload": _payload(operation.payload, schemas),
        }
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "PokerTracker",
            "version": "1",
            "description": (
                "Messages between the gateway, the handler replicas, the session service and "
                f"the OCR service (AMQP_NAMESPACE `{topology.namespace}`, UPDATE_PARTITIONS "
                f"{topology.partitions}). See docs/architecture.md and docs/reliability.md."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {"development": {
            "host": "rabbitmq:5672", "pathname": "/", "protocol": "amqp", "protocolVersion": "0.9.1"}},
        "channels": {op.title: _channel(op) for op in operations(topology)},
        "operations": {op.title: _operation(op) for op in operations(topology)},
        "components": {"messages": messages, "schemas": schemas},
    }  # fmt: skip
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


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
