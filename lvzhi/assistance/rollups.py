"""The rollups behind the assistance figures (see the models' docstring for the design).

Two ways to keep them true, checked against each other and against a live aggregate in
the tests:

- incrementally, by the actions: `apply_entry(entry, +1)` when an entry starts to count
  (confirmed), `apply_entry(entry, -1)` before it stops (un-confirmed, edited, deleted);
  `refresh_mobilisation(person_id)` whenever a pledge, pairing or need assignment changes;
- in bulk, by `rebuild(scopes)`: set-based SQL (window functions, on SQLite and PostgreSQL),
  used after bulk imports of historic ledgers and by `manage.py rebuild_rollups`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection, transaction

from lvzhi.assistance.models import (
    ALL_CAMPAIGNS,
    NO_PREVIOUS,
    Campaign,
    DailyTotal,
    Entry,
    EntryMember,
    EntryStatus,
    Mobilisation,
    TouchKind,
    TouchPair,
)
from lvzhi.organisations.models import Organisation

SUM_FIELDS = (
    "entries",
    "money_fen",
    "goods_count",
    "goods_value_fen",
    "industry_households",
    "students",
    "jobs",
    "info_items",
    "materials",
    "key_matters",
)
_COUNT_FIELDS = ("goods_count", "industry_households", "students", "jobs", "info_items", "materials", "key_matters")


def fen(amount: Decimal | int | float | None) -> int:
    return int((Decimal(amount or 0) * 100).to_integral_value())


def scopes_of(organisation: Organisation) -> list[Organisation]:
    return list(Organisation.objects.filter(path__in=organisation.chain_paths()))


def _eligible(person_id: int, scope: Organisation) -> bool:
    """Only members of the scope count in its distinct member figures."""
    from lvzhi.members.models import Membership

    return Membership.objects.filter(
        person_id=person_id, organisation__path__startswith=scope.path, is_active=True
    ).exists()


def _upsert_sql(table: str, keys: Sequence[str], adds: Sequence[str]) -> str:
    columns = [*keys, *adds]
    placeholders = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in adds)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


def _entry_amounts(entry: Entry) -> list[int]:
    return [
        1,
        fen(entry.money),
        entry.goods_count,
        fen(entry.goods_value),
        entry.industry_households,
        entry.students,
        entry.jobs,
        entry.info_items,
        entry.materials,
        entry.key_matters,
    ]


def _campaign_keys(campaign_id: int | None) -> list[int]:
    return [ALL_CAMPAIGNS] if campaign_id is None else [ALL_CAMPAIGNS, campaign_id]


def _other_days(entry: Entry, kind: str, subject_id: int, scope: Organisation, campaign_key: int) -> set[dt.date]:
    """Days on which the subject was touched in (scope, campaign) by counted entries other
    than ``entry``: a member or household has few entries, read from its own index."""
    if kind == TouchKind.MEMBER:
        qs = EntryMember.objects.filter(
            person_id=subject_id, counted=True, entry__organisation__path__startswith=scope.path
        )
        if campaign_key != ALL_CAMPAIGNS:
            qs = qs.filter(entry__campaign_id=campaign_key)
        return set(qs.exclude(entry_id=entry.pk).values_list("date", flat=True))
    hq = Entry.objects.filter(
        household_id=subject_id, status=EntryStatus.CONFIRMED, organisation__path__startswith=scope.path
    )
    if campaign_key != ALL_CAMPAIGNS:
        hq = hq.filter(campaign_id=campaign_key)
    return set(hq.exclude(pk=entry.pk).values_list("date", flat=True))


def _pair(cursor: object, key: tuple[int, int, str], day: dt.date, prev: dt.date, count: int, people: int) -> None:
    sql = _upsert_sql(
        TouchPair._meta.db_table, ["scope_id", "campaign_key", "kind", "day", "prev_day"], ["count", "people"]
    )
    cursor.execute(sql, [*key, day, prev, count, people])  # type: ignore[attr-defined]


def _touch(cursor: object, key: tuple[int, int, str], days: set[dt.date], day: dt.date, sign: int, people: int) -> None:
    """Insert (sign +1) or remove (sign -1) a touch on ``day`` among the subject's other days."""
    if day in days:
        return  # the subject was touched that day anyway: its distinct counts do not change
    before = [d for d in days if d < day]
    after = [d for d in days if d > day]
    prev = max(before) if before else NO_PREVIOUS
    nxt = min(after) if after else None
    _pair(cursor, key, day, prev, sign, sign * people)
    if nxt is not None:
        _pair(cursor, key, nxt, prev, -sign, -sign * people)
        _pair(cursor, key, nxt, day, sign, sign * people)


def apply_entry(entry: Entry, sign: int) -> None:
    """Add (+1) or take away (-1) a confirmed entry in every rollup of every scope above
    it. Call inside the action's transaction, with the entry's members already saved."""
    if sign not in (1, -1):
        raise ValueError("sign must be +1 or -1")
    persons = list(EntryMember.objects.filter(entry=entry).values_list("person_id", flat=True))
    household_size = entry.household.size if entry.household_id else 0  # type: ignore[union-attr]
    amounts = [sign * a for a in _entry_amounts(entry)]
    daily_sql = _upsert_sql(DailyTotal._meta.db_table, ["scope_id", "campaign_key", "day"], SUM_FIELDS)
    with connection.cursor() as cursor:
        for scope in scopes_of(entry.organisation):
            eligible = [p for p in persons if _eligible(p, scope)]
            for ck in _campaign_keys(entry.campaign_id):
                cursor.execute(daily_sql, [scope.pk, ck, entry.date, *amounts])
                for person_id in eligible:
                    days = _other_days(entry, TouchKind.MEMBER, person_id, scope, ck)
                    _touch(cursor, (scope.pk, ck, TouchKind.MEMBER), days, entry.date, sign, 0)
                if entry.household_id:
                    days = _other_days(entry, TouchKind.HOUSEHOLD, entry.household_id, scope, ck)
                    _touch(cursor, (scope.pk, ck, TouchKind.HOUSEHOLD), days, entry.date, sign, household_size)


# -- mobilisation ---------------------------------------------------------------------------


def _mobilisation_sources(person_id: int) -> list[tuple[Organisation, dt.date, int | None]]:
    """(committee, day, campaign or None) of everything that mobilised the person: pledges
    (for their campaign), pairings and need assignments (for no campaign in particular)."""
    from lvzhi.assistance.models import Need, Pairing, Pledge

    orgs = {o.pk: o for o in Organisation.objects.all()}
    sources: list[tuple[Organisation, dt.date, int | None]] = []
    for org_id, day, campaign_id in Pledge.objects.filter(person_id=person_id).values_list(
        "organisation_id", "pledged_on", "campaign_id"
    ):
        sources.append((orgs[org_id], day, campaign_id))
    for org_id, day in Pairing.objects.filter(person_id=person_id).values_list("organisation_id", "started_on"):
        sources.append((orgs[org_id], day, None))
    for org_id, assigned in Need.objects.filter(person_id=person_id, assigned_on__isnull=False).values_list(
        "organisation_id", "assigned_on"
    ):
        if assigned is not None:
            sources.append((orgs[org_id], assigned, None))
    return sources


def _running(campaigns: Iterable[Campaign], organisation: Organisation, day: dt.date) -> list[int]:
    """Campaigns of the committee or those above it that ran on ``day``."""
    paths = set(organisation.chain_paths())
    return [
        c.pk
        for c in campaigns
        if c.organisation.path in paths and c.start_date <= day and (c.end_date is None or day <= c.end_date)
    ]


def refresh_mobilisation(person_id: int) -> None:
    """Recompute the person's first-mobilised days from the sources (a handful of rows).
    A pairing or need assignment mobilises for every campaign running on that day."""
    campaigns = list(Campaign.objects.select_related("organisation"))
    first: dict[tuple[int, int], dt.date] = {}
    for org, day, campaign_id in _mobilisation_sources(person_id):
        keys = [ALL_CAMPAIGNS] + ([campaign_id] if campaign_id else _running(campaigns, org, day))
        for scope in scopes_of(org):
            for ck in keys:
                current = first.get((scope.pk, ck))
                if current is None or day < current:
                    first[(scope.pk, ck)] = day
    scopes = {o.pk: o for o in Organisation.objects.filter(pk__in={s for s, _ in first})}
    with transaction.atomic():
        Mobilisation.objects.filter(person_id=person_id).delete()
        Mobilisation.objects.bulk_create(
            Mobilisation(scope_id=s, campaign_key=ck, person_id=person_id, first_day=day)
            for (s, ck), day in first.items()
            if _eligible(person_id, scopes[s])
        )


# -- rebuild in bulk ------------------------------------------------------------------------


def _t(model: type) -> str:
    return model._meta.db_table  # type: ignore[attr-defined,no-any-return]


def _rebuild_scope(cursor: object, scope: Organisation) -> None:
    from lvzhi.households.models import Household
    from lvzhi.members.models import Membership

    run = cursor.execute  # type: ignore[attr-defined]
    like = scope.path + "%"
    entry, em, org, hh = _t(Entry), _t(EntryMember), _t(Organisation), _t(Household)
    membership = _t(Membership)
    confirmed = EntryStatus.CONFIRMED.value
    in_scope = f"e.organisation_id IN (SELECT id FROM {org} WHERE path LIKE %s)"

    # Sums per campaign and for all campaigns.
    sums = (
        "COUNT(*), SUM(CAST(ROUND(e.money * 100) AS BIGINT)), SUM(e.goods_count), "
        "SUM(CAST(ROUND(e.goods_value * 100) AS BIGINT)), SUM(e.industry_households), SUM(e.students), "
        "SUM(e.jobs), SUM(e.info_items), SUM(e.materials), SUM(e.key_matters)"
    )
    columns = "scope_id, campaign_key, day, " + ", ".join(SUM_FIELDS)
    for key_sql, group in (("e.campaign_id", "e.campaign_id, e.date"), ("0", "e.date")):
        campaign_filter = "AND e.campaign_id IS NOT NULL" if key_sql != "0" else ""
        run(
            f"INSERT INTO {_t(DailyTotal)} ({columns}) SELECT %s, {key_sql}, e.date, {sums} FROM {entry} e "
            f"WHERE e.status = %s AND {in_scope} {campaign_filter} GROUP BY {group}",
            [scope.pk, confirmed, like],
        )

    # Distinct members: (day, previous day) pairs from each member's sorted days.
    eligible = (
        f"SELECT m.person_id FROM {membership} m JOIN {org} mo ON mo.id = m.organisation_id "
        "WHERE m.is_active AND mo.path LIKE %s"
    )
    member_touches = (
        f"SELECT DISTINCT em.person_id AS subj, e.campaign_id AS camp, e.date AS day FROM {em} em "
        f"JOIN {entry} e ON e.id = em.entry_id WHERE e.status = %s AND {in_scope} AND em.person_id IN ({eligible})"
    )
    household_touches = (
        f"SELECT DISTINCT e.household_id AS subj, e.campaign_id AS camp, e.date AS day FROM {entry} e "
        f"WHERE e.status = %s AND {in_scope} AND e.household_id IS NOT NULL"
    )
    pair_columns = "scope_id, campaign_key, kind, day, prev_day, count, people"
    for kind, touches, params, people in (
        (TouchKind.MEMBER.value, member_touches, [confirmed, like, like], "0"),
        (TouchKind.HOUSEHOLD.value, household_touches, [confirmed, like], "SUM(h.size)"),
    ):
        join = f"JOIN {hh} h ON h.id = x.subj" if kind == TouchKind.HOUSEHOLD else ""
        for key_sql, partition, source in (
            ("x0.camp", "subj, camp", f"SELECT subj, camp, day FROM ({touches}) t WHERE camp IS NOT NULL"),
            ("0", "subj", f"SELECT DISTINCT subj, 0 AS camp, day FROM ({touches}) t"),
        ):
            run(
                f"INSERT INTO {_t(TouchPair)} ({pair_columns}) "
                f"SELECT %s, x.camp, %s, x.day, x.prev, COUNT(*), {people} FROM ("
                f"SELECT x0.subj, {key_sql} AS camp, x0.day, "
                f"COALESCE(LAG(x0.day) OVER (PARTITION BY {partition} ORDER BY x0.day), %s) AS prev "
                f"FROM ({source}) x0) x {join} GROUP BY x.camp, x.day, x.prev",
                [scope.pk, kind, NO_PREVIOUS, *params],
            )


def rebuild(scopes: Iterable[Organisation] | None = None, *, mobilisation: bool = True) -> None:
    """Recompute the rollups of the given scopes (default: every committee) from the data."""
    targets = list(scopes) if scopes is not None else list(Organisation.objects.all())
    ids = [s.pk for s in targets]
    with transaction.atomic():
        DailyTotal.objects.filter(scope_id__in=ids).delete()
        TouchPair.objects.filter(scope_id__in=ids).delete()
        with connection.cursor() as cursor:
            for scope in targets:
                _rebuild_scope(cursor, scope)
        if mobilisation:
            _rebuild_mobilisation(targets)


def _rebuild_mobilisation(scopes: list[Organisation]) -> None:
    from lvzhi.assistance.models import Need, Pairing, Pledge

    persons: set[int] = set()
    for scope in scopes:
        persons.update(
            Pledge.objects.filter(organisation__path__startswith=scope.path).values_list("person_id", flat=True)
        )
        persons.update(
            Pairing.objects.filter(organisation__path__startswith=scope.path).values_list("person_id", flat=True)
        )
        persons.update(
            Need.objects.filter(organisation__path__startswith=scope.path, person__isnull=False).values_list(
                "person_id", flat=True
            )
        )
    for person_id in persons:
        refresh_mobilisation(person_id)
