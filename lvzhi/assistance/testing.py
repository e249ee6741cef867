"""Test and demo helpers for the assistance action: a small world of households, a
campaign and entries, built through the actions (households through the ORM until the
register's own loader is used)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lvzhi.accounts.models import User
from lvzhi.assistance import actions
from lvzhi.assistance.models import Campaign, Entry
from lvzhi.assistance.validation import validate_entry
from lvzhi.organisations.models import Organisation


def make_household(organisation: Organisation, number: str, size: int = 3, village: str = "红旗村") -> Any:
    from lvzhi.households.models import Household, Township, Village

    township, _ = Township.objects.get_or_create(organisation=organisation, name="城关镇")
    place, _ = Village.objects.get_or_create(organisation=organisation, township=township, name=village)
    return Household.objects.create(
        organisation=organisation, number=number, township=township, village=place, head_name=f"户主{number}", size=size
    )


def entry_data(organisation: Organisation, **raw: Any) -> dict[str, Any]:
    raw.setdefault("summary", "走访慰问")
    data, errors = validate_entry(raw, organisation, today=dt.date(2030, 1, 1))
    assert not errors, errors
    return data


def log(
    actor: User,
    organisation: Organisation,
    persons: list[int],
    *,
    confirm_by: User | None = None,
    **raw: Any,
) -> Entry:
    entry = actions.log_entry(
        actor=actor, organisation=organisation, data=entry_data(organisation, **raw), person_ids=persons
    )
    if confirm_by is not None:
        entry = actions.confirm_entry(actor=confirm_by, entry=entry, version=entry.version)
    return entry


def campaign(
    actor: User, organisation: Organisation, template: str = "sansong-sanbang", start: str = "2018-01-01"
) -> Campaign:
    return actions.create_campaign(
        actor=actor, organisation=organisation, template=template, start_date=dt.date.fromisoformat(start)
    )


def money(value: str) -> Decimal:
    return Decimal(value)
