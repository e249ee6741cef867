"""Matching needs to members (群众所需、政协可为、委员所能).

A member's score for a need (0–100) is the sum of readable parts, so the office sees *why*:

- fit with the need kind (对口): a keyword of the kind in the member's 专长 (40), 职务职称 (30)
  or 工作单位 (25); a sector (界别) that serves the kind (15); a pledge (认领) of an action
  kind answering this kind of need (25);
- nearness: the member's working group or sector sits in the household's township (20),
  or the member's seat is in the household's county (10);
- load: minus 6 for each need the member already carries (at most minus 30).

A member *fits* a need when the fit part is above zero; only fitting members are assigned by
the batch. Only members with an active seat in the household's county or a committee above it
(the city) may be assigned at all.

The batch (`assign`) is a pure function over plain tuples so the bench runs it without a
database: needs are taken most urgent first, each goes to the best-scoring fitting member with
remaining capacity, and a member's score drops by the load penalty with every need taken.
Candidates come from heaps per (township, kind), (home county, kind) and (eligible county, kind),
updated lazily, so 100,000 needs never score every pair. `match_all` loads the database into
those tuples, calls `assign` and saves in one transaction."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from lvzhi.assistance.models import Need, NeedKind, NeedStatus, Pledge
from lvzhi.assistance.rollups import refresh_mobilisation

if TYPE_CHECKING:
    from lvzhi.accounts.models import User
    from lvzhi.members.models import Person
    from lvzhi.organisations.models import Organisation

# -- the scoring table ----------------------------------------------------------------------

KINDS: tuple[str, ...] = tuple(NeedKind.values)
KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}

KEYWORDS: dict[str, tuple[str, ...]] = {
    NeedKind.SCHOOL: ("教育", "学校", "教师", "中学", "小学", "大学", "学院", "教学", "校长"),
    NeedKind.MEDICAL: ("医", "卫生", "药", "护理", "健康", "疾控"),
    NeedKind.JOB: ("企业", "公司", "人社", "人力资源", "商会", "就业", "工厂", "集团"),
    NeedKind.INDUSTRY: ("农", "种植", "养殖", "合作社", "电商", "畜牧", "林业", "果"),
    NeedKind.TECHNOLOGY: ("农技", "技术", "工程", "科技", "科协", "研究", "兽医"),
    NeedKind.HOUSING: ("建筑", "住建", "建材", "建设", "房地产", "装饰"),
    NeedKind.INFORMATION: ("信息", "电商", "媒体", "通信", "网络", "新闻", "电视", "广播"),
    NeedKind.GOODS: ("企业", "商贸", "超市", "公司", "商会", "批发", "零售"),
}
SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    NeedKind.SCHOOL: ("教育",),
    NeedKind.MEDICAL: ("医药卫生", "医疗", "卫生"),
    NeedKind.JOB: ("经济", "工商联", "工商", "总工会"),
    NeedKind.INDUSTRY: ("农业", "农村", "农林"),
    NeedKind.TECHNOLOGY: ("科技", "科协", "科学技术", "农业"),
    NeedKind.HOUSING: ("经济", "工商联"),
    NeedKind.INFORMATION: ("新闻出版", "新闻", "科技", "文化艺术"),
    NeedKind.GOODS: ("经济", "工商联"),
}
FIELD_POINTS = (("expertise", "专长", 40), ("job_title", "职务职称", 30), ("employer", "工作单位", 25))
SECTOR_POINTS = 15
PLEDGE_POINTS = 25
TOWNSHIP_POINTS = 20
COUNTY_POINTS = 10
LOAD_PENALTY = 6
LOAD_PENALTY_CAP = 30

# Why a need could not be matched in the batch.
NO_MEMBER = "no_member"
NO_FIT = "no_fit"
NO_CAPACITY = "no_capacity"
UNMATCHED_REASONS = {
    NO_MEMBER: "本县及上级政协暂无在任委员",
    NO_FIT: "没有与该类需求对口的委员",
    NO_CAPACITY: "对口委员的帮扶名额已满",
}


def load_penalty(load: int) -> int:
    return min(LOAD_PENALTY * load, LOAD_PENALTY_CAP)


@dataclass(frozen=True)
class MemberProfile:
    """What matching knows of a member: plain values, built once from the database."""

    person_id: int
    name: str
    employer: str = ""
    job_title: str = ""
    expertise: str = ""
    sectors: tuple[str, ...] = ()
    # (committee id of the working group / sector, township name)
    townships: tuple[tuple[int, str], ...] = ()
    seat_orgs: tuple[int, ...] = ()
    # need kind -> name of the action kind the member pledged for it
    pledged: dict[str, str] = field(default_factory=dict)
    load: int = 0  # needs the member carries now (matched, not yet met)
    capacity: int = 3


@dataclass
class Score:
    total: int
    parts: list[tuple[str, int]]
    fits: bool

    @property
    def reasons(self) -> str:
        """One line for the need's `match_reasons`: 专长“…”含“医”（+40）；…"""
        text = "；".join(f"{reason}（{points:+d}）" for reason, points in self.parts)
        return text[:300]


@dataclass(frozen=True)
class Place:
    """Where a need is: the household's county, the committees above it, its township."""

    organisation_id: int
    ancestor_ids: frozenset[int]  # the county itself and every committee above it
    township: str
    county_name: str = ""


def fit_parts(kind: str, profile: MemberProfile) -> list[tuple[str, int]]:
    """The parts of the score that do not depend on where the need is."""
    label = NeedKind(kind).label
    parts: list[tuple[str, int]] = []
    for attr, field_label, points in FIELD_POINTS:
        value: str = getattr(profile, attr)
        hit = next((word for word in KEYWORDS[kind] if word in value), None)
        if hit:
            parts.append((f"{field_label}“{value}”含“{hit}”，与{label}需求对口", points))
            break
    sector = next((s for s in profile.sectors if any(w in s for w in SECTOR_WORDS[kind])), None)
    if sector:
        parts.append((f"{sector}委员，界别对口", SECTOR_POINTS))
    if kind in profile.pledged:
        parts.append((f"已认领“{profile.pledged[kind]}”", PLEDGE_POINTS))
    return parts


def fit_points(kind: str, profile: MemberProfile) -> int:
    return sum(points for _, points in fit_parts(kind, profile))


def place_parts(place: Place, profile: MemberProfile) -> list[tuple[str, int]]:
    same_township = any(name == place.township and org_id in place.ancestor_ids for org_id, name in profile.townships)
    if place.township and same_township:
        return [(f"所在工作组（界别）联系{place.township}，与该户同乡镇", TOWNSHIP_POINTS)]
    if place.organisation_id in profile.seat_orgs:
        return [(f"同为{place.county_name or '本县'}政协委员", COUNTY_POINTS)]
    return []


def score_at(kind: str, place: Place, profile: MemberProfile, load: int | None = None) -> Score:
    """The score of a member for a need of ``kind`` at ``place``, with ``load`` needs carried."""
    parts = fit_parts(kind, profile)
    fits = bool(parts)
    parts += place_parts(place, profile)
    load = profile.load if load is None else load
    if load:
        parts.append((f"已承担{load}件帮扶需求", -load_penalty(load)))
    total = max(0, min(100, sum(points for _, points in parts)))
    return Score(total=total, parts=parts, fits=fits)


def place_of(need: Need) -> Place:
    from lvzhi.organisations.models import Organisation

    org = need.household.organisation
    ancestors = frozenset(Organisation.objects.filter(path__in=org.chain_paths()).values_list("pk", flat=True))
    return Place(org.pk, ancestors, need.household.township.name, org.short_name)


def score(need: Need, member_profile: MemberProfile) -> Score:
    """How well the member fits the need, with a readable breakdown of (reason, points)."""
    return score_at(need.kind, place_of(need), member_profile)


# -- profiles from the database ---------------------------------------------------------------


def _active_pledges(person_ids: Iterable[int], day: dt.date) -> Q:
    return Q(person_id__in=list(person_ids), campaign__is_active=True, campaign__start_date__lte=day) & (
        Q(campaign__end_date__isnull=True) | Q(campaign__end_date__gte=day)
    )


@dataclass
class _Seats:
    sectors: list[str] = field(default_factory=list)
    townships: list[tuple[int, str]] = field(default_factory=list)
    orgs: list[int] = field(default_factory=list)


def load_profiles(
    seat_orgs: Iterable[int],
    *,
    capacity_default: int = 3,
    day: dt.date | None = None,
    person_ids: Iterable[int] | None = None,
) -> dict[int, MemberProfile]:
    """The profiles of every person with an active seat in one of ``seat_orgs``: their
    sectors and working groups there, pledges in running campaigns, load and capacity."""
    from lvzhi.members.models import Membership

    day = day or timezone.localdate()
    seats = (
        Membership.objects.filter(is_active=True, organisation_id__in=list(seat_orgs))
        .select_related("person", "sector", "working_group")
        .order_by("person_id", "organisation_id")
    )
    if person_ids is not None:
        seats = seats.filter(person_id__in=list(person_ids))
    by_person: dict[int, _Seats] = {}
    persons: dict[int, Person] = {}
    for seat in seats:
        entry = by_person.setdefault(seat.person_id, _Seats())
        persons[seat.person_id] = seat.person
        entry.orgs.append(seat.organisation_id)
        for body in (seat.sector, seat.working_group):
            if body is None:
                continue
            if body is seat.sector:
                entry.sectors.append(body.name)
            if body.township:
                entry.townships.append((body.organisation_id, body.township))
    if not by_person:
        return {}
    pledged: dict[int, dict[str, str]] = defaultdict(dict)
    capacity: dict[int, int] = {}
    pledges = Pledge.objects.filter(_active_pledges(by_person, day))
    for person_id, kind, name in pledges.exclude(action_kind__need_kind="").values_list(
        "person_id", "action_kind__need_kind", "action_kind__name"
    ):
        pledged[person_id].setdefault(kind, name)
    for row in pledges.values("person_id").annotate(total=Sum("capacity")):
        capacity[row["person_id"]] = int(row["total"] or 0)
    loads = dict(
        Need.objects.filter(person_id__in=list(by_person), status=NeedStatus.MATCHED)
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    profiles = {}
    for person_id, entry in by_person.items():
        person = persons[person_id]
        profiles[person_id] = MemberProfile(
            person_id=person_id,
            name=person.name,
            employer=person.employer,
            job_title=person.job_title,
            expertise=person.expertise,
            sectors=tuple(dict.fromkeys(entry.sectors)),
            townships=tuple(dict.fromkeys(entry.townships)),
            seat_orgs=tuple(entry.orgs),
            pledged=dict(pledged.get(person_id, {})),
            load=loads.get(person_id, 0),
            capacity=capacity.get(person_id) or capacity_default,
        )
    return profiles


@dataclass
class Candidate:
    person: Person
    profile: MemberProfile
    score: Score

    @property
    def remaining(self) -> int:
        return max(0, self.profile.capacity - self.profile.load)


def suggest(need: Need, limit: int = 10, *, capacity_default: int = 3) -> list[Candidate]:
    """Members who may take the need (an active seat in the household's county or a
    committee above it), best first: fitting before not fitting, then by score."""
    from lvzhi.members.models import Person

    place = place_of(need)
    profiles = load_profiles(place.ancestor_ids, capacity_default=capacity_default)
    # A person's seats elsewhere still tell whether they are a member of the county.
    scored = [(score_at(need.kind, place, p), p) for p in profiles.values()]
    persons = Person.objects.in_bulk([p.person_id for _, p in scored])
    ranked = sorted(
        scored,
        key=lambda sp: (not sp[0].fits, -sp[0].total, persons[sp[1].person_id].stroke_key, sp[1].person_id),
    )
    return [Candidate(persons[p.person_id], p, s) for s, p in ranked[:limit]]


# -- the pure batch -----------------------------------------------------------------------------


class NeedRow(NamedTuple):
    id: int
    area: int  # the household's county
    township: int  # a key unique across counties
    kind: int  # index into KINDS
    urgency: int


class MemberRow(NamedTuple):
    id: int
    fit: tuple[int, ...]  # fit points per kind index; 0 = does not fit
    home_areas: tuple[int, ...]  # counties where the member holds a seat (+10)
    areas: tuple[int, ...]  # every county the member may serve (home and below a city seat)
    townships: tuple[int, ...]  # township keys of the member's working group / sector (+20)
    load: int
    capacity: int


class Assigned(NamedTuple):
    need: int
    member: int
    score: int
    load_before: int  # the member's load when the need was assigned (for the reasons)


@dataclass
class Assignment:
    assigned: list[Assigned]
    unmatched: list[tuple[int, str]]  # (need id, NO_MEMBER / NO_FIT / NO_CAPACITY)

    @property
    def total(self) -> int:
        return sum(a.score for a in self.assigned)


def assign(
    needs: Sequence[NeedRow],
    members: Sequence[MemberRow],
    *,
    penalty: int = LOAD_PENALTY,
    penalty_cap: int = LOAD_PENALTY_CAP,
) -> Assignment:
    """Assign needs greedily, most urgent first (then in the given order): each to the
    fitting member with remaining capacity whose score (fit + nearness − load penalty) is
    highest. A member's key in a heap is fit − penalty(load); it only ever goes down, so
    stale heap entries are refreshed when they reach the top (lazy decrease-key)."""
    n_kinds = len(KINDS)
    load = [m.load for m in members]
    remaining = [m.capacity - m.load for m in members]
    fit = [m.fit for m in members]

    def pen(x: int) -> int:
        return min(penalty * x, penalty_cap)

    by_township: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    by_home: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    by_area: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    has_member: set[int] = set()
    has_fit: set[tuple[int, int]] = set()
    for i, m in enumerate(members):
        has_member.update(m.areas)
        homes = set(m.home_areas)
        for k in range(n_kinds):
            f = m.fit[k]
            if f <= 0:
                continue
            for a in m.areas:
                has_fit.add((a, k))
            if remaining[i] <= 0:
                continue
            entry = (-(f - pen(load[i])), i, load[i])
            for t in m.townships:
                by_township[(t, k)].append(entry)
            for a in m.home_areas:
                by_home[(a, k)].append(entry)
            for a in m.areas:
                if a not in homes:
                    by_area[(a, k)].append(entry)
    for heaps in (by_township, by_home, by_area):
        for h in heaps.values():
            heapq.heapify(h)

    def top(h: list[tuple[int, int, int]] | None, k: int) -> tuple[int, int]:
        """(key, member index) of the heap's best member with capacity, or (-1, -1)."""
        while h:
            neg, i, at = h[0]
            if remaining[i] <= 0:
                heapq.heappop(h)
            elif at != load[i]:
                heapq.heapreplace(h, (-(fit[i][k] - pen(load[i])), i, load[i]))
            else:
                return -neg, i
        return -1, -1

    order = sorted(range(len(needs)), key=lambda j: -needs[j].urgency)
    assigned: list[Assigned] = []
    unmatched: list[tuple[int, str]] = []
    for j in order:
        need = needs[j]
        k = need.kind
        best_score, best_i = -1, -1
        for heaps, bonus, key in (
            (by_township, TOWNSHIP_POINTS, (need.township, k)),
            (by_home, COUNTY_POINTS, (need.area, k)),
            (by_area, 0, (need.area, k)),
        ):
            base, i = top(heaps.get(key), k)
            if i < 0:
                continue
            value = max(0, min(100, base + bonus))
            if value > best_score or (value == best_score and i < best_i):
                best_score, best_i = value, i
        if best_i < 0:
            if need.area not in has_member:
                unmatched.append((need.id, NO_MEMBER))
            elif (need.area, k) not in has_fit:
                unmatched.append((need.id, NO_FIT))
            else:
                unmatched.append((need.id, NO_CAPACITY))
            continue
        assigned.append(Assigned(need.id, members[best_i].id, best_score, load[best_i]))
        load[best_i] += 1
        remaining[best_i] -= 1
    return Assignment(assigned, unmatched)


def pair_score(need: NeedRow, member: MemberRow, load: int, *, penalty: int = LOAD_PENALTY) -> int:
    """The batch's score of one pair (for brute-force checks and the optimum bench);
    -1 when the member may not take the need."""
    f = member.fit[need.kind]
    if f <= 0 or need.area not in member.areas:
        return -1
    if need.township in member.townships:
        bonus = TOWNSHIP_POINTS
    elif need.area in member.home_areas:
        bonus = COUNTY_POINTS
    else:
        bonus = 0
    return max(0, min(100, f + bonus - min(penalty * load, LOAD_PENALTY_CAP)))


# -- the database wrapper -------------------------------------------------------------------------


@dataclass
class MatchResult:
    assigned: list[Need]
    unmatched: list[tuple[Need, str]]  # (need, reason in Chinese)


def match_all(organisation: Organisation, actor: User, capacity_default: int = 3) -> MatchResult:
    """一键匹配: assign every open need of the committee's subtree (see `assign`), save in one
    transaction, audit once, notify each member once."""
    from lvzhi.assistance.needs import notify_assigned, require_manage_needs

    require_manage_needs(actor, organisation)
    day = timezone.localdate()
    with transaction.atomic():
        needs = list(
            Need.objects.select_for_update(of=("self",))
            .filter(organisation__path__startswith=organisation.path, status=NeedStatus.OPEN)
            .select_related("household__organisation", "household__township")
            .order_by("-urgency", "recorded_on", "pk")
        )
        if not needs:
            return MatchResult([], [])
        places = _places(needs)
        seat_orgs = set().union(*(p.ancestor_ids for p in places.values()))
        seat_orgs |= set(_subtree_ids(organisation))
        profiles = load_profiles(seat_orgs, capacity_default=capacity_default, day=day)
        need_rows, member_rows = _rows(needs, places, profiles)
        result = assign(need_rows, member_rows)
        by_id = {n.pk: n for n in needs}
        done: list[Need] = []
        for a in result.assigned:
            need = by_id[a.need]
            place = replace(places[need.household.organisation_id], township=need.household.township.name)
            s = score_at(need.kind, place, profiles[a.member], load=a.load_before)
            need.status = NeedStatus.MATCHED
            need.person_id = a.member
            need.assigned_on = day
            need.match_score = a.score
            need.match_reasons = s.reasons
            need.version += 1
            done.append(need)
        from lvzhi.members.models import Person

        persons = Person.objects.in_bulk({a.member for a in result.assigned})
        for need in done:
            need.person = persons[need.person_id]  # type: ignore[index]
        Need.objects.bulk_update(
            done,
            ["status", "person", "assigned_on", "match_score", "match_reasons", "version"],
            batch_size=2000,
        )
        from lvzhi.audit.log import record

        record(
            actor=actor,
            action="assistance.need.match_all",
            organisation_id=organisation.pk,
            changes={
                "assigned": [[a.need, a.member, a.score] for a in result.assigned],
                "unmatched": [[need_id, reason] for need_id, reason in result.unmatched],
            },
        )
        per_person: dict[int, int] = defaultdict(int)
        for a in result.assigned:
            per_person[a.member] += 1
        for person_id, count in per_person.items():
            refresh_mobilisation(person_id)
            notify_assigned(person_id, count)
    unmatched = [(by_id[need_id], UNMATCHED_REASONS[reason]) for need_id, reason in result.unmatched]
    return MatchResult(done, unmatched)


def _subtree_ids(organisation: Organisation) -> list[int]:
    return list(organisation.subtree().values_list("pk", flat=True))


def _places(needs: Sequence[Need]) -> dict[int, Place]:
    from lvzhi.organisations.models import Organisation

    orgs = {n.household.organisation_id: n.household.organisation for n in needs}
    all_paths = {p for org in orgs.values() for p in org.chain_paths()}
    ids_by_path = dict(Organisation.objects.filter(path__in=all_paths).values_list("path", "pk"))
    return {
        org_id: Place(
            org_id, frozenset(ids_by_path[p] for p in org.chain_paths() if p in ids_by_path), "", org.short_name
        )
        for org_id, org in orgs.items()
    }


def _rows(
    needs: Sequence[Need], places: dict[int, Place], profiles: dict[int, MemberProfile]
) -> tuple[list[NeedRow], list[MemberRow]]:
    """Plain tuples for `assign`: townships become integer keys unique across counties."""
    keys: dict[tuple[int, str], int] = {}

    def key(area: int, township: str) -> int:
        return keys.setdefault((area, township), len(keys))

    need_rows = [
        NeedRow(
            n.pk,
            n.household.organisation_id,
            key(n.household.organisation_id, n.household.township.name),
            KIND_INDEX[n.kind],
            n.urgency,
        )
        for n in needs
    ]
    member_rows = []
    for profile in profiles.values():
        seats = set(profile.seat_orgs)
        areas = tuple(a for a, place in places.items() if seats & place.ancestor_ids)
        if not areas:
            continue
        townships = tuple(
            key(a, name)
            for a in areas
            for org_id, name in profile.townships
            if org_id in places[a].ancestor_ids and (a, name) in keys
        )
        member_rows.append(
            MemberRow(
                id=profile.person_id,
                fit=tuple(fit_points(kind, profile) for kind in KINDS),
                home_areas=tuple(a for a in areas if a in seats),
                areas=areas,
                townships=townships,
                load=profile.load,
                capacity=profile.capacity,
            )
        )
    return need_rows, member_rows
