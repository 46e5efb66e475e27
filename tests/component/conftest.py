"""Component fixtures: each service under test on a SQLite database of its own (the harness is in
tests/support/component/service_under_test.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from tests.support.component.service_under_test import ServiceUnderTest, service_named


@pytest.fixture
async def leads(tmp_path: Path) -> AsyncIterator[ServiceUnderTest[LeadsUnitOfWork]]:
    async with service_named("leads", tmp_path) as service:
        yield service


@pytest.fixture
async def communications(tmp_path: Path) -> AsyncIterator[ServiceUnderTest[CommunicationsUnitOfWork]]:
    async with service_named("communications", tmp_path) as service:
        yield service


@pytest.fixture
async def documents(tmp_path: Path) -> AsyncIterator[ServiceUnderTest[DocumentsUnitOfWork]]:
    async with service_named("documents", tmp_path) as service:
        yield service


@pytest.fixture
async def reporting(tmp_path: Path) -> AsyncIterator[ServiceUnderTest[ReportingUnitOfWork]]:
    async with service_named("reporting", tmp_path) as service:
        yield service
