"""The year-end award ranking (评先奖优) from the `MemberTotal` rollup against the live
ranking, through every action that moves it (log, confirm, office edit, delete), the bulk
rebuild, and the periods the rollup may and may not serve."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from lvzhi.assistance import actions, rollups
from lvzhi.assistance.figures import Filters, award_candidates, award_year, live_award_candidates
from lvzhi.assistance.models import ALL_YEARS, Entry, EntryStatus, MemberTotal
from lvzhi.assistance.testing import campaign, entry_data, log, make_household
from lvzhi.members.models import Membership
from lvzhi.organisations.models import Body
from lvzhi.testing import World, add_member, member_data

D = dt.date.fromisoformat


def _county_people(world: World) -> dict[str, int]:
    return {
        m.person.name: m.person_id
        for m in Membership.objects.filter(organisation=world.county).select_related("person")
    }


def _member_totals() -> list[tuple[int, int, int, int, int, int]]:
    rows = MemberTotal.objects.exclude(entries=0).values_list(
        "scope_id", "campaign_key", "year", "person_id", "entries", "money_fen"
    )
    return sorted(rows)


@pytest.mark.django_db
def test_it_ranks_by_entries_then_money_then_person(world: World) -> None:
    people = _county_people(world)
    wang, ding = people["王建国"], people["丁一"]
    h1, h2 = make_household(world.county, "001"), make_household(world.county, "002")
    log(world.alice, world.county, [wang], date="2018-03-01", household=h1, money="100.10")
    log(world.alice, world.county, [wang, ding], date="2018-04-01", household=h2, money="50")
    log(world.alice, world.county, [ding], date="2018-05-01", household=h2, money="100.10")
    pending = log(world.member_user, world.county, [wang], date="2018-06-01", household=h1, money="99999")
    year = Filters(world.county, start=D("2018-01-01"), end=D("2018-12-31"))

    assert award_year(year) == 2018
    # Both took part twice with 150.10 yuan: the tie goes to the smaller person id.
    expected = {
        wang: {"person_id": wang, "name": "王建国", "entries": 2, "money_yuan": 150.1, "households": 2},
        ding: {"person_id": ding, "name": "丁一", "entries": 2, "money_yuan": 150.1, "households": 1},
    }
    assert award_candidates(year) == [expected[p] for p in sorted(expected)]
    assert award_candidates(year) == live_award_candidates(year)

    # Confirming the member's own entry puts 王建国 ahead; deleting it takes him back.
    pending = actions.confirm_entry(actor=world.alice, entry=pending, version=pending.version)
    ranking = award_candidates(year)
    assert [r["person_id"] for r in ranking] == [wang, ding]
    assert ranking[0]["entries"] == 3 and ranking[0]["money_yuan"] == 100149.1 and ranking[0]["households"] == 2
    actions.delete_entry(actor=world.alice, entry=pending, version=pending.version)
    assert award_candidates(year)[0]["entries"] == 2
    assert award_candidates(year) == live_award_candidates(year)


@pytest.mark.django_db
def test_an_edit_moves_the_entry_to_its_new_year(world: World) -> None:
    people = _county_people(world)
    entry = log(world.alice, world.county, [people["丁一"]], date="2018-12-30", money="10", target="general")
    y2018 = Filters(world.county, start=D("2018-01-01"), end=D("2018-12-31"))
    y2019 = Filters(world.county, start=D("2019-01-01"), end=D("2019-12-31"))
    assert [r["entries"] for r in award_candidates(y2018)] == [1]
    data = entry_data(world.county, date="2019-01-02", money="20", target="general", summary="改到次年")
    actions.update_entry(actor=world.alice, entry=entry, data=data, person_ids=[people["王建国"]], version=1)
    assert award_candidates(y2018) == []
    assert [(r["person_id"], r["money_yuan"]) for r in award_candidates(y2019)] == [(people["王建国"], 20.0)]
    since = Filters(world.county, end=D("2030-01-01"))
    assert award_year(since) == ALL_YEARS
    assert award_candidates(since) == live_award_candidates(since)


@pytest.mark.django_db
def test_it_serves_only_periods_that_are_exactly_a_year(world: World) -> None:
    people = _county_people(world)
    log(world.alice, world.county, [people["丁一"]], date="2018-02-01", money="10", target="general")
    log(world.alice, world.county, [people["王建国"]], date="2018-09-01", money="10", target="general")
    log(world.alice, world.county, [people["王建国"]], date="2019-03-01", money="10", target="general")

    def year_of(start: str | None, end: str) -> int | None:
        return award_year(Filters(world.county, start=D(start) if start else None, end=D(end)))

    assert year_of("2018-01-01", "2018-12-31") == 2018
    assert year_of("2018-01-01", "2018-10-01") == 2018  # nothing later in 2018
    assert year_of("2018-02-01", "2018-12-31") == 2018  # nothing earlier in 2018
    assert year_of("2017-06-01", "2018-12-31") == 2018  # nothing in 2017
    assert year_of(None, "2030-12-31") == ALL_YEARS
    assert year_of("2018-01-01", "2019-12-31") == ALL_YEARS  # the whole ledger
    # Live: part of the year, or part of the ledger before the cut-off.
    assert year_of("2018-01-01", "2018-08-31") is None
    assert year_of("2018-03-01", "2018-12-31") is None
    assert year_of(None, "2019-02-01") is None
    assert year_of("2018-06-01", "2019-12-31") is None
    # The other county has nothing: any period is its (empty) year.
    assert award_candidates(Filters(world.other_county, start=D("2018-03-01"), end=D("2018-08-31"))) == []


@pytest.mark.django_db
def test_it_reads_in_a_bounded_number_of_queries(world: World, django_assert_max_num_queries: object) -> None:
    people = _county_people(world)
    for day in range(1, 25):
        log(
            world.alice,
            world.county,
            [people["丁一"], people["王建国"]],
            date=f"2018-03-{day:02d}",
            money="5",
            target="general",
        )
    f = Filters(world.city, start=D("2018-01-01"), end=D("2018-12-31"))
    # The period check, the ranking, the households of the ranked, their names, the subtree.
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        ranking = award_candidates(f)
    assert len(ranking) == 2 and ranking[0]["entries"] == 24


@pytest.mark.django_db
def test_random_ledger_ranking_equals_live_and_rebuild(world: World) -> None:
    rng = random.Random(2018)
    for i in range(6):
        extra = {"sector": "教育界"} if i % 2 else {}
        add_member(world.alice, world.county, member_data(f"委员{i}", f"53032519800115{i:02d}1", **extra))
    # A city member (no county seat) helps in the county: ranked for the city only.
    city_only = add_member(world.carol, world.city, member_data("周城", "53030019800115991")).person_id
    people = [*_county_people(world).values(), city_only]
    wang = world.member.person_id
    c1 = campaign(world.alice, world.county, start="2018-01-01")
    c2 = campaign(world.carol, world.city, template="bairi-huizhan", start="2018-06-01")
    households = [make_household(world.county, f"{i:03d}", size=rng.randint(1, 6)) for i in range(5)]
    moneys = ["0", "10", "10", "25.50", "100.05"]  # few values: many ties to break

    def day_for(c: object) -> dt.date:
        if c is c1:
            return D("2018-01-01") + dt.timedelta(days=rng.randint(0, 600))
        if c is c2:
            return D("2018-06-01") + dt.timedelta(days=rng.randint(0, 90))
        return D("2018-01-01") + dt.timedelta(days=rng.randint(0, 700))

    entries: list[Entry] = []
    for i in range(60):
        c = rng.choice([c1, c2, None])
        household = rng.choice([*households, None])
        raw = {
            "campaign": c,
            "date": day_for(c).isoformat(),
            "household": household,
            "target": "household" if household else "general",
            "money": rng.choice(moneys),
        }
        if i % 4 == 0:  # the member logs it; most are confirmed, some returned, some left pending
            entry = log(
                world.member_user, world.county, [wang, *rng.sample(people[:-1], 1)] if i % 8 else [wang], **raw
            )
            if i % 3:
                entry = actions.confirm_entry(actor=world.alice, entry=entry, version=entry.version)
            elif i % 5 == 0:
                entry = actions.reject_entry(actor=world.alice, entry=entry, version=entry.version, reason="请补充照片")
        else:
            entry = log(world.alice, world.county, rng.sample(people, rng.randint(1, 3)), **raw)
        entries.append(entry)
    confirmed = [e for e in entries if e.status == EntryStatus.CONFIRMED]
    for entry in rng.sample(confirmed, 12):  # office edits move dates across the year end, members and money
        entry.refresh_from_db()
        data = entry_data(
            world.county,
            date=(entry.date + dt.timedelta(days=rng.randint(-200, 200))).isoformat(),
            household=entry.household,
            target=entry.target,
            money=rng.choice(moneys),
        )
        actions.update_entry(
            actor=world.alice, entry=entry, data=data, person_ids=rng.sample(people, 2), version=entry.version
        )
    for entry in rng.sample(confirmed, 6):
        entry.refresh_from_db()
        actions.delete_entry(actor=world.alice, entry=entry, version=entry.version)

    sector = Body.objects.get(organisation=world.county, name="教育界")
    last = Entry.objects.filter(status=EntryStatus.CONFIRMED).order_by("-date").values_list("date", flat=True)[0]
    windows = [
        (D("2018-01-01"), D("2018-12-31")),
        (D("2019-01-01"), D("2019-12-31")),
        (D("2019-01-01"), last),  # the year to date
        (None, D("2030-01-01")),  # since the start
        (None, last),
        (D("2018-03-01"), D("2018-12-31")),  # live
        (None, D("2018-10-01")),  # live
    ]
    served = 0
    for org, body in ((world.county, None), (world.county, sector), (world.city, None)):
        for camp in (None, c1, c2):
            for start, end in windows:
                f = Filters(org, camp, start, end, body)
                served += award_year(f) is not None
                for limit in (3, 20):
                    assert award_candidates(f, limit) == live_award_candidates(f, limit), (org, camp, start, end, body)
    assert served >= 3 * 3 * 5

    year_2018 = Filters(world.county, start=D("2018-01-01"), end=D("2018-12-31"))
    county_ranking = {r["person_id"] for r in award_candidates(year_2018)}
    city_ranking = {
        r["person_id"] for r in award_candidates(Filters(world.city, start=year_2018.start, end=year_2018.end))
    }
    assert city_only not in county_ranking and city_only in city_ranking
    assert len(award_candidates(year_2018, limit=3)) == 3
    assert {
        r["person_id"] for r in award_candidates(Filters(world.county, None, year_2018.start, year_2018.end, sector))
    } <= set(Membership.objects.filter(sector=sector).values_list("person_id", flat=True))

    before = _member_totals()
    rollups.rebuild()
    assert _member_totals() == before
    assert len(before) > 40
