"""The figures areas that `manage.py figures AREA` knows. Each area is a function
``(organisation, period) -> dict``; the dict carries its own ``definitions`` (the written
definition of every figure), so the command can print it without knowing the area.

A later area registers itself here, e.g. ``AREAS["proposals"] = proposal_figures``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lvzhi.organisations.models import Organisation


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` inclusive; None on either side means open. A stock figure
    (how many members there are) is taken as at ``end``."""

    start: dt.date | None = None
    end: dt.date | None = None
    # A year (年度) as the area counts it: proposals by their 年度 field; members as at the
    # year's last day when no end date is given. None: no year restriction.
    year: int | None = None

    def as_json(self) -> dict[str, str | int | None]:
        data: dict[str, str | int | None] = {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }
        if self.year is not None:
            data["year"] = self.year
        return data


FigureFunction = Callable[["Organisation", Period], dict[str, Any]]


def members(organisation: Organisation, period: Period) -> dict[str, Any]:
    from lvzhi.members.figures import member_figures

    as_of = period.end
    if as_of is None and period.year is not None:
        as_of = dt.date(period.year, 12, 31)
    return member_figures(organisation, as_of=as_of)


def proposals(organisation: Organisation, period: Period) -> dict[str, Any]:
    from lvzhi.proposals.figures import proposal_figures

    has_dates = period.start is not None or period.end is not None
    return proposal_figures(organisation, year=period.year, period=period if has_dates else None)


def assistance(organisation: Organisation, period: Period, campaign: str | None = None) -> dict[str, Any]:
    """The assistance action's figures; ``campaign`` is a campaign code."""
    from lvzhi.assistance.figures import Filters, assistance_figures
    from lvzhi.assistance.models import Campaign

    found = None
    if campaign:
        found = Campaign.objects.filter(code=campaign).first()
        if found is None or not organisation.path.startswith(found.organisation.path):
            raise ValueError(f"没有代码为“{campaign}”且在{organisation.name}开展的助推活动")
    end = period.end
    if end is None and period.year is not None:
        end = dt.date(period.year, 12, 31)
    start = period.start or (dt.date(period.year, 1, 1) if period.year is not None else None)
    return assistance_figures(Filters(organisation, found, start, end))


AREAS: dict[str, FigureFunction] = {"members": members, "proposals": proposals, "assistance": assistance}
TITLES: dict[str, str] = {"members": "委员", "proposals": "提案", "assistance": "脱贫攻坚助推行动"}
# Areas that take a campaign (--campaign CODE).
WITH_CAMPAIGN = {"assistance"}


def compute(area: str, organisation: Organisation, period: Period, campaign: str | None = None) -> dict[str, Any]:
    function: Any = AREAS[area]
    figures = dict(
        function(organisation, period, campaign=campaign) if area in WITH_CAMPAIGN else function(organisation, period)
    )
    figures.setdefault("period", period.as_json())
    return figures


def label_for(key: str, definitions: dict[str, str]) -> str:
    """A short Chinese label from a figure's definition: the part before the first '：' or
    '（' ("在任委员人数：…" -> "在任委员人数")."""
    text = definitions.get(key, key)
    for mark in ("：", "（"):
        text = text.split(mark)[0]
    return text


def summary_lines(area: str, figures: dict[str, Any], organisation_name: str) -> list[str]:
    """A readable Chinese summary of any area's figures: numbers first, then breakdowns."""
    from lvzhi.core.dates import format_cn

    definitions: dict[str, str] = figures.get("definitions", {})
    period = figures.get("period") or {}
    start, end = period.get("from"), period.get("to")
    when = "截至今日"
    if end:
        when = f"截至{format_cn(dt.date.fromisoformat(end))}"
    if start:
        when = f"{format_cn(dt.date.fromisoformat(start))}至" + (
            format_cn(dt.date.fromisoformat(end)) if end else "今日"
        )
    if period.get("year"):
        when = f"{period['year']}年度" + ("" if when == "截至今日" else f"，{when}")
    lines = [f"{organisation_name} {TITLES.get(area, area)}统计（{when}，含下级政协）"]
    for key, value in figures.items():
        if key in ("organisation", "definitions", "period", "year"):
            continue
        if isinstance(value, float) and key.endswith("_rate"):
            lines.append(f"{label_for(key, definitions)}：{value:.1%}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            lines.append(f"{label_for(key, definitions)}：{value}")
        elif value is None and key in definitions:
            lines.append(f"{label_for(key, definitions)}：—（分母为0）")
    for key, value in figures.items():
        if isinstance(value, list) and all(isinstance(r, dict) and "name" in r for r in value):
            lines.append("")
            lines.append(f"{label_for(key, definitions)}：")
            lines += [f"  {r['name']}：{r.get('count', '')}" for r in value] or ["  （无）"]
    if definitions:
        lines.append("")
        lines.append("口径说明：")
        lines += [f"  · {v}" for v in definitions.values()]
    return lines
