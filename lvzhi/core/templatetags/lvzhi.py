from __future__ import annotations

import datetime as dt

from django import template

from lvzhi.core.dates import format_cn
from lvzhi.core.identity import mask_id_number, mask_mobile

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
