"""Member figures (`figures members`): counts by sector, party, role and level, for a
committee and its subtree. Each figure carries its written definition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count

from lvzhi.members.models import MemberRole, Membership, Party
from lvzhi.organisations.models import Level, Organisation

DEFINITIONS = {
    "total": "在任委员人数：所选政协及其下级政协委员名单中在任的席位数（一人在多级政协任委员时各计一次）",
    "persons": "在任委员人员数：按身份证号码去重后的人数",
    "by_sector": "按界别统计的在任委员席位数（未分配界别的计入“未分配”）",
    "by_party": "按政治面貌统计的在任委员席位数",
    "by_role": "按政协职务（主席、副主席、秘书长、常委、委员）统计的在任委员席位数",
    "by_level": "按所在政协级别统计的在任委员席位数",
    "by_organisation": "按政协组织统计的在任委员席位数",
}


def member_figures(organisation: Organisation, *, as_of: Any = None) -> dict[str, Any]:
    """Figures for ``organisation`` and its subtree. ``as_of`` counts seats created on or
    before that date."""
    qs = Membership.objects.filter(organisation__path__startswith=organisation.path, is_active=True)
    if as_of is not None:
        qs = qs.filter(created_at__date__lte=as_of)
    party_labels = {k: str(v) for k, v in Party.choices}
    role_labels = {k: str(v) for k, v in MemberRole.choices}
    level_labels = {k: str(v) for k, v in Level.choices}

    def grouped(field: str, labels: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        rows = qs.values(field).annotate(n=Count("id")).order_by("-n", field)
        return [
            {"name": (labels or {}).get(r[field], r[field]) if r[field] else "未分配", "count": r["n"]} for r in rows
        ]

    by_role = grouped("role", role_labels)
    precedence = list(role_labels.values())  # 主席, 副主席, 秘书长, 常委, 委员
    by_role.sort(key=lambda r: precedence.index(r["name"]) if r["name"] in precedence else len(precedence))
    return {
        "organisation": organisation.code,
        "total": qs.count(),
        "persons": qs.values("person_id").distinct().count(),
        "by_sector": grouped("sector__name"),
        "by_party": grouped("person__party", party_labels),
        "by_role": by_role,
        "by_level": grouped("organisation__level", level_labels),
        "by_organisation": grouped("organisation__name"),
        "definitions": DEFINITIONS,
    }
