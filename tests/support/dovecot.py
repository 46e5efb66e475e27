"""The IMAP connector's tests run against a real IMAP server: a throw-away Dovecot (leadline.contracts.tooling.dovecot)
on ports held for this test process. Where it is not installed (`.ci/run` installs it), those tests are skipped,
saying so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadline.contracts.tooling import dovecot
from tests.support.kafka import free_port

SKIP_REASON = f"IMAP leg skipped: {dovecot.NOT_INSTALLED}"


def running() -> Iterator[dovecot.Dovecot]:
    """For a fixture: a Dovecot while the fixture lasts, or the test skipped without one."""
    if not dovecot.available():
        pytest.skip(SKIP_REASON)
    with dovecot.running(free_port(), free_port()) as server:
        yield server
