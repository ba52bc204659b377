"""Errors a source raises about its input: they name the file or endpoint and what was wrong."""

from __future__ import annotations


class SourceError(ValueError):
    """The input (a file or an API response) cannot be loaded; nothing from it is kept."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason


def find_source_error(exc: BaseException) -> SourceError | None:
    """dlt wraps errors raised inside resources; dig ours out of the chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, SourceError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def first_line(exc: BaseException) -> str:
    """A parser's message for a manager: its first line (ijson adds a multi-line pointer)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
