"""Settling each delivery exactly once: acknowledged when done, dead-lettered when it cannot
be done, or left unsettled for the partition's next owner when the partition is given up."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from pydantic import ValidationError

from services.common.amqp.consumer import Abandoned
from services.common.logs import user_hash
from services.handler.metrics import HandlerMetrics
from services.handler.pipeline.applying import UpdateApplier
from services.handler.pipeline.delivery import Delivery, accepted_at_ms, parse_delivery, returned
from services.handler.pipeline.limits import PipelineLimits
from services.handler.pipeline.outcome import DeadLetterReason, Outcome
from services.handler.pipeline.waiting import Patience
from shared.topology import now_ms

log = logging.getLogger(__name__)


class DeadLetterPort(Protocol):
    async def put(
        self, body: bytes, headers: dict[str, Any], *, reason: str, attempts: int, error: str
    ) -> None: ...


class Settlement:
    def __init__(
        self,
        applier: UpdateApplier,
        dead_letters: DeadLetterPort,
        *,
        instance: str,
        limits: PipelineLimits,
        metrics: HandlerMetrics,
    ) -> None:
        self._applier = applier
        self._dead_letters = dead_letters
        self._instance = instance
        self._limits = limits
        self._metrics = metrics
        # Per partition, the return count of the last update dead-lettered for coming back
        # too often.  The quorum queue counts every delivery in hand at each death, and
        # redelivered updates run one at a time in queue order, so the ones returned with it
        # (no more often than it) come after it here and are innocent: they are run.  One
        # that is poison too kills this replica, so its next owner finds it counted higher.
        self._spared: dict[str | None, int] = {}

    async def handle(self, delivery: Delivery, stopping: asyncio.Event) -> None:
        """Process a delivery and acknowledge it, or leave it unsettled if abandoned."""
        try:
            await self._settle(delivery, stopping)
        except Abandoned:
            log.info("update left to the partition's next owner", extra={"instance": self._instance})
            return
        try:
            await delivery.ack()
        except Exception as exc:
            # The broker went away after the work was done: the redelivery is a recorded no-op.
            log.warning("could not acknowledge update", extra={"error": repr(exc)})
            return
        if (accepted := accepted_at_ms(delivery)) is not None:
            self._metrics.latency.observe(max(now_ms() - accepted, 0) / 1000)

    def _patience(self, stopping: asyncio.Event, what: dict[str, Any]) -> Patience:
        return Patience(stopping, what, self._limits.max_backoff, self._metrics.dependency_retries.inc)

    async def _settle(self, delivery: Delivery, stopping: asyncio.Event) -> None:
        headers = dict(delivery.headers or {})
        what: dict[str, Any] = {"instance": self._instance, "partition": delivery.routing_key}
        try:
            update_id, incoming = parse_delivery(delivery.body, headers)
        except ValidationError as exc:
            log.warning("not a Telegram update, dead-lettered", extra={**what, "errors": exc.error_count()})
            await self._bury(
                delivery, headers, DeadLetterReason.INVALID, 1, f"not a Telegram update: {exc}",
                self._patience(stopping, what),
            )
            return
        what["update_id"] = update_id
        if incoming is None:
            log.info("update ignored: nothing for the bot", extra=what)
            return
        what |= {"user": user_hash(incoming.user_id), "kind": incoming.kind}
        patience = self._patience(stopping, what)

        count = returned(headers)
        if count > self._limits.max_redeliveries and count > self._spared.get(delivery.routing_key, -1):
            # What was in hand with it at every death was returned as often: those behind it
            # on this partition, at this count or below, are run (see ``_spared``).
            self._spared[delivery.routing_key] = count
            deliveries = count + 1
            log.error("update keeps coming back unfinished, dead-lettered", extra={**what, "deliveries": deliveries})
            await self._bury(
                delivery, headers, DeadLetterReason.REDELIVERED, deliveries,
                f"delivered {deliveries} times without finishing", patience,
            )
            return

        started_at, started = time.time(), time.monotonic()
        max_attempts = self._limits.max_attempts
        for attempt in range(1, max_attempts + 1):
            try:
                outcome = await patience.wait_out(lambda: self._applier.apply(incoming, update_id, patience))
                break
            except Abandoned:
                raise
            except Exception as exc:
                self._metrics.failed.labels(incoming.kind).inc()
                if attempt < max_attempts:
                    log.exception("update failed, trying again", extra={**what, "attempt": attempt})
                    await patience.pause(self._limits.failure_pause * attempt)
                    continue
                log.exception("update failed every try, dead-lettered", extra={**what, "attempt": attempt})
                await self._bury(
                    delivery, headers, DeadLetterReason.FAILED, attempt, f"{type(exc).__name__}: {exc}", patience
                )
                return
        finished_at, elapsed = time.time(), time.monotonic() - started
        self._metrics.processed.labels(incoming.kind, outcome.value).inc()
        self._metrics.processing.labels(incoming.kind).observe(elapsed)
        extra = {
            **what,
            "outcome": outcome.value,
            "redelivered": bool(delivery.redelivered),
            "ms": round(elapsed * 1000, 1),
            "started_at": started_at,
            "finished_at": finished_at,
        }
        if (accepted := accepted_at_ms(delivery)) is not None:
            extra["since_accepted_ms"] = round(finished_at * 1000 - accepted, 1)
        log.info("update already applied, skipped" if outcome is Outcome.DUPLICATE else "update processed", extra=extra)

    async def _bury(
        self,
        delivery: Delivery,
        headers: dict[str, Any],
        reason: DeadLetterReason,
        attempts: int,
        error: str,
        patience: Patience,
    ) -> None:
        async def put() -> None:
            await self._dead_letters.put(delivery.body, headers, reason=reason.value, attempts=attempts, error=error)

        await patience.wait_out(put)
        self._metrics.dead_letters.labels(reason.value).inc()
