"""The aiormq channel under an aio-pika robust channel: where every hot path publishes and
consumes.

aio-pika opens, watches and (after a reconnection) reopens each channel, with its QoS,
declarations and reopen callbacks; publishing and consuming on the aiormq channel beneath
skips aio-pika's Message objects, which cost more CPU than the rest of a round trip.  The
aiormq channel is replaced by a new one whenever aio-pika reopens the robust channel, so it
is looked up again once the one in hand is closed.
"""

from __future__ import annotations

import aiormq
from aio_pika.abc import AbstractChannel

from services.common.amqp.renewal import MIN_INTERVAL, ChannelRenewal


async def raw_channel(channel: AbstractChannel) -> aiormq.Channel:
    """The aiormq channel under ``channel`` now (a new one after a robust reconnection)."""
    underlay = await channel.get_underlay_channel()
    if not isinstance(underlay, aiormq.Channel):  # pragma: no cover - aio-pika's own type
        raise TypeError(f"unexpected channel {type(underlay).__name__}")
    return underlay


class RawChannel:
    """An aio-pika channel and the aiormq channel under it, kept current.

    ``renew`` closes the aiormq channel after the broker refused a publish on it, so that
    aio-pika opens a fresh one (renewal.py), at most once per ``min_interval`` seconds.
    """

    def __init__(self, channel: AbstractChannel, what: str, *, min_interval: float = MIN_INTERVAL) -> None:
        self.channel = channel
        self._underlay: aiormq.Channel | None = None
        self._renewal = ChannelRenewal(what, min_interval)

    @property
    def is_open(self) -> bool:
        return not self.channel.is_closed

    @property
    def current(self) -> aiormq.Channel | None:
        """The aiormq channel in hand, if it is still open (no await: the hot paths' case)."""
        underlay = self._underlay
        return underlay if underlay is not None and not underlay.is_closed else None

    async def get(self) -> aiormq.Channel:
        """The aiormq channel to use now."""
        underlay = self._underlay
        if underlay is None or underlay.is_closed:
            underlay = self._underlay = await raw_channel(self.channel)
        return underlay

    async def renew(self) -> None:
        """Have aio-pika replace the aiormq channel; never raises."""
        await self._renewal.renew(self.channel)

    async def close(self) -> None:
        self._underlay = None
        if not self.channel.is_closed:
            await self.channel.close()
