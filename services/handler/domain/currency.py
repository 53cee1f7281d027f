"""Currencies as players type them: symbols, ISO 4217 codes and words, to one ISO code.

``read_currency("$")``, ``read_currency("usd")``, ``read_currency("руб.")`` are all a code
(``USD``, ``USD``, ``RUB``); anything else is ``None``.  Only real codes are known (the list
below), so that a stray word next to an amount (``100 abc``) is refused, not stored as a
currency.  Ambiguous symbols and words (``¥`` is yen and yuan, ``kr`` four krones) are left
out: the player writes the ISO code instead.
"""

from __future__ import annotations

ISO_CODES = frozenset({
    # the players' usual ones first: Russia and its neighbours, Europe, North America
    "USD", "EUR", "RUB", "GBP", "UAH", "KZT", "BYN", "GEL", "AMD", "AZN", "MDL", "UZS", "KGS",
    "TJS", "TMT", "TRY", "PLN", "CZK", "CHF", "HUF", "RON", "BGN", "RSD", "SEK", "NOK", "DKK",
    "ISK", "CAD", "MXN",
    # the rest of the world's poker rooms
    "AUD", "NZD", "JPY", "CNY", "HKD", "MOP", "TWD", "KRW", "SGD", "MYR", "THB", "VND", "PHP",
    "IDR", "INR", "LKR", "PKR", "BDT", "NPR", "MNT", "ILS", "AED", "SAR", "QAR", "KWD", "BHD",
    "OMR", "JOD", "EGP", "MAD", "TND", "ZAR", "NGN", "KES", "BRL", "ARS", "CLP", "COP", "PEN",
    "UYU", "BOB", "PYG", "CRC", "DOP",
})  # fmt: skip

# Symbols and words, lower case, without a final dot (``руб.`` reads as ``руб``).
ALIASES: dict[str, str] = {
    "$": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "buck": "USD", "bucks": "USD",
    "доллар": "USD", "доллара": "USD", "долларов": "USD", "долл": "USD", "дол": "USD",
    "бакс": "USD", "бакса": "USD", "баксов": "USD",
    "€": "EUR", "euro": "EUR", "euros": "EUR", "евро": "EUR",
    "₽": "RUB", "руб": "RUB", "рубль": "RUB", "рубля": "RUB", "рублей": "RUB", "р": "RUB",
    "rub": "RUB", "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB",
    "£": "GBP", "pound": "GBP", "pounds": "GBP", "фунт": "GBP", "фунта": "GBP", "фунтов": "GBP",
    "₴": "UAH", "грн": "UAH", "гривна": "UAH", "гривны": "UAH", "гривен": "UAH", "hryvnia": "UAH",
    "₸": "KZT", "тенге": "KZT", "тг": "KZT", "tenge": "KZT",
    "бел. руб": "BYN", "бел.руб": "BYN", "бел руб": "BYN", "br": "BYN",
    "₾": "GEL", "лари": "GEL", "lari": "GEL",
    "֏": "AMD", "драм": "AMD", "драмов": "AMD", "dram": "AMD",
    "₼": "AZN", "манат": "AZN", "манатов": "AZN",
    "₺": "TRY", "лира": "TRY", "лиры": "TRY", "лир": "TRY", "lira": "TRY",
    "zł": "PLN", "zl": "PLN", "злотый": "PLN", "злотых": "PLN", "zloty": "PLN",
    "kč": "CZK",
    "франк": "CHF", "франка": "CHF", "франков": "CHF", "fr": "CHF",
    "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD",
    "₹": "INR", "₩": "KRW", "₪": "ILS", "฿": "THB", "₫": "VND", "₱": "PHP", "r$": "BRL",
    "сум": "UZS", "сом": "KGS",
}  # fmt: skip


def read_currency(token: str) -> str | None:
    """The ISO code a symbol, code or word names (any case, spaces and a final dot aside)."""
    key = " ".join(token.split()).casefold()
    if not key or len(key) > 20:
        return None
    if key.upper() in ISO_CODES:
        return key.upper()
    return ALIASES.get(key) or ALIASES.get(key.removesuffix("."))
