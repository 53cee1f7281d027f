"""The update message: what the gateway publishes and the handlers consume (and dead-letter).

The body is Telegram's Update JSON exactly as Telegram posted it to the webhook; this model
documents it for the AsyncAPI description (``docs/asyncapi.json``), it does not reshape it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

UPDATE_DESCRIPTION = (
    "A Telegram Update, unchanged. Routed to partition queue `{ns}.updates.pNNN` by routing "
    "key `p<hash(sender id) mod UPDATE_PARTITIONS>`. Headers: `x-update-id` (int), "
    "`x-user-id` (int, absent without a sender), `x-accepted-at-ms` (int, ms since the epoch); "
    "a dead letter adds `x-dead-reason`, `x-dead-attempts`, `x-dead-error`, `x-dead-at-ms`, "
    "`x-dead-instance`; a replayed one `x-replayed-at-ms`. Persistent, message_id = update_id."
)


class TelegramUpdate(BaseModel):
    """See https://core.telegram.org/bots/api#update; every field Telegram sends is kept."""

    model_config = ConfigDict(extra="allow", title="TelegramUpdate")

    update_id: int = Field(ge=0, description="Telegram's unique id of the update")
