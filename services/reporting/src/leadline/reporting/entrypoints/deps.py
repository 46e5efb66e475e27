"""The FastAPI dependencies of the reporting routers, declared once: the request's unit of work and the period
a report covers. The router every endpoint hangs from (manager_router) and who is signed in are every service's:
leadline.contracts.platform.http."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from leadline.contracts.platform.fields import OffsetDatetime
from leadline.contracts.platform.http import unit_of_work
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork

UnitOfWork = Annotated[ReportingUnitOfWork, Depends(unit_of_work)]

FromQuery = Annotated[OffsetDatetime | None, Query(description="From this moment on (inclusive).")]
ToQuery = Annotated[OffsetDatetime | None, Query(description="Before this moment (exclusive).")]
