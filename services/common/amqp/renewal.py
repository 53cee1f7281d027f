"""Renewing a channel that a quorum queue's change of leader left refusing publishes.

Measured on RabbitMQ 3.10.8 (three nodes, the node leading some partitions SIGKILLed while
a publisher kept publishing): a channel that publishes to a quorum queue while the queue
elects its new leader can go on being refused (``basic.nack``) for every later message to
that queue, for as long as the channel lives, while a new channel on the same connection
publishes normally at once.  RabbitMQ keeps a quorum queue client per channel, with its own
view of the leader and of the messages in flight (rabbitmq-server issue 3671 describes its
resend protocol).  So a publisher that is refused renews its channel: closing the aiormq
channel under an aio-pika robust channel makes aio-pika open a new one in its place, with
its QoS, declarations, consumers and reopen callbacks, as after any channel error.

A channel that publishes without confirms cannot see the refusal: its messages are dropped.
The session RPC client renews its channel when a call goes unanswered instead.
"""

from __future__ import annotations

import contextlib
import logging
import time

import aiormq
from aio_pika.abc import AbstractChannel
from pamqp import commands as spec

log = logging.getLogger(__name__)

# At most one renewal per channel in this many seconds: the publishes in flight when a
# channel is renewed fail too, and must not renew the new channel again.
MIN_INTERVAL = 1.0


def refused(exc: BaseException) -> bool:
    """Whether ``exc`` is the broker refusing a confirmed publish (``basic.nack``)."""
    return isinstance(exc, aiormq.exceptions.DeliveryError) and isinstance(exc.frame, spec.Basic.Nack)


class ChannelRenewal:
    """Renews a channel, at most once per ``min_interval`` seconds."""

    def __init__(self, what: str, min_interval: float = MIN_INTERVAL) -> None:
        self._what = what
        self._min_interval = min_interval
        self._last = float("-inf")

    async def renew(self, channel: AbstractChannel | None) -> None:
        """Close the aiormq channel under ``channel``; aio-pika reopens a robust one.  Never
        raises: a channel that cannot be closed is gone already."""
        now = time.monotonic()
        if channel is None or now - self._last < self._min_interval:
            return
        self._last = now
        log.warning("renewing a channel the broker keeps refusing", extra={"channel": self._what})
        with contextlib.suppress(Exception):
            underlay = await channel.get_underlay_channel()
            await underlay.close()

