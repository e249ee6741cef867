"""The rollups behind the assistance figures (see the models' docstring for the design).

Two ways to keep them true, checked against each other and against a live aggregate in
the tests:

- incrementally, by the actions: `apply_entry(entry, +1)` when an entry starts to count
  (confirmed), `apply_entry(entry, -1)` before it stops (un-confirmed, edited, deleted);
  `refresh_mobilisation(person_id)` whenever a pledge, pairing or need assignment changes;
- in bulk, by `rebuild(scopes)`: set-based SQL (window functions, on SQLite and PostgreSQL),
  used by `manage.py rebuild_rollups` and after a restore;
- for a bulk import of historic ledgers (thousands of rows into a loaded province), by
  deltas of the new rows only: `apply_entries` adds their sums (DailyTotal, MemberTotal)
  grouped in Python, and `Retouch` moves the touch pairs of just the members and
  households the import names, from what they were to what they are, with the rebuild's
  own window-function SQL. Rebuilding the county and every committee above it instead
  reads the whole ledger of the city and the province: minutes, for a file that changes
  a few thousand subjects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from lvzhi.assistance.models import (
    ALL_CAMPAIGNS,
    ALL_YEARS,
    NO_PREVIOUS,
    Campaign,
    DailyTotal,
    Entry,
    EntryMember,
    EntryStatus,
    MemberTotal,
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


def _upsert_sql(table: str, keys: Sequence[str], adds: Sequence[str], rows: int = 1, *, source: str = "") -> str:
    """INSERT of ``rows`` rows (or of the rows of ``source``, a SELECT) that adds to the
    existing row on a key conflict."""
    columns = [*keys, *adds]
    values = ", ".join([f"({', '.join(['%s'] * len(columns))})"] * rows)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in adds)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {source or 'VALUES ' + values} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


_DAILY_KEYS = ("scope_id", "campaign_key", "day")
_MEMBER_KEYS = ("scope_id", "campaign_key", "year", "person_id")
_MEMBER_SUMS = ("entries", "money_fen")
_ROWS_PER_UPSERT = 500  # x 13 columns: well under SQLite's 32,766 parameters
_SUBJECTS_PER_QUERY = 2000  # well under SQLite's 32,766 parameters
_STAGE = "assistance_touch_stage"  # `Retouch`'s temporary table (one per connection)


def _upsert_rows(
    cursor: object, model: type, keys: Sequence[str], adds: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """Add ``rows`` (keys then amounts, one row per key) to a rollup table in a few
    statements, not one per row (bulk imports move tens of thousands). PostgreSQL takes
    them as one array per column (`unnest`): a statement with thousands of literal rows
    costs more to parse there than to run. SQLite takes a few hundred rows per VALUES."""
    if not rows:
        return
    table = model._meta.db_table  # type: ignore[attr-defined]
    if connection.vendor == "postgresql":
        fields = [model._meta.get_field(column) for column in (*keys, *adds)]  # type: ignore[attr-defined]
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        sql = _upsert_sql(table, keys, adds, source=f"SELECT * FROM unnest({arrays})")
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])  # type: ignore[attr-defined]
        return
    for start in range(0, len(rows), _ROWS_PER_UPSERT):
        batch = rows[start : start + _ROWS_PER_UPSERT]
        params = [value for row in batch for value in row]
        cursor.execute(_upsert_sql(table, keys, adds, len(batch)), params)  # type: ignore[attr-defined]


def _years(day: dt.date) -> tuple[int, int]:
    """The `MemberTotal` years an entry of ``day`` counts in: its own and all years."""
    return (ALL_YEARS, day.year)


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
    scopes = scopes_of(entry.organisation)
    apply_entries(entry.organisation, [(entry, persons)], sign, scopes=scopes)  # the sums
    with connection.cursor() as cursor:
        for scope in scopes:
            eligible = [p for p in persons if _eligible(p, scope)]
            for ck in _campaign_keys(entry.campaign_id):
                for person_id in eligible:
                    days = _other_days(entry, TouchKind.MEMBER, person_id, scope, ck)
                    _touch(cursor, (scope.pk, ck, TouchKind.MEMBER), days, entry.date, sign, 0)
                if entry.household_id:
                    days = _other_days(entry, TouchKind.HOUSEHOLD, entry.household_id, scope, ck)
                    _touch(cursor, (scope.pk, ck, TouchKind.HOUSEHOLD), days, entry.date, sign, household_size)


# -- bulk imports: deltas of the new rows only ------------------------------------------------


def apply_entries(
    organisation: Organisation,
    rows: Sequence[tuple[Entry, Sequence[int]]],
    sign: int = 1,
    *,
    scopes: Sequence[Organisation] | None = None,
) -> None:
    """Add (+1) or take away (-1) confirmed entries (all of ``organisation``, with their
    members) in the sums of every scope above them: DailyTotal and MemberTotal, grouped
    here first so that each rollup row moves once, in a few multi-row upserts. One entry
    (`apply_entry`) or a bulk import alike. The touch pairs are not sums: see `Retouch`."""
    daily: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0] * len(SUM_FIELDS))
    members: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for entry, persons in rows:
        amounts = [sign * a for a in _entry_amounts(entry)]
        for ck in _campaign_keys(entry.campaign_id):
            totals = daily[(ck, entry.date)]
            for i, amount in enumerate(amounts):
                totals[i] += amount
            for year in _years(entry.date):
                for person_id in persons:
                    sums = members[(ck, year, person_id)]
                    sums[0] += sign
                    sums[1] += amounts[1]
    with connection.cursor() as cursor:
        for scope in scopes_of(organisation) if scopes is None else scopes:
            _upsert_rows(
                cursor, DailyTotal, _DAILY_KEYS, SUM_FIELDS, [[scope.pk, *key, *sums] for key, sums in daily.items()]
            )
            _upsert_rows(
                cursor,
                MemberTotal,
                _MEMBER_KEYS,
                _MEMBER_SUMS,
                [[scope.pk, *key, *sums] for key, sums in members.items()],
            )


class Retouch:
    """The touch pairs of a bulk import's members and households, moved by the new rows
    only. A pair row sums many subjects, so "delete their rows and recompute" becomes
    "take out their share as it was, add it as it is":

    1. `Retouch(organisation, members=..., households=...)`, before the insert, copies the
       confirmed touches (subject, campaign, day, committee) of just these subjects under
       the top scope into a temporary table: one read of their own indexes;
    2. `add(rows)`, after the insert, adds the new entries' touches to that table (from
       the rows themselves: no second read of the ledger), then, per scope, computes the
       subjects' pairs without the new touches (-1) and with them (+1) in one statement
       and upserts only the pairs whose sums changed.

    The pairs are computed by the rebuild's own window-function SQL (`_touch_pairs`),
    reading the temporary table instead of the ledger; no other subject is read."""

    def __init__(self, organisation: Organisation, *, members: Iterable[int], households: Iterable[int]) -> None:
        self.scopes = scopes_of(organisation)
        top = min(self.scopes, key=lambda scope: len(scope.path))
        subjects = (
            (TouchKind.MEMBER.value, sorted(set(members))),
            (TouchKind.HOUSEHOLD.value, sorted(set(households))),
        )
        entry, em = _t(Entry), _t(EntryMember)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_STAGE} (kind VARCHAR(1) NOT NULL, subj BIGINT NOT NULL, "
                "camp BIGINT NULL, day DATE NOT NULL, org_id BIGINT NOT NULL, added SMALLINT NOT NULL)"
            )
            for kind, ids in subjects:
                for start in range(0, len(ids), _SUBJECTS_PER_QUERY):
                    chunk = ids[start : start + _SUBJECTS_PER_QUERY]
                    marks = ", ".join(["%s"] * len(chunk))
                    if kind == TouchKind.MEMBER:
                        source = (
                            f"SELECT DISTINCT %s, em.person_id, e.campaign_id, e.date, e.organisation_id, 0 "
                            f"FROM {em} em JOIN {entry} e ON e.id = em.entry_id WHERE em.person_id IN ({marks})"
                        )
                    else:
                        source = (
                            f"SELECT DISTINCT %s, e.household_id, e.campaign_id, e.date, e.organisation_id, 0 "
                            f"FROM {entry} e WHERE e.household_id IN ({marks})"
                        )
                    cursor.execute(
                        f"INSERT INTO {_STAGE} (kind, subj, camp, day, org_id, added) {source} "
                        f"AND e.status = %s AND {_in_scope(unindexed=True)}",
                        [kind, *chunk, EntryStatus.CONFIRMED.value, _under(top.path)],
                    )

    def add(self, rows: Sequence[tuple[Entry, Sequence[int]]]) -> None:
        """The new confirmed entries (with their members) are saved: move the pairs."""
        touches: list[tuple[Any, ...]] = []
        for entry, persons in rows:
            place = (entry.campaign_id, entry.date, entry.organisation_id, 1)
            touches.extend((TouchKind.MEMBER.value, p, *place) for p in persons)
            if entry.household_id:
                touches.append((TouchKind.HOUSEHOLD.value, entry.household_id, *place))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {_STAGE} (kind, subj, camp, day, org_id, added) VALUES (%s, %s, %s, %s, %s, %s)", touches
            )
            if connection.vendor == "postgresql":
                # Autovacuum never sees temporary tables: without statistics the planner
                # takes this one for a row or two and loops over it.
                cursor.execute(f"ANALYZE {_STAGE}")
            for scope in self.scopes:
                for kind in TouchKind.values:
                    before, before_params = self._touches(scope, kind, "AND s.added = 0")
                    after, after_params = self._touches(scope, kind, "")
                    _touch_pairs(cursor, scope, kind, [(-1, before, before_params), (+1, after, after_params)])
            cursor.execute(f"DROP TABLE {_STAGE}")

    @staticmethod
    def _touches(scope: Organisation, kind: str, only: str) -> tuple[str, list[object]]:
        """Like `_ledger_touches`, from the temporary table."""
        sql = (
            f"SELECT DISTINCT s.subj AS subj, s.camp AS camp, s.day AS day FROM {_STAGE} s "
            f"WHERE s.kind = %s AND s.org_id IN (SELECT id FROM {_t(Organisation)} WHERE path {_LIKE}) {only}"
        )
        params: list[object] = [kind, _under(scope.path)]
        if kind == TouchKind.MEMBER:
            sql += f" AND s.subj IN ({_eligible_sql()})"
            params.append(_under(scope.path))
        return sql, params


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


def _under(path: str) -> str:
    """A LIKE pattern for the paths in ``path``'s subtree: codes are slugs, and "_" in a
    slug would otherwise match any character. Used with `_LIKE`."""
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_LIKE = "LIKE %s ESCAPE '\\'"


def _year_sql(column: str) -> str:
    """The calendar year of a date column (SQLite keeps dates as 'YYYY-MM-DD' text)."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(substr({column}, 1, 4) AS INTEGER)"


def _in_scope(alias: str = "e", *, unindexed: bool = False) -> str:
    """The entry's committee is in the scope's subtree. ``unindexed`` keeps SQLite's planner
    off the (committee, status, date) index, a scan of the whole scope, when a few
    households' own index is the way in (unary + is a no-op on both databases)."""
    column = f"{'+' if unindexed else ''}{alias}.organisation_id"
    return f"{column} IN (SELECT id FROM {_t(Organisation)} WHERE path {_LIKE})"


def _eligible_sql() -> str:
    """The persons with an active seat in the scope's subtree (one LIKE parameter)."""
    from lvzhi.members.models import Membership

    return (
        f"SELECT m.person_id FROM {_t(Membership)} m JOIN {_t(Organisation)} mo ON mo.id = m.organisation_id "
        f"WHERE m.is_active AND mo.path {_LIKE}"
    )


def _rebuild_daily(cursor: object, scope: Organisation) -> None:
    """Sums per campaign and for all campaigns."""
    sums = (
        "COUNT(*), SUM(CAST(ROUND(e.money * 100) AS BIGINT)), SUM(e.goods_count), "
        "SUM(CAST(ROUND(e.goods_value * 100) AS BIGINT)), SUM(e.industry_households), SUM(e.students), "
        "SUM(e.jobs), SUM(e.info_items), SUM(e.materials), SUM(e.key_matters)"
    )
    columns = "scope_id, campaign_key, day, " + ", ".join(SUM_FIELDS)
    for key_sql, group in (("e.campaign_id", "e.campaign_id, e.date"), ("0", "e.date")):
        campaign_filter = "AND e.campaign_id IS NOT NULL" if key_sql != "0" else ""
        cursor.execute(  # type: ignore[attr-defined]
            f"INSERT INTO {_t(DailyTotal)} ({columns}) SELECT %s, {key_sql}, e.date, {sums} FROM {_t(Entry)} e "
            f"WHERE e.status = %s AND {_in_scope()} {campaign_filter} GROUP BY {group}",
            [scope.pk, EntryStatus.CONFIRMED.value, _under(scope.path)],
        )


def _ledger_touches(scope: Organisation, kind: str) -> tuple[str, list[object]]:
    """Every distinct (subject, campaign, day) of the kind in the scope's confirmed ledger;
    members only if seated in the scope."""
    entry, like = _t(Entry), _under(scope.path)
    if kind == TouchKind.MEMBER:
        sql = (
            f"SELECT DISTINCT em.person_id AS subj, e.campaign_id AS camp, e.date AS day FROM {_t(EntryMember)} em "
            f"JOIN {entry} e ON e.id = em.entry_id WHERE e.status = %s AND {_in_scope()} "
            f"AND em.person_id IN ({_eligible_sql()})"
        )
        return sql, [EntryStatus.CONFIRMED.value, like, like]
    sql = (
        f"SELECT DISTINCT e.household_id AS subj, e.campaign_id AS camp, e.date AS day FROM {entry} e "
        f"WHERE e.status = %s AND {_in_scope()} AND e.household_id IS NOT NULL"
    )
    return sql, [EntryStatus.CONFIRMED.value, like]


def _touch_pairs(
    cursor: object, scope: Organisation, kind: str, sources: Sequence[tuple[int, str, list[object]]] | None = None
) -> None:
    """Upsert the (day, previous day) pairs of a kind of subject in the scope, per campaign
    and for all campaigns: each subject's distinct touch days, sorted by a window function
    (LAG), counted per pair. ``sources`` are (sign, touches SQL, its parameters), the
    touches being (subj, camp, day) rows; the signed counts are summed and only pairs that
    move are written. By default the scope's whole ledger, +1 (the rebuild); `Retouch`
    passes its subjects' touches without the new rows (-1) and with them (+1)."""
    from lvzhi.households.models import Household

    if sources is None:
        sources = [(1, *_ledger_touches(scope, kind))]
    if kind == TouchKind.MEMBER:
        people, join = "0", ""
    else:
        people, join = "SUM(h.size)", f"JOIN {_t(Household)} h ON h.id = x.subj"
    table = _t(TouchPair)
    for key_sql, partition in (("x0.camp", "subj, camp"), ("0", "subj")):
        parts, params = [], []
        for sign, touches, touch_params in sources:
            if key_sql == "0":
                source = f"SELECT DISTINCT subj, 0 AS camp, day FROM ({touches}) t"
            else:
                source = f"SELECT subj, camp, day FROM ({touches}) t WHERE camp IS NOT NULL"
            parts.append(
                f"SELECT x.camp, x.day, x.prev, {sign} * COUNT(*) AS n, {sign} * {people} AS people FROM ("
                f"SELECT x0.subj, {key_sql} AS camp, x0.day, "
                f"COALESCE(LAG(x0.day) OVER (PARTITION BY {partition} ORDER BY x0.day), %s) AS prev "
                f"FROM ({source}) x0) x {join} GROUP BY x.camp, x.day, x.prev"
            )
            params += [NO_PREVIOUS, *touch_params]
        # "WHERE 1 = 1": SQLite's upsert after a SELECT needs a WHERE clause to parse.
        cursor.execute(  # type: ignore[attr-defined]
            f"INSERT INTO {table} (scope_id, campaign_key, kind, day, prev_day, count, people) "
            f"SELECT %s, y.camp, %s, y.day, y.prev, SUM(y.n), SUM(y.people) FROM ({' UNION ALL '.join(parts)}) y "
            "WHERE 1 = 1 GROUP BY y.camp, y.day, y.prev HAVING SUM(y.n) <> 0 OR SUM(y.people) <> 0 "
            "ON CONFLICT (scope_id, campaign_key, kind, day, prev_day) DO UPDATE SET "
            f"count = {table}.count + excluded.count, people = {table}.people + excluded.people",
            [scope.pk, kind, *params],
        )


def _rebuild_member_totals(cursor: object, scope: Organisation) -> None:
    """One pass over the scope's member links grouped by (campaign, year, member); the rows
    for all campaigns and for all years are then summed from those rows, far fewer than
    the links. Entries without a campaign wait under campaign key -1 until the sums for all
    campaigns have been taken, then go."""
    run = cursor.execute  # type: ignore[attr-defined]
    table, year = _t(MemberTotal), _year_sql("e.date")
    columns = "scope_id, campaign_key, year, person_id, entries, money_fen"
    run(
        f"INSERT INTO {table} ({columns}) SELECT %s, COALESCE(e.campaign_id, -1), {year}, em.person_id, COUNT(*), "
        f"SUM(CAST(ROUND(e.money * 100) AS BIGINT)) FROM {_t(EntryMember)} em JOIN {_t(Entry)} e ON e.id = em.entry_id "
        f"WHERE e.status = %s AND {_in_scope()} GROUP BY COALESCE(e.campaign_id, -1), {year}, em.person_id",
        [scope.pk, EntryStatus.CONFIRMED.value, _under(scope.path)],
    )
    run(
        f"INSERT INTO {table} ({columns}) SELECT scope_id, {ALL_CAMPAIGNS}, year, person_id, SUM(entries), "
        f"SUM(money_fen) FROM {table} WHERE scope_id = %s GROUP BY scope_id, year, person_id",
        [scope.pk],
    )
    run(
        f"INSERT INTO {table} ({columns}) SELECT scope_id, campaign_key, {ALL_YEARS}, person_id, SUM(entries), "
        f"SUM(money_fen) FROM {table} WHERE scope_id = %s GROUP BY scope_id, campaign_key, person_id",
        [scope.pk],
    )
    run(f"DELETE FROM {table} WHERE scope_id = %s AND campaign_key = -1", [scope.pk])


def _rebuild_mobilisation(cursor: object, scope: Organisation) -> None:
    """The first day each member of the scope was mobilised, set-based (what
    `refresh_mobilisation` computes for one person): a pledge mobilises for its campaign, a
    pairing or need assignment for every campaign launched at or above its committee that
    ran on that day, and all of them for all campaigns."""
    from lvzhi.assistance.models import Need, Pairing, Pledge

    org, like = _t(Organisation), _under(scope.path)
    cursor.execute(  # type: ignore[attr-defined]
        f"WITH pledged AS (SELECT p.person_id, p.campaign_id, p.pledged_on AS day FROM {_t(Pledge)} p "
        f"JOIN {org} o ON o.id = p.organisation_id WHERE o.path {_LIKE}), "
        f"assigned AS (SELECT pa.person_id, pa.started_on AS day, o.path FROM {_t(Pairing)} pa "
        f"JOIN {org} o ON o.id = pa.organisation_id WHERE o.path {_LIKE} "
        f"UNION ALL SELECT n.person_id, n.assigned_on, o.path FROM {_t(Need)} n "
        f"JOIN {org} o ON o.id = n.organisation_id WHERE o.path {_LIKE} "
        "AND n.person_id IS NOT NULL AND n.assigned_on IS NOT NULL) "
        f"INSERT INTO {_t(Mobilisation)} (scope_id, campaign_key, person_id, first_day) "
        "SELECT %s, s.ck, s.person_id, MIN(s.day) FROM ("
        "SELECT person_id, campaign_id AS ck, day FROM pledged "
        f"UNION ALL SELECT person_id, {ALL_CAMPAIGNS}, day FROM pledged "
        f"UNION ALL SELECT person_id, {ALL_CAMPAIGNS}, day FROM assigned "
        f"UNION ALL SELECT a.person_id, c.id, a.day FROM assigned a JOIN {_t(Campaign)} c "
        "ON c.start_date <= a.day AND (c.end_date IS NULL OR a.day <= c.end_date) "
        f"JOIN {org} co ON co.id = c.organisation_id WHERE substr(a.path, 1, length(co.path)) = co.path"
        f") s WHERE s.person_id IN ({_eligible_sql()}) GROUP BY s.ck, s.person_id",
        [like, like, like, scope.pk, like],
    )


def rebuild(scopes: Iterable[Organisation] | None = None, *, mobilisation: bool = True) -> None:
    """Recompute the rollups of the given scopes (default: every committee) from the data."""
    targets = list(scopes) if scopes is not None else list(Organisation.objects.all())
    ids = [s.pk for s in targets]
    with transaction.atomic():
        DailyTotal.objects.filter(scope_id__in=ids).delete()
        TouchPair.objects.filter(scope_id__in=ids).delete()
        MemberTotal.objects.filter(scope_id__in=ids).delete()
        if mobilisation:
            Mobilisation.objects.filter(scope_id__in=ids).delete()
        with connection.cursor() as cursor:
            for scope in targets:
                _rebuild_daily(cursor, scope)
                for kind in TouchKind.values:
                    _touch_pairs(cursor, scope, kind)
                _rebuild_member_totals(cursor, scope)
                if mobilisation:
                    _rebuild_mobilisation(cursor, scope)
