"""The sales team directory (service/reference.py's employees), on the unit of work in memory: what is stored and
announced, an extension ringing one active employee, the demo users enrolled once, and that a refusal writes
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from leadline.contracts.platform.auth import Role
from leadline.contracts.platform.errors import Conflict, NotFound
from leadline.contracts.wire.events import EmployeeChangedV1
from leadline.leads.domain.reference import Employee
from leadline.leads.service import reference
from tests.support.fake_leads import FakeEmployees, FakeUnitOfWork
from tests.support.unit.leads import MARTA, a_unit_of_work

HOLDER = Employee("jola", "Jolanta Mazur", Role.SALESPERSON, extension="105")
LEFT = Employee("olek", "Aleksander Wójcik", Role.SALESPERSON, extension="106", archived=True)
LEFT_ON_HOLDERS = Employee("bartek", "Bartosz Kamiński", Role.SALESPERSON, extension="105", archived=True)


def with_extensions() -> FakeUnitOfWork:
    uow = a_unit_of_work()
    uow.employees.by_id.update({employee.id: employee for employee in (HOLDER, LEFT, LEFT_ON_HOLDERS)})
    return uow


def written(uow: FakeUnitOfWork) -> tuple[object, ...]:
    return dict(uow.employees.by_id), len(uow.announced())


def rule_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    return getattr(refusal.value, "rule", None)


async def test_a_new_employee_is_stored_and_announced_taking_the_extension_of_someone_who_left() -> None:
    uow = with_extensions()
    kasia = Employee("kasia", "Katarzyna Dąbrowska", Role.SALESPERSON, extension="106", email="kasia@example.com")

    created = await reference.create_employee(uow, kasia, MARTA)

    assert (created, uow.employees.by_id["kasia"]) == (kasia, kasia)
    [event] = uow.announced()
    assert isinstance(event, EmployeeChangedV1)
    assert (event.employee_id, event.extension, event.email, event.changed_by) == (
        "kasia",
        "106",
        "kasia@example.com",
        "marta",
    )


@pytest.mark.parametrize(
    ("employee", "refused"),
    [
        (Employee("anna", "Anna again", Role.SALESPERSON), "duplicate_id"),
        (Employee("kasia", "Katarzyna Dąbrowska", Role.SALESPERSON, extension="105"), "extension_taken"),
    ],
)
async def test_a_new_employee_breaking_a_rule_is_refused_with_nothing_written(employee: Employee, refused: str) -> None:
    uow = with_extensions()
    before = written(uow)

    with pytest.raises(Conflict) as refusal:
        await reference.create_employee(uow, employee, MARTA)

    assert rule_of(refusal) == refused
    assert written(uow) == before


async def test_a_changed_employee_is_stored_and_announced_and_a_change_of_nothing_writes_nothing() -> None:
    uow = with_extensions()

    changed = await reference.update_employee(uow, "anna", {"extension": "107", "archived": True}, MARTA)
    before = written(uow)
    same = await reference.update_employee(uow, "anna", {"extension": "107"}, MARTA)

    assert (uow.employees.by_id["anna"], changed.extension, changed.archived) == (changed, "107", True)
    event = uow.announced()[-1]
    assert isinstance(event, EmployeeChangedV1)
    assert (event.employee_id, event.archived) == ("anna", True)
    assert (same, written(uow)) == (changed, before)


@pytest.mark.parametrize(
    ("employee_id", "changes", "refusal_type", "refused"),
    [
        ("anna", {"extension": "105"}, Conflict, "extension_taken"),
        ("bartek", {"archived": False}, Conflict, "extension_taken"),  # back, to an extension someone holds now
        ("nobody", {"name": "Nobody"}, NotFound, "employee_not_found"),
    ],
)
async def test_an_employee_change_breaking_a_rule_is_refused_with_nothing_written(
    employee_id: str, changes: dict[str, Any], refusal_type: type[Exception], refused: str
) -> None:
    uow = with_extensions()
    before = written(uow)

    with pytest.raises(refusal_type) as refusal:
        await reference.update_employee(uow, employee_id, changes, MARTA)

    assert rule_of(refusal) == refused
    assert written(uow) == before


async def test_the_demo_users_are_enrolled_once_with_their_addresses_leaving_out_an_extension_someone_holds() -> None:
    uow = a_unit_of_work()
    uow.employees = FakeEmployees(
        Employee("marta", "Marta Wiśniewska", Role.MANAGER, extension="100"),  # enrolled before addresses were kept
        Employee("piotr", "Piotr Zieliński", Role.SALESPERSON, archived=True, email="piotr@leadline.example"),
        Employee("jola", "Jolanta Mazur", Role.SALESPERSON, extension="101"),
    )

    await reference.enrol_demo_users(uow)
    after_first = written(uow)
    await reference.enrol_demo_users(uow)

    team = uow.employees.by_id
    assert team["anna"] == Employee(
        "anna", "Anna Nowak", Role.SALESPERSON, extension=None, email="anna@leadline.example"
    )
    assert (team["marta"].email, team["marta"].extension) == ("marta@leadline.example", "100")
    assert team["piotr"].archived
    announced = uow.announced()
    assert all(isinstance(event, EmployeeChangedV1) for event in announced)
    assert [(event.employee_id, event.changed_by) for event in announced if isinstance(event, EmployeeChangedV1)] == [
        ("anna", "leadline"),
        ("marta", "leadline"),
    ]
    assert written(uow) == after_first


async def test_a_demo_user_is_enrolled_with_their_extension_when_nobody_holds_it() -> None:
    uow = a_unit_of_work()
    uow.employees = FakeEmployees()

    await reference.enrol_demo_users(uow)

    assert uow.employees.by_id["anna"] == Employee(
        "anna", "Anna Nowak", Role.SALESPERSON, extension="101", email="anna@leadline.example"
    )
    assert uow.employees.by_id["marta"].role == Role.MANAGER
