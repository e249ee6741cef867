"""The figures the speeches quote (动员面、参与率、捐资、捐物…), for a committee and its
subtree, a campaign, a sector or working group, a period and a cut-off date.

`assistance_figures` reads the rollups (a few indexed sums, whatever the size of the
ledger); with a sector or working group it counts live, over that body's members only.
`live_figures` counts everything from the ledger itself: the benchmark's alternative and
the tests' oracle. Both return the same keys, each with its written definition. The
year-end award ranking works the same way: `award_candidates` from the `MemberTotal`
rollup when it holds exactly the period, `live_award_candidates` from the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast, Round
from django.utils import timezone

from lvzhi.assistance.models import (
    ALL_CAMPAIGNS,
    ALL_YEARS,
    NO_PREVIOUS,
    QUANTITIES,
    Campaign,
    DailyTotal,
    Entry,
    EntryMember,
    EntryStatus,
    MemberTotal,
    Mobilisation,
    Need,
    Pairing,
    Pledge,
    TouchKind,
    TouchPair,
)
from lvzhi.organisations.models import Body, Organisation

DEFINITIONS: dict[str, str] = {
    "members_total": "委员总数：所选政协及其下级政协委员名单中在任的委员人数（一人多级任职计一人）",
    "members_mobilised": "动员委员数：截止日期前认领过助推行动，或与贫困户结对、对接过帮扶需求的委员人数",
    "mobilisation_rate": "动员面：动员委员数 ÷ 委员总数",
    "members_participating": "参与委员数：统计期间内至少有一条已确认助推台账的委员人数",
    "participation_rate": "参与率：参与委员数 ÷ 委员总数",
    "members_paired": "结对委员数：截止日期仍与贫困户结对的委员人数",
    "households_paired": "结对贫困户数：截止日期仍有委员结对帮扶的贫困户户数",
    "people_paired": "结对贫困人口：上述贫困户的家庭人口之和",
    "households_reached": "帮扶贫困户数：统计期间内至少有一条已确认台账以其为帮扶对象的贫困户户数（去重）",
    "people_reached": "帮扶贫困人口：上述贫困户的家庭人口之和（按台账确认时户档案的人口计）",
    "entries": "台账条数：统计期间内已确认的助推台账条数（委员填报待确认、已退回的不计）",
    "money_yuan": "捐资（元）：已确认台账的捐资金额之和",
    "goods_count": "捐物（件次）：已确认台账的捐物件（次）数之和",
    "goods_value_yuan": "捐物折币（元）：已确认台账所捐物品折合金额之和",
    "industry_households": "帮扶发展产业（户）：已确认台账帮扶带动发展致富产业的贫困户户数之和",
    "students_funded": "资助贫困学生（名）：已确认台账资助的学生人数之和",
    "jobs_provided": "协调就业岗位（个）：已确认台账提供或协调的就业岗位数之和",
    "info_items": "送信息（条）：已确认台账送出的信息条数之和",
    "materials": "送科技读物资料（份）：已确认台账发放的资料、读物份数之和",
    "key_matters": "关键小事（件）：已确认台账办理的群众“关键小事”件数之和",
}
# Rollup column -> figure key (money in fen -> yuan).
_ROLLUP_KEYS = {
    "entries": "entries",
    "money_fen": "money_yuan",
    "goods_count": "goods_count",
    "goods_value_fen": "goods_value_yuan",
    "industry_households": "industry_households",
    "students": "students_funded",
    "jobs": "jobs_provided",
    "info_items": "info_items",
    "materials": "materials",
    "key_matters": "key_matters",
}
# Entry field -> figure key.
ENTRY_KEYS = {
    "money": "money_yuan",
    "goods_count": "goods_count",
    "goods_value": "goods_value_yuan",
    "industry_households": "industry_households",
    "students": "students_funded",
    "jobs": "jobs_provided",
    "info_items": "info_items",
    "materials": "materials",
    "key_matters": "key_matters",
}
FIGURE_FIELDS = {v: k for k, v in ENTRY_KEYS.items()}
assert set(ENTRY_KEYS) == {f for f, _l, _u in QUANTITIES}


@dataclass(frozen=True)
class Filters:
    organisation: Organisation
    campaign: Campaign | None = None
    start: dt.date | None = None
    end: dt.date | None = None  # the cut-off (截至), inclusive; None: today
    body: Body | None = None  # a sector (界别) or working group (工作组)

    @property
    def as_of(self) -> dt.date:
        return self.end or timezone.localdate()

    @cached_property
    def subtree_ids(self) -> list[int]:
        """The committee and every committee below it (ids: the indexes take them directly)."""
        return list(Organisation.objects.filter(path__startswith=self.organisation.path).values_list("pk", flat=True))

    @property
    def campaign_key(self) -> int:
        return self.campaign.pk if self.campaign else ALL_CAMPAIGNS

    def as_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.code,
            "campaign": self.campaign.code if self.campaign else None,
            "from": self.start.isoformat() if self.start else None,
            "to": self.as_of.isoformat(),
            "body": self.body.name if self.body else None,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _yuan(fen: int | None) -> float:
    return float(Decimal(fen or 0) / 100)


# -- shared by both paths -------------------------------------------------------------------


def member_seats(f: Filters) -> QuerySet[Any]:
    from lvzhi.members.models import Membership

    seats = Membership.objects.filter(organisation_id__in=f.subtree_ids, is_active=True)
    if f.body is not None:
        seats = seats.filter(Q(sector=f.body) | Q(working_group=f.body))
    return seats


def eligible_persons(f: Filters) -> QuerySet[Any]:
    return member_seats(f).values("person_id")


def _pairings(f: Filters) -> QuerySet[Pairing]:
    return Pairing.objects.filter(organisation_id__in=f.subtree_ids, started_on__lte=f.as_of).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=f.as_of)
    )


def _paired(f: Filters) -> dict[str, int]:
    pairings = _pairings(f)
    from lvzhi.households.models import Household

    households = Household.objects.filter(pk__in=pairings.values("household_id"))
    return {
        "members_paired": pairings.filter(person_id__in=eligible_persons(f)).values("person_id").distinct().count(),
        "households_paired": households.count(),
        "people_paired": households.aggregate(n=Sum("size"))["n"] or 0,
    }


def _total(f: Filters) -> int:
    return member_seats(f).values("person_id").distinct().count()


def _finish(f: Filters, figures: dict[str, Any]) -> dict[str, Any]:
    total = figures["members_total"]
    figures["mobilisation_rate"] = _rate(figures["members_mobilised"], total)
    figures["participation_rate"] = _rate(figures["members_participating"], total)
    ordered = {key: figures[key] for key in DEFINITIONS}
    ordered["filters"] = f.as_json()
    ordered["definitions"] = DEFINITIONS
    return ordered


# -- from the rollups -----------------------------------------------------------------------


def _distinct(f: Filters, kind: str) -> tuple[int, int]:
    pairs = TouchPair.objects.filter(scope=f.organisation, campaign_key=f.campaign_key, kind=kind, day__lte=f.as_of)
    if f.start is None:
        pairs = pairs.filter(prev_day=NO_PREVIOUS)
    else:
        pairs = pairs.filter(day__gte=f.start, prev_day__lt=f.start)
    row = pairs.aggregate(n=Sum("count"), people=Sum("people"))
    return row["n"] or 0, row["people"] or 0


def assistance_figures(f: Filters) -> dict[str, Any]:
    if f.body is not None:
        return live_figures(f)
    days = DailyTotal.objects.filter(scope=f.organisation, campaign_key=f.campaign_key, day__lte=f.as_of)
    if f.start is not None:
        days = days.filter(day__gte=f.start)
    sums = days.aggregate(**{column: Sum(column) for column in _ROLLUP_KEYS})
    figures: dict[str, Any] = {}
    for column, key in _ROLLUP_KEYS.items():
        figures[key] = _yuan(sums[column]) if column.endswith("_fen") else int(sums[column] or 0)
    figures["members_participating"], _ = _distinct(f, TouchKind.MEMBER)
    figures["households_reached"], figures["people_reached"] = _distinct(f, TouchKind.HOUSEHOLD)
    figures["members_mobilised"] = Mobilisation.objects.filter(
        scope=f.organisation, campaign_key=f.campaign_key, first_day__lte=f.as_of
    ).count()
    figures["members_total"] = _total(f)
    figures.update(_paired(f))
    return _finish(f, figures)


# -- live, from the ledger ------------------------------------------------------------------


def confirmed_entries(f: Filters) -> QuerySet[Entry]:
    entries = Entry.objects.filter(status=EntryStatus.CONFIRMED, organisation_id__in=f.subtree_ids, date__lte=f.as_of)
    if f.start is not None:
        entries = entries.filter(date__gte=f.start)
    if f.campaign is not None:
        entries = entries.filter(campaign=f.campaign)
    if f.body is not None:
        entries = entries.filter(
            Exists(EntryMember.objects.filter(entry=OuterRef("pk"), person_id__in=eligible_persons(f)))
        )
    return entries


def mobilised_persons(f: Filters) -> set[int]:
    eligible = eligible_persons(f)
    pledges = Pledge.objects.filter(organisation_id__in=f.subtree_ids, pledged_on__lte=f.as_of, person_id__in=eligible)
    pairings = Pairing.objects.filter(
        organisation_id__in=f.subtree_ids, started_on__lte=f.as_of, person_id__in=eligible
    )
    needs = Need.objects.filter(organisation_id__in=f.subtree_ids, assigned_on__lte=f.as_of, person_id__in=eligible)
    if f.campaign is not None:
        c = f.campaign
        pledges = pledges.filter(campaign=c)
        window = Q(organisation__path__startswith=c.organisation.path)
        pairings = pairings.filter(window, started_on__gte=c.start_date)
        needs = needs.filter(window, assigned_on__gte=c.start_date)
        if c.end_date:
            pairings = pairings.filter(started_on__lte=c.end_date)
            needs = needs.filter(assigned_on__lte=c.end_date)
    persons: set[int] = set(pledges.values_list("person_id", flat=True))
    persons.update(pairings.values_list("person_id", flat=True))
    persons.update(needs.values_list("person_id", flat=True))
    return persons


def live_figures(f: Filters) -> dict[str, Any]:
    from lvzhi.households.models import Household

    entries = confirmed_entries(f)
    sums = entries.aggregate(entries=Count("pk"), **{field: Sum(field) for field in ENTRY_KEYS})
    figures: dict[str, Any] = {"entries": sums["entries"]}
    for field, key in ENTRY_KEYS.items():
        value = sums[field] or 0
        figures[key] = float(value) if field in ("money", "goods_value") else int(value)
    figures["members_participating"] = (
        EntryMember.objects.filter(entry__in=entries, person_id__in=eligible_persons(f))
        .values("person_id")
        .distinct()
        .count()
    )
    reached = Household.objects.filter(pk__in=entries.filter(household__isnull=False).values("household_id"))
    figures["households_reached"] = reached.count()
    figures["people_reached"] = reached.aggregate(n=Sum("size"))["n"] or 0
    figures["members_mobilised"] = len(mobilised_persons(f))
    figures["members_total"] = _total(f)
    figures.update(_paired(f))
    return _finish(f, figures)


# -- breakdowns and drill-downs ---------------------------------------------------------------


def by_committee(f: Filters) -> list[dict[str, Any]]:
    """One row per committee directly below (a city's counties), each over its own subtree."""
    children = f.organisation.children.order_by("sort_order", "code")
    return [{"organisation": org, **assistance_figures(Filters(org, f.campaign, f.start, f.end))} for org in children]


DRILL_KEYS = {
    *ENTRY_KEYS.values(),
    "entries",
    "members_participating",
    "members_mobilised",
    "members_total",
    "members_paired",
    "households_reached",
    "households_paired",
}


def drill_entries(f: Filters, key: str) -> QuerySet[Entry]:
    """The confirmed entries behind a sum figure (those with that quantity)."""
    entries = confirmed_entries(f)
    field = FIGURE_FIELDS.get(key)
    if field is not None:
        entries = entries.filter(**{f"{field}__gt": 0})
    elif key == "households_reached":
        entries = entries.filter(household__isnull=False)
    return entries.select_related("organisation", "campaign", "action_kind", "household").prefetch_related("persons")


def drill_persons(f: Filters, key: str) -> QuerySet[Any]:
    from lvzhi.members.models import Person

    if key == "members_participating":
        ids: Any = EntryMember.objects.filter(entry__in=confirmed_entries(f)).values("person_id")
    elif key == "members_mobilised":
        ids = list(mobilised_persons(f))
    elif key == "members_paired":
        ids = _pairings(f).values("person_id")
    else:
        ids = eligible_persons(f)
    return Person.objects.filter(pk__in=ids).filter(pk__in=eligible_persons(f)).order_by("stroke_key")


def drill_households(f: Filters, key: str) -> QuerySet[Any]:
    from lvzhi.households.models import Household

    if key == "households_paired":
        ids: Any = _pairings(f).values("household_id")
    else:
        ids = confirmed_entries(f).filter(household__isnull=False).values("household_id")
    return Household.objects.filter(pk__in=ids).select_related("township", "village").order_by("number")


def award_year(f: Filters) -> int | None:
    """The `MemberTotal` year (a calendar year, or ALL_YEARS) whose rows are exactly the
    filter's period, or None. The year of the cut-off serves when the period's confirmed
    entries and that year's are the same set: no counted day of the scope and campaign in
    one and not the other (one indexed look at DailyTotal). That holds for the whole
    year, for a year to date when nothing is dated after the cut-off, and for a later
    start when nothing of that year comes before it; ALL_YEARS serves "since the start"
    (or any period) likewise when nothing counted lies outside it. Anything else is
    counted live."""
    window = Q(day__lte=f.as_of) & (Q(day__gte=f.start) if f.start is not None else Q())
    counted = DailyTotal.objects.filter(scope=f.organisation, campaign_key=f.campaign_key, entries__gt=0)
    year = f.as_of.year
    in_year = Q(day__gte=dt.date(year, 1, 1), day__lte=dt.date(year, 12, 31))
    for bucket, misses in ((year, (in_year & ~window) | (window & ~in_year)), (ALL_YEARS, ~window)):
        if not counted.filter(misses).exists():
            return bucket
    return None


def award_candidates(f: Filters, limit: int = 20) -> list[dict[str, Any]]:
    """Year-end awards (评先奖优): members ranked by confirmed entries, then money (then
    person id, so that ties always come out the same). From `MemberTotal` through its
    ranking index when `award_year` finds rows that are exactly the period; otherwise
    counted live. Either way only members with an active seat in the committee's subtree
    (or in the chosen sector or working group) rank, decided now, as live."""
    year = award_year(f)
    if year is None:
        return live_award_candidates(f, limit)
    rows = list(
        MemberTotal.objects.filter(
            scope=f.organisation,
            campaign_key=f.campaign_key,
            year=year,
            entries__gt=0,
            person_id__in=eligible_persons(f),
        )
        .order_by("-entries", "-money_fen", "person_id")
        .values_list("person_id", "entries", "money_fen")[:limit]
    )
    households = _households_helped(f, [person_id for person_id, _n, _fen in rows])
    return _candidates([(p, n, fen, households.get(p, 0)) for p, n, fen in rows])


def _households_helped(f: Filters, person_ids: list[int]) -> dict[int, int]:
    """Distinct households each of these (few) members helped in the period, from their own
    entries: the member links' copies of the entry's status and date (`counted`, `date`)
    keep the query on the member-link index, whatever the size of the committee's ledger.
    A sector filter needs no more: the member's own entries all name a member of the
    sector, the member."""
    # "+ 0" keeps SQLite's planner off the entry's committee index (a scan of a county's
    # whole ledger); the member-link index finds these members' few entries directly.
    links = (
        EntryMember.objects.alias(committee=F("entry__organisation_id") + 0)
        .filter(person_id__in=person_ids, counted=True, date__lte=f.as_of)
        .filter(committee__in=f.subtree_ids)
    )
    if f.start is not None:
        links = links.filter(date__gte=f.start)
    if f.campaign is not None:
        links = links.filter(entry__campaign=f.campaign)
    rows = links.values("person_id").annotate(n=Count("entry__household_id", distinct=True))
    return {r["person_id"]: r["n"] for r in rows}


def live_award_candidates(f: Filters, limit: int = 20) -> list[dict[str, Any]]:
    """The same ranking, grouped live over the period's member links: the fallback, the
    benchmark's alternative and the tests' oracle. Money is summed in fen, as the rollup
    keeps it, so that equal sums tie on every database (SQLite sums decimals as floats)."""
    money_fen = Sum(Cast(Round(F("entry__money") * 100), BigIntegerField()))
    rows = (
        EntryMember.objects.filter(entry__in=confirmed_entries(f), person_id__in=eligible_persons(f))
        .values("person_id")
        .annotate(n=Count("entry_id"), fen=money_fen, households=Count("entry__household_id", distinct=True))
        .order_by("-n", "-fen", "person_id")[:limit]
    )
    return _candidates([(r["person_id"], r["n"], r["fen"] or 0, r["households"]) for r in rows])


def _candidates(rows: list[tuple[int, int, int, int]]) -> list[dict[str, Any]]:
    """(person, entries, money in fen, households) -> the rows the page and the report show."""
    from lvzhi.members.models import Person

    names = dict(Person.objects.filter(pk__in=[r[0] for r in rows]).values_list("pk", "name"))
    return [
        {"person_id": p, "name": names.get(p, ""), "entries": n, "money_yuan": _yuan(fen), "households": households}
        for p, n, fen, households in rows
    ]
