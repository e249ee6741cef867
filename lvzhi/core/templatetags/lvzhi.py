from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

from lvzhi.core.dates import format_cn
from lvzhi.core.identity import mask_id_number, mask_mobile
from lvzhi.core.masking import HouseholdPrivacy

register = template.Library()


@register.filter
def mask_id(value: str, show: bool = False) -> str:
    return value if show else mask_id_number(value or "")


@register.filter
def mask_phone(value: str, show: bool = False) -> str:
    return value if show else mask_mobile(value or "")


@register.filter
def date_cn(value: dt.date | None) -> str:
    return format_cn(value)


@register.simple_tag(takes_context=True)
def household_head(context: template.Context, household: Any) -> str:
    """The head of household's name as the user may see it (lvzhi.core.masking)."""
    if household is None:
        return ""
    request = context.get("request")
    privacy = HouseholdPrivacy.for_request(request) if request is not None else HouseholdPrivacy()
    return privacy.head(household)


@register.filter
def yuan(value: Decimal | float | int | str | None) -> str:
    """An amount in 元 as every page shows it, whatever the database returned (a sum is
    Decimal('20800') on SQLite, Decimal('20800.00') on PostgreSQL): 20,800.00. Blank is 0.00."""
    try:
        amount = Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return str(value)
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
