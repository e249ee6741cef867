"""Benchmark: the assistance figures of a province-sized ledger.

Loads 3,000,000 household members (about 860,000 households) and 1,000,000 confirmed ledger
entries (about 1.3 million member links) for a city and four counties, rebuilds the rollups
once, then times `assistance_figures` (what the page and the command use: the rollups)
against `live_figures` (the plain ORM aggregate over the ledger), for the city over its
counties and for one county, from the start and for a quarter; and `award_candidates` (the
year-end ranking from `MemberTotal`) against `live_award_candidates` (the GROUP BY over the
year's member links), each pair checked equal first. These come back as "cases".

Last, a historic-ledger import of 5,000 entries into the loaded county through
`save_confirmed_entries` (insert + the rollups moved by the new rows only), against the
full rebuild of the county and the city that the import used to run after the same
insert; the rebuild also checks that the incremental rollups were exactly right. That
comparison is printed here (one line), the rest is returned.

Rows are written with executemany on SQLite and binary COPY on PostgreSQL; the data are
synthetic and deterministic (fixed seed)."""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from lvzhi.core.bulk import insert_rows


def _next_id(model: Any) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def load_world(n_people: int, n_entries: int, seed: int = 11) -> dict[str, Any]:
    from lvzhi.assistance.models import ActionKind, Campaign, Entry, EntryMember
    from lvzhi.households.models import Household, HouseholdMember, Township, Village
    from lvzhi.members.models import Membership, Person
    from lvzhi.organisations.models import Organisation

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction.atomic():
        city = Organisation.objects.create(code="bcity", name="基准市政协", short_name="基准市", level="city")
        counties = [
            Organisation.objects.create(
                code=f"bc{i}", name=f"基准{i}县政协", short_name=f"基准{i}县", level="county", parent=city
            )
            for i in range(4)
        ]
        # Members: 5,000 per county and 600 in the city (a third of them also county members).
        person_id = _next_id(Person)
        persons: list[dict[str, Any]] = []
        seats: list[tuple[int, int]] = []
        for c, county in enumerate(counties):
            for i in range(5000):
                persons.append({"id": person_id, "name": f"委员{c}-{i}", "id_number": f"B{c}{i:016d}", "gender": "M"})
                seats.append((person_id, county.pk))
                if i % 33 == 0:
                    seats.append((person_id, city.pk))
                person_id += 1
        now = dt.datetime.now(dt.UTC)
        insert_rows(Person, persons)
        membership_id = _next_id(Membership)
        insert_rows(
            Membership,
            ({"id": membership_id + i, "person_id": p, "organisation_id": o} for i, (p, o) in enumerate(seats)),
        )
        county_persons = {county.pk: [p for p, o in seats if o == county.pk] for county in counties}

        # Households: 20 townships x 10 villages per county, ~3.5 people each.
        hh_id, member_id = _next_id(Household), _next_id(HouseholdMember)
        households: list[tuple[int, int, int]] = []  # (id, county, size)
        hh_rows: list[dict[str, Any]] = []
        people_left = n_people
        for c, county in enumerate(counties):
            villages = []
            for t in range(20):
                township = Township.objects.create(organisation=county, name=f"镇{t}", code=f"{c}{t:08d}")
                villages += [
                    Village(organisation=county, township=township, name=f"村{v}", code=f"{c}{t:08d}{v:03d}")
                    for v in range(10)
                ]
            Village.objects.bulk_create(villages)
            share = people_left if c == len(counties) - 1 else n_people // len(counties)
            people_left -= share
            while share > 0:
                size = min(share, rng.choice((1, 2, 3, 3, 4, 4, 5, 6)))
                share -= size
                village = rng.choice(villages)
                hh_rows.append(
                    {
                        "id": hh_id,
                        "organisation_id": county.pk,
                        "number": f"{c}{hh_id:012d}",
                        "township_id": village.township_id,
                        "village_id": village.pk,
                        "head_name": f"户主{hh_id}",
                        "main_cause": "illness",
                        "size": size,
                    }
                )
                households.append((hh_id, county.pk, size))
                hh_id += 1
        insert_rows(Household, hh_rows)

        def members() -> Iterable[dict[str, Any]]:
            nonlocal member_id
            for household, county_id, size in households:
                for k in range(size):
                    yield {
                        "id": member_id,
                        "household_id": household,
                        "organisation_id": county_id,
                        "name": f"成员{member_id}",
                        "id_number": f"H{member_id:017d}",
                        "relation": "head" if k == 0 else "child",
                        "sex": "M",
                        "sort_order": k,
                    }
                    member_id += 1

        insert_rows(HouseholdMember, members())
        timings["load_households_s"] = time.perf_counter() - started

        # Campaigns: 三送三帮 per county for the year, the city's 百日会战.
        started = time.perf_counter()
        year = dt.date(2025, 1, 1)
        campaigns = {}
        for county in counties:
            campaigns[county.pk] = Campaign.objects.create(
                organisation=county, code=f"{county.code}-ss", name="三送三帮", theme="七个助推", start_date=year
            )
        hundred = Campaign.objects.create(
            organisation=city,
            code="bcity-bairi",
            name="百日会战",
            start_date=dt.date(2025, 6, 1),
            end_date=dt.date(2025, 9, 8),
        )
        for launched in [*campaigns.values(), hundred]:
            ActionKind.objects.create(campaign=launched, code="love", name="送爱心", measure="money")
        by_county: dict[int, list[tuple[int, int]]] = {}
        for household, county_id, size in households:
            by_county.setdefault(county_id, []).append((household, size))
        entry_id, link_id = _next_id(Entry), _next_id(EntryMember)
        entries: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for _ in range(n_entries):
            county = rng.choice(counties)
            day = year + dt.timedelta(days=rng.randrange(365))
            in_hundred = dt.date(2025, 6, 1) <= day <= dt.date(2025, 9, 8) and rng.random() < 0.3
            campaign = hundred.pk if in_hundred else campaigns[county.pk].pk
            target_household: int | None = rng.choice(by_county[county.pk])[0] if rng.random() < 0.85 else None
            kind = rng.random()
            money = rng.choice((100, 200, 500, 1000, 2000)) if kind < 0.5 else 0
            goods = rng.randint(1, 5) if 0.5 <= kind < 0.7 else 0
            entries.append(
                {
                    "id": entry_id,
                    "organisation_id": county.pk,
                    "campaign_id": campaign,
                    "date": day,
                    "target": "household" if target_household else "general",
                    "household_id": target_household,
                    "summary": "帮扶",
                    "money": money,
                    "goods_count": goods,
                    "goods_value": goods * 150,
                    "industry_households": int(0.7 <= kind < 0.75),
                    "students": int(0.75 <= kind < 0.8),
                    "jobs": int(0.8 <= kind < 0.85),
                    "info_items": rng.randint(1, 3) if kind >= 0.85 else 0,
                    "status": "confirmed",
                    "source": "import",
                    "batch": "bench",
                    "confirmed_at": now,
                }
            )
            for p in rng.sample(county_persons[county.pk], 1 if rng.random() < 0.75 else 2):
                links.append({"id": link_id, "entry_id": entry_id, "person_id": p, "date": day, "counted": True})
                link_id += 1
            entry_id += 1
        insert_rows(Entry, entries)
        insert_rows(EntryMember, links)
        timings["load_ledger_s"] = time.perf_counter() - started
        # The rows came with their ids: move PostgreSQL's sequences past them, so that rows
        # saved later through the ORM (the bulk import below) get fresh ids.
        from django.core.management.color import no_style

        loaded = [Person, Membership, Household, HouseholdMember, Entry, EntryMember]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    started = time.perf_counter()
    from lvzhi.assistance import rollups

    rollups.rebuild([city, *counties])
    timings["rebuild_rollups_s"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"city": city, "county": counties[0], "links": len(links), **timings}


def bench_figures(n_people: int = 3_000_000, n_entries: int = 1_000_000) -> dict[str, Any]:
    from lvzhi.assistance.figures import (
        Filters,
        assistance_figures,
        award_candidates,
        award_year,
        live_award_candidates,
        live_figures,
    )
    from lvzhi.bench import _timeit

    world = load_world(n_people, n_entries)
    as_of = dt.date(2025, 11, 20)
    cases = {
        "city, from the start": Filters(world["city"], end=as_of),
        "city, Q3": Filters(world["city"], start=dt.date(2025, 7, 1), end=dt.date(2025, 9, 30)),
        "county, from the start": Filters(world["county"], end=as_of),
    }
    results = []
    for label, f in cases.items():
        fast = assistance_figures(f)
        slow = live_figures(f)
        assert {k: v for k, v in fast.items() if k != "definitions"} == {
            k: v for k, v in slow.items() if k != "definitions"
        }, label
        results.append(
            {
                "case": label,
                "rollups_s": _timeit(functools.partial(assistance_figures, f), repeat=5),
                "live_s": _timeit(functools.partial(live_figures, f), repeat=2),
                "money_yuan": fast["money_yuan"],
                "participation_rate": fast["participation_rate"],
            }
        )
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    for label, f in {
        "awards, city, 2025": Filters(world["city"], start=year[0], end=year[1]),
        "awards, county, 2025": Filters(world["county"], start=year[0], end=year[1]),
    }.items():
        assert award_year(f) == 2025, label
        ranking = award_candidates(f)
        assert ranking == live_award_candidates(f) and len(ranking) == 20, label
        results.append(
            {
                "case": label,
                "rollups_s": _timeit(functools.partial(award_candidates, f), repeat=5),
                "live_s": _timeit(functools.partial(live_award_candidates, f), repeat=2),
                "top_entries": ranking[0]["entries"],
                "top_money_yuan": ranking[0]["money_yuan"],
            }
        )
    bulk = bench_bulk_import(world["county"])
    before = bulk["insert_s"] + bulk["rebuild_s"]
    print(
        f"historic ledger import, {bulk['rows']:,} entries into a loaded county (a city of 4 counties): "
        f"insert + rollups moved by the new rows (Lvzhi) {bulk['incremental_s']:.1f} s | insert "
        f"{bulk['insert_s']:.1f} s + full rebuild of county and city {bulk['rebuild_s']:.1f} s | "
        f"ratio {before / bulk['incremental_s']:.1f}x"
    )
    return {
        "people": n_people,
        "entries": n_entries,
        "links": world["links"],
        "load_households_s": world["load_households_s"],
        "load_ledger_s": world["load_ledger_s"],
        "rebuild_rollups_s": world["rebuild_rollups_s"],
        "cases": results,
        "bulk_import": bulk,
        "city": world["city"],
    }


# The rollup rows a rebuild must reproduce, as (table, columns, condition): empty rows
# (everything taken away again) are left out, the rebuild never writes them.
_SNAPSHOTS = (
    (
        "assistance_dailytotal",
        "scope_id, campaign_key, day, entries, money_fen, goods_count, goods_value_fen, industry_households, "
        "students, jobs, info_items, materials, key_matters",
        "entries <> 0",
    ),
    (
        "assistance_touchpair",
        "scope_id, campaign_key, kind, day, prev_day, count, people",
        "(count <> 0 OR people <> 0)",
    ),
    ("assistance_membertotal", "scope_id, campaign_key, year, person_id, entries, money_fen", "entries <> 0"),
)


def _import_items(county: Any, rows: int, rng: random.Random) -> list[tuple[dict[str, Any], list[int]]]:
    """``rows`` validated ledger rows for the county: its households and members, its
    campaign, days of 2025 (the days, members and households of the loaded ledger)."""
    from lvzhi.assistance.models import Campaign
    from lvzhi.households.models import Household
    from lvzhi.members.models import Membership

    persons = list(Membership.objects.filter(organisation=county).values_list("person_id", flat=True))
    household_ids = list(Household.objects.filter(organisation=county).values_list("pk", flat=True))
    campaign = Campaign.objects.get(code=f"{county.code}-ss")
    chosen = Household.objects.in_bulk(rng.sample(household_ids, rows))
    return [
        (
            {
                "date": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365)),
                "campaign": campaign,
                "target": "household",
                "household": household,
                "summary": "历史台账",
                "money": rng.choice((0, 100, 200, 500)),
                "info_items": rng.randint(0, 2),
            },
            rng.sample(persons, 1 if rng.random() < 0.75 else 2),
        )
        for household in chosen.values()
    ]


def bench_bulk_import(county: Any, rows: int = 5000, seed: int = 23) -> dict[str, Any]:
    """A historic ledger of ``rows`` entries into the county of a loaded ledger, both ways:

    - `save_confirmed_entries`: the insert and the rollups moved by the new rows, timed;
    - what the bulk path did before: the same insert, then the full rebuild of the county
      and the city, timed apart (another file of the same size, in a savepoint rolled
      back after). The rebuild comes first, right after the incremental import, and every
      rollup row of those scopes must come out exactly as the import left it."""
    from lvzhi.accounts.models import Role, User
    from lvzhi.assistance import rollups
    from lvzhi.assistance.imports import insert_confirmed, save_confirmed_entries
    from lvzhi.assistance.models import Source

    rng = random.Random(seed)
    actor, _created = User.objects.get_or_create(username="bench-importer", role=Role.OFFICE, organisation=county)
    items, other_items = _import_items(county, rows, rng), _import_items(county, rows, rng)
    scopes = rollups.scopes_of(county)
    ids = ", ".join(str(s.pk) for s in scopes)
    with transaction.atomic():
        started = time.perf_counter()
        save_confirmed_entries(actor=actor, organisation=county, items=items, batch="bench-import")
        incremental = time.perf_counter() - started
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table, columns, condition in _SNAPSHOTS:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE bench_{table} AS SELECT {columns} FROM {table} "
                    f"WHERE scope_id IN ({ids}) AND {condition}"
                )
        started = time.perf_counter()
        rollups.rebuild(scopes, mobilisation=False)
        rebuild = time.perf_counter() - started
        with connection.cursor() as cursor:
            for table, columns, condition in _SNAPSHOTS:
                now = f"SELECT {columns} FROM {table} WHERE scope_id IN ({ids}) AND {condition}"
                for query in (
                    f"{now} EXCEPT SELECT {columns} FROM bench_{table}",
                    f"SELECT {columns} FROM bench_{table} EXCEPT {now}",
                ):
                    cursor.execute(f"SELECT COUNT(*) FROM ({query}) d")
                    assert cursor.fetchone()[0] == 0, f"{table}: the incremental rollups differ from the rebuild"
                cursor.execute(f"DROP TABLE bench_{table}")
        started = time.perf_counter()
        insert_confirmed(actor, county, other_items, "bench-insert", Source.IMPORT)
        insert = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"rows": rows, "incremental_s": incremental, "insert_s": insert, "rebuild_s": rebuild}
