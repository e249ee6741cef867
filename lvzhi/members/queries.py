"""Reads of members: one filter function used by the list page, its export and the API, so
the export holds exactly the rows the user is looking at."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import Q

from lvzhi.core.text import clean
from lvzhi.members.models import Membership, MembershipQuerySet

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

FILTER_KEYS = ("organisation", "sector", "working_group", "party", "role", "level", "q", "active")


def member_list(user: User, params: Mapping[str, str]) -> MembershipQuerySet:
    qs = Membership.objects.visible_to(user).select_related(
        "person", "organisation", "sector", "working_group", "special_committee"
    )
    org = clean(params.get("organisation"))
    if org:
        qs = qs.filter(organisation__code=org)
    for key in ("sector", "working_group"):
        value = clean(params.get(key))
        if value.isdigit():
            qs = qs.filter(**{f"{key}_id": int(value)})
        elif value:
            qs = qs.filter(**{f"{key}__name": value})
    if party := clean(params.get("party")):
        qs = qs.filter(person__party=party)
    if role := clean(params.get("role")):
        qs = qs.filter(role=role)
    if level := clean(params.get("level")):
        qs = qs.filter(organisation__level=level)
    active = clean(params.get("active")) or "1"
    if active == "1":
        qs = qs.filter(is_active=True)
    elif active == "0":
        qs = qs.filter(is_active=False)
    if q := clean(params.get("q")):
        lowered = q.lower().replace(" ", "")
        cond = Q(person__name__contains=q) | Q(code=q) | Q(person__employer__contains=q)
        if lowered.isascii() and lowered.isalpha():
            cond |= Q(person__name_initials__startswith=lowered) | Q(person__name_pinyin__startswith=lowered)
        qs = qs.filter(cond)
    return qs.in_stroke_order()
