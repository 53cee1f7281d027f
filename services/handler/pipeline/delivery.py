"""What a partition delivers, and what the pipeline reads of it."""

from __future__ import annotations

from typing import Any, Protocol

from services.handler.telegram import Incoming, Update, reminder_incoming, ticket_incoming, to_incoming
from shared.ocr_api import KIND_TICKET_READ, TicketRead
from shared.reminder_api import KIND_REMINDER, ReminderDue
from shared.topology import HEADER_ACCEPTED_AT, HEADER_DELIVERY_COUNT, HEADER_KIND


class Delivery(Protocol):
    """What the pipeline needs of a RabbitMQ delivery (aio-pika's IncomingMessage fits)."""

    @property
    def body(self) -> bytes: ...
    @property
    def headers(self) -> Any: ...
    @property
    def redelivered(self) -> bool | None: ...
    @property
    def routing_key(self) -> str | None: ...
    async def ack(self, multiple: bool = False) -> None: ...


def returned(headers: dict[str, Any]) -> int:
    """How many times the partition returned this delivery unacknowledged before: a replica
    died with it, or gave its partition up (hand-over, shutdown) with it in hand."""
    value = headers.get(HEADER_DELIVERY_COUNT)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def accepted_at_ms(delivery: Delivery) -> int | None:
    """When the gateway accepted the update (its header), if it says."""
    value = (delivery.headers or {}).get(HEADER_ACCEPTED_AT)
    return value if isinstance(value, int) else None


def parse_delivery(body: bytes, headers: dict[str, Any]) -> tuple[int, Incoming | None]:
    """The delivery's dedupe id and what the conversation sees of it (``None``: nothing).

    A partition carries Telegram updates and, marked by ``x-kind``, the OCR service's
    readings of ticket photos and the handlers' result reminders.  Raises ``ValidationError``
    for anything else.
    """
    if headers.get(HEADER_KIND) == KIND_TICKET_READ:
        ticket = TicketRead.model_validate_json(body)
        return ticket.event_id, ticket_incoming(ticket)
    if headers.get(HEADER_KIND) == KIND_REMINDER:
        reminder = ReminderDue.model_validate_json(body)
        return reminder.event_id, reminder_incoming(reminder)
    update = Update.model_validate_json(body)
    return update.update_id, to_incoming(update)
