"""The gateway's per-user flood limit as pure logic, on a fake clock."""

from __future__ import annotations

import json

import pytest

from services.common.logs import user_hash
from services.gateway.flood import FloodGuard, FloodLimiter, reply_target
from services.gateway.settings import GatewaySettings
from services.gateway.texts import EN, RU, texts_for

SECRET = "s3cret_" + "x" * 40


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, rate: float = 2.0, burst: int = 5, notice: float = 10.0, **kw) -> FloodLimiter:
    return FloodLimiter(rate, burst, notice, clock=clock, **kw)


def admitted(limiter: FloodLimiter, user_id: int, n: int) -> int:
    return sum(limiter.admit(user_id) for _ in range(n))


def test_a_burst_passes_then_the_rest_is_throttled() -> None:
    clock = Clock()
    lim = limiter(clock)
    assert admitted(lim, 1, 100) == 5
    assert admitted(lim, 2, 3) == 3, "another user has a bucket of their own"


def test_tokens_come_back_at_the_rate_and_never_above_the_burst() -> None:
    clock = Clock()
    lim = limiter(clock, rate=2.0, burst=5)
    assert admitted(lim, 1, 5) == 5 and not lim.admit(1)
    clock.now += 0.49
    assert not lim.admit(1)
    clock.now += 0.02  # 0.51 s at 2/s: one token
    assert lim.admit(1) and not lim.admit(1)
    clock.now += 1.5  # three tokens
    assert admitted(lim, 1, 10) == 3
    clock.now += 3600  # an hour idle refills to the burst, not beyond
    assert admitted(lim, 1, 100) == 5


def test_a_sustained_flood_gets_burst_plus_rate_times_time() -> None:
    clock = Clock()
    lim = limiter(clock, rate=3.0, burst=20)
    passed = 0
    for _ in range(10_000):  # 1000 updates a second for 10 s
        passed += lim.admit(7)
        clock.now += 0.001
    assert 20 + 3 * 10 - 1 <= passed <= 20 + 3 * 10 + 1


def test_the_notice_is_due_once_per_window() -> None:
    clock = Clock()
    lim = limiter(clock, rate=1.0, burst=1, notice=10.0)
    lim.admit(1)
    dues = []
    for _ in range(300):  # 30 s of 10 updates a second
        clock.now += 0.1
        if not lim.admit(1):
            dues.append(lim.notice_due(1))
    assert sum(dues) == 3
    assert dues[0] is True, "the first skipped update is told at once"


def test_a_refund_gives_the_token_back() -> None:
    clock = Clock()
    lim = limiter(clock, burst=2)
    assert lim.admit(1) and lim.admit(1) and not lim.admit(1)
    lim.refund(1)
    assert lim.admit(1) and not lim.admit(1)
    lim.refund(99)  # nobody: nothing happens
    assert len(lim) == 1


def test_idle_buckets_are_dropped() -> None:
    clock = Clock()
    lim = limiter(clock, rate=2.0, burst=4, notice=10.0)
    for user in range(1000):
        lim.admit(user)
    assert len(lim) == 1000
    clock.now += 0.6  # refilled to full: the same as no bucket
    lim.admit(5000)
    assert len(lim) == 1


def test_an_open_notice_window_keeps_the_bucket() -> None:
    clock = Clock()
    lim = limiter(clock, rate=2.0, burst=2, notice=10.0)
    assert admitted(lim, 1, 3) == 2
    assert lim.notice_due(1)
    clock.now += 5  # full again, but told 5 s ago: told again only after 10 s
    lim.admit(2)
    assert len(lim) == 2
    assert admitted(lim, 1, 3) == 2 and not lim.notice_due(1)
    clock.now += 5.1
    assert admitted(lim, 1, 3) == 2 and lim.notice_due(1)


def test_at_most_max_users_buckets_the_least_recently_seen_go_first() -> None:
    clock = Clock()
    lim = limiter(clock, rate=0.001, burst=1, max_users=100)
    for user in range(100):
        lim.admit(user)
    assert not lim.admit(0)  # user 0 is now the most recently seen
    lim.admit(100)  # over the cap: user 1 goes
    assert len(lim) == 100
    assert not lim.admit(0), "user 0 was seen recently and kept its empty bucket"
    assert lim.admit(1), "user 1 was evicted and starts afresh"
    for user in range(1000, 100_000):
        lim.admit(user)
    assert len(lim) == 100


def test_invalid_limits_are_refused() -> None:
    for rate, burst, notice in ((0, 1, 1), (1, 0, 1), (1, 1, 0)):
        with pytest.raises(ValueError):
            FloodLimiter(rate, burst, notice)


def settings(**kw) -> GatewaySettings:
    return GatewaySettings(amqp_url="amqp://x", webhook_secret=SECRET, **kw)


def test_a_rate_of_zero_turns_the_limit_off() -> None:
    assert FloodGuard.from_settings(settings(flood_rate_per_second=0)) is None
    assert FloodGuard.from_settings(settings()) is not None


def test_defaults_let_a_real_player_through_and_stop_a_flood() -> None:
    s = settings()
    assert (s.flood_rate_per_second, s.flood_burst, s.flood_notice_seconds) == (3.0, 20, 10.0)
    clock = Clock()
    lim = FloodLimiter(s.flood_rate_per_second, s.flood_burst, s.flood_notice_seconds, clock=clock)
    # An album of 10 ticket photos and a few quick taps at once, then a message a second.
    assert admitted(lim, 1, 14) == 14
    for _ in range(120):
        clock.now += 1.0
        assert lim.admit(1)
    # A script sending 300 a second for 2 s gets 20 + 3 x 2 of its 600 through.
    passed = 0
    for _ in range(600):
        clock.now += 1 / 300
        passed += lim.admit(2)
    assert passed <= 27


def message(user: int, chat: int, language: str | None = "en", update_id: int = 1) -> dict:
    sender = {"id": user, "is_bot": False, "first_name": "F"}
    if language is not None:
        sender["language_code"] = language
    return {"update_id": update_id, "message": {"message_id": 1, "from": sender,
                                                "chat": {"id": chat, "type": "private"}, "text": "x"}}


def callback(user: int, language: str = "en") -> dict:
    return {"update_id": 2, "callback_query": {
        "id": "cq-1", "from": {"id": user, "is_bot": False, "first_name": "F", "language_code": language},
        "chat_instance": "1", "data": "x"}}


def test_reply_target_finds_the_chat_or_the_callback_query() -> None:
    assert reply_target(message(1, 2, "ru-RU")) == reply_target(message(1, 2, "ru-RU"))
    target = reply_target(message(1, 2, "ru-RU"))
    assert (target.chat_id, target.language_code, target.callback_query_id) == (2, "ru-RU", None)
    target = reply_target(callback(1))
    assert (target.callback_query_id, target.chat_id) == ("cq-1", None)
    assert reply_target({"update_id": 3, "poll": {"id": "p"}}).chat_id is None


def test_the_guard_answers_in_the_users_language_and_always_answers_button_presses() -> None:
    clock = Clock()
    throttled = []
    guard = FloodGuard(limiter(clock, rate=1.0, burst=1, notice=10.0), lambda: throttled.append(1))
    body = lambda update: json.dumps(update).encode()  # noqa: E731
    assert guard.check(1, body(message(1, 1, "ru"))) is None
    assert guard.check(1, body(message(1, 1, "ru"))) == {
        "method": "sendMessage", "chat_id": 1, "text": RU.flood_message}
    assert guard.check(1, body(message(1, 1, "ru"))) == {"ok": True}, "told once per window"
    for _ in range(3):
        assert guard.check(1, body(callback(1, "ru"))) == {
            "method": "answerCallbackQuery", "callback_query_id": "cq-1", "text": RU.flood_callback}
    assert guard.check(2, body(message(2, 2, None))) is None
    assert guard.check(2, body(message(2, 2, None)))["text"] == EN.flood_message
    assert guard.check(None, body({"update_id": 5, "channel_post": {}})) is None, "no sender, no limit"
    assert len(throttled) == 6


def test_texts_follow_the_language_code() -> None:
    assert texts_for("ru") is RU and texts_for("RU-ru") is RU and texts_for("ru-UA") is RU
    assert texts_for("en") is EN and texts_for(None) is EN and texts_for("uk") is EN and texts_for("rus") is EN


def test_the_pseudonym_hides_the_user_and_tells_users_apart() -> None:
    # One function for every service (services.common.logs), so a user's lines match up.
    assert user_hash(123456789) == user_hash(123456789) != user_hash(123456780)
    assert "123456789" not in user_hash(123456789) and len(user_hash(123456789)) == 12
