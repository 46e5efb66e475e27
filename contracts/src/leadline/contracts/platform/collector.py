"""How Leadline's processes use Python's cyclic garbage collector.

With the default thresholds (700, 10, 10) the collector scans the young objects every 700 allocations and, every
hundred of those, every object of the process. A service holds a large heap for its whole life (its app and
models, the SQLAlchemy metadata, the broker's clients) and allocates fast while it works: under a burst of 10,000
calls communications spent a fifth of its CPU time in the collector, most of it in six full collections (458 ms).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# Young objects collected every 50,000 allocations: a batch's records, envelopes and rows are then mostly freed by
# their reference counts before the collector looks at them. Measured on a 10,000-call burst into communications:
# 541 ms in the collector with the defaults, 8 ms with these and a frozen start-up heap; 18 % more calls a second.
THRESHOLDS = (50_000, 20, 100)


def settle_after_startup() -> None:
    """Moves everything a started service holds into the collector's permanent generation, which it never scans,
    and collects less eagerly from then on."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


@contextlib.contextmanager
def collecting_seldom() -> Iterator[None]:
    """The thresholds above for a block (a replay, in the service or its rebuild command), then the previous ones."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
