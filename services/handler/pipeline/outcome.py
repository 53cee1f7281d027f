"""How an update ended, as logs and metrics name it.

The values are the label values of ``pokertracker_handler_updates_processed_total`` and
``pokertracker_handler_dead_letters_total`` that the dashboards and alerts in monitoring/
select on, so they are part of the handler's interface.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """An update finished and acknowledged."""

    APPLIED = "applied"  # this run applied it: its session write was the commit point
    DUPLICATE = "duplicate"  # already applied before (a retry, a redelivery): nothing was done
    SESSION_TOO_LARGE = "session_too_large"  # refused, the user told; recorded as done


class DeadLetterReason(StrEnum):
    """Why an update was moved to the dead-letter queue instead of being applied."""

    INVALID = "invalid"  # not a Telegram update (nor an OCR reading)
    REDELIVERED = "redelivered"  # returned unfinished more than UPDATE_MAX_REDELIVERIES times
    FAILED = "failed"  # raised on each of its UPDATE_MAX_ATTEMPTS tries
