"""Properties of the gateway's pure checks (services/gateway/webhook.py), for any input.

``expected_update`` is an oracle written from the contract, not from the code: a body is
accepted when it is UTF-8 JSON (RFC 8259: no BOM, no lone surrogate) holding an object
whose ``update_id`` is an integer in 0..2^63-1 and whose sender (the ``from`` of the first
object-valued field that has one), if any, has an integer id within 64 bits.  The same
strategies and oracle drive the fuzzing of the real gateway over HTTP
(tests/integration/test_gateway_fuzz.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.gateway.app import _declared_too_large
from services.gateway.webhook import (
    MAX_UPDATE_ID,
    AcceptedUpdate,
    Rejection,
    check_secret,
    parse_update,
    sender_id,
)
from shared.update_message import TelegramUpdate

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Nesting the handlers' JSON parser certainly reads (below) or certainly refuses (above); in
# between it is the parser's own limit (about 200 levels), which the oracle leaves open.
SURELY_READ_DEPTH, SURELY_REFUSED_DEPTH = 64, 256
PROPERTY_SETTINGS = settings(
    max_examples=1500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ------------------------------------------------------------------------------------ oracle


@dataclass(frozen=True)
class Expected:
    accept: bool | None  # None: either way (nesting at the parser's limit)
    update_id: int | None = None
    user_id: int | None = None  # the sender, when accepted and it has one

    @property
    def partition_key(self) -> int | None:
        return self.user_id if self.user_id is not None else self.update_id


REFUSED = Expected(False)


def _walk(value: Any) -> tuple[int, bool]:
    """(nesting depth, whether any string or key holds a lone surrogate), without recursion."""
    deepest, surrogate = 0, False
    stack = [(value, 1)]
    while stack:
        v, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(v, str):
            surrogate = surrogate or any("\ud800" <= c <= "\udfff" for c in v)
        elif isinstance(v, list):
            stack.extend((item, depth + 1) for item in v)
        elif isinstance(v, dict):
            stack.extend((key, depth) for key in v)
            stack.extend((item, depth + 1) for item in v.values())
    return deepest, surrogate


def _is_int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def expected_update(body: bytes) -> Expected:
    try:
        text = body.decode("utf-8")  # strict: a lone surrogate encoded in UTF-8 fails here
        data = json.loads(text)  # refuses a BOM
    except (ValueError, RecursionError):
        return REFUSED
    depth, surrogate = _walk(data)
    if surrogate or depth > SURELY_REFUSED_DEPTH:
        return REFUSED
    if not isinstance(data, dict) or not _is_int(data.get("update_id"), 0, MAX_UPDATE_ID):
        return REFUSED
    user_id = None
    for key, value in data.items():
        if key != "update_id" and isinstance(value, dict) and isinstance(value.get("from"), dict):
            user_id = value["from"].get("id")
            if not _is_int(user_id, INT64_MIN, INT64_MAX):
                return REFUSED
            break
    return Expected(True if depth <= SURELY_READ_DEPTH else None, data["update_id"], user_id)


# -------------------------------------------------------------------------------- strategies

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)  # surrogates too
WILD_INTS = st.one_of(
    st.sampled_from([0, 1, -1, 2**31, 2**53 + 1, INT64_MAX, INT64_MAX + 1, 2**64, INT64_MIN,
                     INT64_MIN - 1, 10**30, -(10**30)]),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
)
JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), WILD_INTS, st.floats(), ANY_TEXT,
    st.text(alphabet="0123456789-+.eE ", max_size=25),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
WILD = st.one_of(WILD_INTS, JSON_VALUES)
KINDS = st.one_of(
    st.sampled_from([
        "message", "edited_message", "callback_query", "channel_post", "inline_query", "poll",
        "my_chat_member", "chat_join_request", "business_message", "message_reaction",
        "not_a_kind", "update_id", "from", "",
    ]),
    ANY_TEXT,
)


@st.composite
def update_objects(draw: st.DrawFn) -> dict[str, Any]:
    """Something shaped like an update: a plausible or wild update_id, kinds with senders."""
    items: list[tuple[str, Any]] = []
    how = draw(st.integers(0, 9))
    if how < 6:
        items.append(("update_id", draw(st.integers(0, MAX_UPDATE_ID))))
    elif how < 9:
        items.append(("update_id", draw(WILD)))
    for _ in range(draw(st.integers(0, 2))):
        payload = draw(st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=2))
        sender = draw(st.integers(0, 5))
        if sender < 3:
            payload["from"] = {"id": draw(st.integers(1, 2**52)), "is_bot": False, "first_name": "A"}
        elif sender == 3:
            payload["from"] = {"id": draw(WILD)}
        elif sender == 4:
            payload["from"] = draw(WILD)
        items.append((draw(KINDS), payload))
    items.extend(draw(st.lists(st.tuples(ANY_TEXT, JSON_VALUES), max_size=2)))
    order = draw(st.permutations(range(len(items))))
    return {items[i][0]: items[i][1] for i in order}


def serialise(draw: st.DrawFn, value: Any) -> bytes:
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :\t")])),
    )
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes invalid UTF-8


def _deep(depth: int, inner: bytes, style: int) -> bytes:
    if style == 0:
        return b"[" * depth + inner + b"]" * depth
    if style == 1:
        return b'{"update_id": 1, "x": ' + b"[" * depth + inner + b"]" * depth + b"}"
    return b'{"update_id": 2, "message": ' + b'{"a":' * depth + inner + b"}" * depth + b"}"


@st.composite
def mutated(draw: st.DrawFn, body: bytes) -> bytes:
    """The bytes of a body, damaged one way or another (or not at all)."""
    how = draw(st.integers(0, 15))
    if how <= 5:
        return body
    if how == 6:
        return b"\xef\xbb\xbf" + body  # UTF-8 BOM
    if how == 7:
        text = body.decode("utf-8", "surrogatepass")
        return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1"])), "replace")
    if how == 8:
        return body[: draw(st.integers(0, max(len(body) - 1, 0)))]  # truncated
    if how == 9:
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.binary(min_size=1, max_size=4)) + body[at:]  # stray bytes
    if how == 10:
        return body + draw(st.sampled_from([b" garbage", b"{}", b"\x00", b"\n\n", b" \t\r\n", b","]))
    if how == 11:
        return draw(st.sampled_from([b" ", b"\n", b"\t", b"\x0b", b"\x0c", b"\xc2\xa0"])) + body
    if how == 12:
        return b"[" + body + b"]"
    if how == 13:  # a number too long to be one (beyond int()'s 4300 digits) or just long
        digits = draw(st.sampled_from([b"1" * 30, b"9" * 5000, b"1" + b"0" * 4400, b"1e99999"]))
        return b'{"update_id": ' + digits + b"}"
    if how == 14:  # a duplicate key: the last one counts
        return b'{"update_id": ' + str(draw(WILD_INTS)).encode() + b", " + body.lstrip(b"{")
    return draw(st.sampled_from([b"", b"null", b"0", b"[]", b"{}", b'"update_id"', b"NaN",
                                 b'{"update_id": NaN}', b'{"update_id": Infinity}',
                                 b'{"update_id": 1.0}', b'{"update_id": 1e3}',
                                 b'{"update_id": "1"}', b'{"update_id": true}',
                                 b'{"update_id": -0}', b'{"update_id": 01}']))


def valid_update(user_id: int, update_id: int, text: str) -> dict[str, Any]:
    sender = {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": update_id % 2**31, "from": sender, "chat": {"id": user_id, "type": "private"},
        "date": 1_750_000_000, "text": text}}


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Every kind of webhook body: plausible updates, damaged ones, deep ones, raw bytes."""
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        return draw(mutated(serialise(draw, draw(update_objects()))))
    if kind == 5:
        return draw(st.binary(max_size=200))
    if kind == 6:
        depth = draw(st.one_of(
            st.integers(1, 3000),
            st.sampled_from([63, 64, 199, 200, 201, 202, 255, 256, 257, 999, 1000, 1001]),
        ))
        inner = draw(st.sampled_from([b"", b"1", b'"x"', b"{}", b"null"]))
        return _deep(depth, inner, draw(st.integers(0, 2)))
    if kind == 7:
        return draw(mutated(serialise(draw, draw(JSON_VALUES))))
    update = valid_update(draw(st.integers(1, 2**52)), draw(st.integers(0, MAX_UPDATE_ID)), draw(ANY_TEXT))
    return draw(mutated(serialise(draw, update)))


# ---------------------------------------------------------------------------------- properties


@PROPERTY_SETTINGS
@given(bodies())
@example(b'{"update_id": 7, "message": {"from": {"id": 100000000000000000000000}}}')  # was 503 forever
@example(b'{"update_id": 7, "message": {"from": {"id": "42"}}}')  # was routed by update_id
@example(b'{"update_id": 1, "x": "\\ud800"}')  # the handlers' parser refuses a lone surrogate
@example(b'\xef\xbb\xbf{"update_id": 1}')  # ... and a BOM
@example('{"update_id": 1}'.encode("utf-16"))  # ... and UTF-16
def test_parse_update_accepts_exactly_what_the_contract_allows(body: bytes) -> None:
    parsed = parse_update(body)
    expected = expected_update(body)
    if isinstance(parsed, Rejection):
        assert parsed.status == 400 and parsed.reason
        assert expected.accept is not True, expected
        return
    assert expected.accept is not False, parsed
    assert parsed == AcceptedUpdate(expected.update_id, expected.user_id)  # type: ignore[arg-type]
    # What is published, the handlers can read: the update message's contract model.
    assert TelegramUpdate.model_validate_json(body).update_id == parsed.update_id


@settings(PROPERTY_SETTINGS, max_examples=600)
@given(st.dictionaries(KINDS, WILD, max_size=4) | update_objects())
def test_sender_id_is_none_or_a_64_bit_integer_from_a_from_object(update: dict[str, Any]) -> None:
    found = sender_id(update)
    assert found is None or _is_int(found, INT64_MIN, INT64_MAX)
    if found is not None:
        assert any(
            isinstance(v, dict) and isinstance(v.get("from"), dict) and v["from"].get("id") == found
            for k, v in update.items() if k != "update_id"
        )


SECRETS = st.text(alphabet="ABCxyz019_-", min_size=32, max_size=256)


@PROPERTY_SETTINGS
@given(SECRETS, st.none() | st.text(st.characters(exclude_categories=()), max_size=300) | SECRETS)
def test_check_secret_passes_only_the_exact_secret(secret: str, header: str | None) -> None:
    result = check_secret(header, secret)
    if header is None:
        assert result == Rejection(401, "missing secret token")
    elif header == secret:
        assert result is None
    else:
        assert result == Rejection(403, "wrong secret token")


@PROPERTY_SETTINGS
@given(SECRETS, st.data())
def test_check_secret_refuses_every_near_miss(secret: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(secret) - 1))
    near = data.draw(st.sampled_from([
        secret[:at], secret + "x", secret.upper() if secret.upper() != secret else secret + "A",
        secret[:at] + chr(ord(secret[at]) ^ 1) + secret[at + 1:], " " + secret, secret + " ",
        secret[:at] + "\x00" + secret[at + 1:], secret.encode().decode("latin-1") + "\xff",
    ]))
    assert check_secret(near, secret) == Rejection(403, "wrong secret token")
    assert check_secret(secret, secret) is None


@PROPERTY_SETTINGS
@given(st.none() | st.text(st.characters(codec="latin-1"), max_size=40) | st.text("0123456789", max_size=6000),
       st.integers(1, 2**40))
@example("²", 100)  # "²".isdigit() is true and int("²") raises: was a 500
@example("9" * 5000, 100)  # int() refuses more than 4300 digits: was a 500
@example("0" * 50 + "101", 100)
def test_content_length_check_never_raises(declared: str | None, limit: int) -> None:
    too_large = _declared_too_large(declared, limit)
    if declared is not None and declared.isascii() and declared.isdigit():
        digits = declared.lstrip("0") or "0"
        assert too_large == (len(digits) > 15 or int(digits) > limit)
    else:
        assert too_large is False
