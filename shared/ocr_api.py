"""Contract between the handler and the OCR service.

1. A user sends a ticket photo.  The handler answers "reading…" and publishes an ``OcrJob``
   to ``Topology.ocr_queue``, so slow OCR never holds up any partition of updates.
2. The OCR service downloads the file from the Bot API, reads it, and publishes a
   ``TicketRead`` to the updates exchange with the user's partition routing key and the
   header ``x-kind: ticket-read``.  It then reaches the user's conversation in order with the
   user's other updates, through the same deduplication: its ``event_id`` is the negative of
   the photo's update_id, so it never collides with a Telegram update_id of that user.

Both messages are persistent and published with confirms; the OCR service acknowledges a job
only once its ``TicketRead`` is confirmed, so a crash repeats the job instead of losing it
(the repeat is deduplicated by ``event_id``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

KIND_TICKET_READ = "ticket-read"


def ticket_event_id(photo_update_id: int) -> int:
    """The id under which a ticket's reading is deduplicated: never a Telegram update_id."""
    return -abs(photo_update_id) if photo_update_id else -1


class OcrJob(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: int = Field(description="Telegram user id of the sender")
    chat_id: int
    update_id: int = Field(description="update_id of the message that carried the photo")
    file_id: str = Field(min_length=1, max_length=512, description="Bot API file_id to read")
    language_code: str | None = None


class TicketFields(BaseModel):
    """What could be read off a ticket; ``None`` where a field was not found."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=100)
    played_on: date | None = None
    buy_in: Decimal | None = Field(None, ge=0, decimal_places=2)
    fee: Decimal | None = Field(None, ge=0, decimal_places=2)
    starting_stack: int | None = Field(None, ge=0)
    venue: str | None = Field(None, max_length=100)
    currency: str | None = Field(None, pattern="^[A-Z]{3}$")


class TicketRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: int
    chat_id: int
    event_id: int = Field(lt=0, description="ticket_event_id(OcrJob.update_id)")
    language_code: str | None = None
    status: Literal["read", "unreadable", "unavailable"] = Field(
        description=(
            "read: some fields were found; unreadable: OCR ran and found nothing usable; "
            "unavailable: the file could not be fetched or is not an image"
        )
    )
    fields: TicketFields = Field(default_factory=lambda: TicketFields.model_validate({}))
