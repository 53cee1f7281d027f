"""What the stack tells its operator: one ``stack:`` line at a time, secrets hidden."""

from __future__ import annotations


def say(message: str) -> None:
    print(f"stack: {message}", flush=True)


def redact(text: str, hidden: list[str]) -> str:
    for secret in hidden:
        if secret:
            text = text.replace(secret, "***")
    return text
