from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Well below SQLite's limit of bound parameters in one statement, and a fair IN list for PostgreSQL.
CHUNK = 500


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
