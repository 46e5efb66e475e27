"""Partners, their contact persons (service/contacts.py, reference.py) and the settings, on the unit of work in memory:
each change of a contact person is one version of its partner, announced with the partner's whole state; a refusal
writes nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import uuid4

import pytest

from leadline.contracts.platform.errors import Conflict, Forbidden, NotFound, RuleViolation, StaleVersion
from leadline.contracts.wire.events import PartnerChangedV1, SettingChangedV1
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.reference import Partner, SettingKey
from leadline.leads.service import contacts, reference
from tests.support.fake_leads import FakeUnitOfWork
from tests.support.unit.leads import ANNA, MARTA, a_lead, a_unit_of_work

REGION = "PL"


def with_partner() -> tuple[FakeUnitOfWork, Partner]:
    uow = a_unit_of_work()
    partner = Partner(id=uuid4(), name="Acme")
    uow.partners.by_id[partner.id] = partner
    return uow, partner


async def add_contact(uow: FakeUnitOfWork, partner: Partner, name: str = "Jan Kowalski", **fields: Any) -> Contact:
    _, contact = await contacts.add_contact(
        uow, partner.id, {"name": name, **fields}, ANNA, expected_version=None, phone_region=REGION
    )
    return contact


def written(uow: FakeUnitOfWork) -> tuple[object, ...]:
    """Everything these use cases may write, to compare before and after a refusal."""
    return dict(uow.partners.by_id), dict(uow.contacts.by_id), dict(uow.settings.values), len(uow.announced())


def last_partner_event(uow: FakeUnitOfWork) -> PartnerChangedV1:
    event = uow.announced()[-1]
    assert isinstance(event, PartnerChangedV1)
    return event


def rule_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    return getattr(refusal.value, "rule", None)


# Partners


async def test_a_created_partner_is_stored_with_its_phone_and_address_normalised_and_announced() -> None:
    uow = a_unit_of_work()

    partner = await reference.create_partner(
        uow, {"name": "Acme", "phone": "601 234 567", "email": "Office@Acme.PL"}, ANNA, phone_region=REGION
    )

    assert uow.partners.by_id == {partner.id: partner}
    assert (partner.phone, partner.email, partner.version) == ("+48601234567", "office@acme.pl", 1)
    event = last_partner_event(uow)
    assert (event.partner_id, event.name, event.contacts) == (partner.id, "Acme", [])


async def test_an_edited_partner_is_stored_one_version_on_and_an_edit_changing_nothing_writes_nothing() -> None:
    uow, partner = with_partner()

    edited = await reference.update_partner(
        uow, partner.id, {"city": "Kraków"}, ANNA, expected_version=1, phone_region=REGION
    )
    before = written(uow)
    same = await reference.update_partner(
        uow, partner.id, {"city": "Kraków"}, ANNA, expected_version=2, phone_region=REGION
    )

    assert (uow.partners.by_id[partner.id], edited.version, edited.city) == (edited, 2, "Kraków")
    assert last_partner_event(uow).version == 2
    assert (same, written(uow)) == (edited, before)


@pytest.mark.parametrize(
    ("changes", "expected_version", "refusal_type", "refused"),
    [
        ({"city": "Kraków"}, 2, StaleVersion, "stale_version"),
        ({"archived": True}, None, Forbidden, "manager_only"),
        ({"phone": "12"}, None, RuleViolation, "invalid_phone"),
    ],
)
async def test_a_partner_edit_that_breaks_a_rule_is_refused_with_nothing_written(
    changes: dict[str, Any], expected_version: int | None, refusal_type: type[Exception], refused: str
) -> None:
    uow, partner = with_partner()
    before = written(uow)

    with pytest.raises(refusal_type) as refusal:
        await reference.update_partner(
            uow, partner.id, changes, ANNA, expected_version=expected_version, phone_region=REGION
        )

    assert rule_of(refusal) == refused
    assert written(uow) == before


async def test_a_manager_archives_a_partner() -> None:
    uow, partner = with_partner()

    await reference.update_partner(uow, partner.id, {"archived": True}, MARTA, expected_version=1, phone_region=REGION)

    assert uow.partners.by_id[partner.id].archived


# Contact persons


async def test_an_added_contact_person_is_stored_normalised_and_announced_as_a_new_version_of_its_partner() -> None:
    uow, partner = with_partner()

    contact = await add_contact(uow, partner, phones=["601 234 567", "+48 601 234 567"], emails=["Jan@Acme.PL"])

    assert uow.contacts.by_id == {contact.id: contact}
    assert (contact.partner_id, contact.phones, contact.emails) == (partner.id, ("+48601234567",), ("jan@acme.pl",))
    assert uow.partners.by_id[partner.id].version == 2
    event = last_partner_event(uow)
    assert (event.version, [c.contact_id for c in event.contacts]) == (2, [contact.id])


async def test_a_partners_contact_persons_are_listed_by_name_and_announced_so() -> None:
    uow, partner = with_partner()
    zofia, adam = await add_contact(uow, partner, "Zofia"), await add_contact(uow, partner, "Adam")

    assert await contacts.contacts_of(uow, partner.id) == [adam, zofia]
    assert [c.contact_id for c in last_partner_event(uow).contacts] == [adam.id, zofia.id]


async def test_an_edited_contact_person_is_stored_and_announced_and_an_edit_changing_nothing_writes_nothing() -> None:
    uow, partner = with_partner()
    contact = await add_contact(uow, partner)

    partner_after, edited = await contacts.edit_contact(
        uow, partner.id, contact.id, {"role": "Buyer"}, ANNA, expected_version=2, phone_region=REGION
    )
    before = written(uow)
    _, same = await contacts.edit_contact(
        uow, partner.id, contact.id, {"role": "Buyer"}, ANNA, expected_version=None, phone_region=REGION
    )

    assert (uow.contacts.by_id[contact.id], edited.role, partner_after.version) == (edited, "Buyer", 3)
    assert last_partner_event(uow).contacts[0].role == "Buyer"
    assert (same, written(uow)) == (edited, before)


async def test_a_removed_contact_person_is_gone_and_its_partner_announced_without_it() -> None:
    uow, partner = with_partner()
    contact = await add_contact(uow, partner)

    removed_from = await contacts.remove_contact(uow, partner.id, contact.id, ANNA, expected_version=2)

    assert (uow.contacts.by_id, removed_from.version, uow.partners.by_id[partner.id].version) == ({}, 3, 3)
    assert last_partner_event(uow).contacts == []


async def test_a_contact_person_a_lead_names_is_not_removed_and_nothing_is_written() -> None:
    uow, partner = with_partner()
    contact = await add_contact(uow, partner)
    lead = replace(a_lead(), partner_id=partner.id, contact_id=contact.id)
    uow.leads.by_id[lead.id] = lead
    before = written(uow)

    with pytest.raises(Conflict) as refusal:
        await contacts.remove_contact(uow, partner.id, contact.id, ANNA, expected_version=None)

    assert rule_of(refusal) == "contact_in_use"
    assert written(uow) == before


async def test_a_contact_person_is_changed_only_through_its_own_partner_and_version() -> None:
    uow, partner = with_partner()
    contact = await add_contact(uow, partner)
    other = Partner(id=uuid4(), name="Other")
    uow.partners.by_id[other.id] = other
    before = written(uow)

    with pytest.raises(NotFound) as not_found:
        await contacts.edit_contact(
            uow, other.id, contact.id, {"role": "Buyer"}, ANNA, expected_version=None, phone_region=REGION
        )
    with pytest.raises(StaleVersion):
        await contacts.remove_contact(uow, partner.id, contact.id, ANNA, expected_version=1)
    with pytest.raises(NotFound) as no_partner:
        await add_contact(uow, Partner(id=uuid4(), name="Gone"))

    assert (rule_of(not_found), rule_of(no_partner)) == ("contact_not_found", "partner_not_found")
    assert written(uow) == before


# Settings


async def test_a_changed_setting_is_stored_and_announced_and_setting_it_again_announces_nothing() -> None:
    uow = a_unit_of_work()

    settings = await reference.change_setting(uow, SettingKey.DEFAULT_CURRENCY, "EUR", MARTA)
    again = await reference.change_setting(uow, SettingKey.DEFAULT_CURRENCY, "EUR", MARTA)

    assert (await uow.settings.all(), settings, again) == (settings, again, settings)
    assert settings[SettingKey.DEFAULT_CURRENCY] == "EUR"
    [event] = uow.announced()
    assert isinstance(event, SettingChangedV1)
    assert (event.key, event.value, event.changed_by) == ("default_currency", "EUR", "marta")


async def test_a_setting_breaking_its_rule_is_refused_with_nothing_written() -> None:
    uow = a_unit_of_work()

    with pytest.raises(RuleViolation) as refusal:
        await reference.change_setting(uow, SettingKey.DEFAULT_CURRENCY, "euro", MARTA)

    assert rule_of(refusal) == "invalid_currency"
    assert (uow.settings.values, uow.announced()) == ({}, [])
