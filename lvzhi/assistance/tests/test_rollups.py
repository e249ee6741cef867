"""The rollups against hand-counted data and against the live aggregate, through every
action that moves them (confirm, office edit, delete, pledge, pairing, need assignment),
a bulk import of a historic ledger, and the bulk rebuild."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from lvzhi.assistance import actions, needs, rollups
from lvzhi.assistance.figures import (
    Filters,
    assistance_figures,
    award_candidates,
    award_year,
    live_award_candidates,
    live_figures,
)
from lvzhi.assistance.imports import BULK_THRESHOLD, save_confirmed_entries
from lvzhi.assistance.models import DailyTotal, MemberTotal, Mobilisation, NeedKind, TouchPair
from lvzhi.assistance.testing import campaign, entry_data, log, make_household
from lvzhi.members.models import Membership
from lvzhi.testing import World, add_member, member_data

D = dt.date.fromisoformat


def _persons(world: World) -> dict[str, int]:
    return {
        m.person.name: m.person_id
        for m in Membership.objects.filter(organisation=world.county).select_related("person")
    }


def _rollup_rows() -> tuple[list[tuple], ...]:
    """Every non-empty rollup row, sorted, to compare incremental with rebuilt."""
    daily = DailyTotal.objects.exclude(entries=0).values_list("scope_id", "campaign_key", "day", "entries", "money_fen")
    pairs = TouchPair.objects.exclude(count=0).values_list(
        "scope_id", "campaign_key", "kind", "day", "prev_day", "count", "people"
    )
    first = Mobilisation.objects.values_list("scope_id", "campaign_key", "person_id", "first_day")
    ranks = MemberTotal.objects.exclude(entries=0).values_list(
        "scope_id", "campaign_key", "year", "person_id", "entries", "money_fen"
    )
    return sorted(daily), sorted(pairs), sorted(first), sorted(ranks)


def _comparable(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k not in ("filters", "definitions")}


@pytest.mark.django_db
def test_hand_counted_small_ledger(world: World) -> None:
    people = _persons(world)
    wang, ding = people["王建国"], people["丁一"]
    c = campaign(world.alice, world.county, start="2018-01-01")
    h1 = make_household(world.county, "001", size=4)
    h2 = make_household(world.county, "002", size=2)
    # Member-logged and confirmed; office-recorded (confirmed at once); one left pending.
    log(
        world.member_user,
        world.county,
        [wang],
        confirm_by=world.alice,
        campaign=c,
        date="2018-03-01",
        household=h1,
        money="1200.50",
        students="1",
    )
    log(
        world.alice,
        world.county,
        [wang, ding],
        campaign=c,
        date="2018-06-10",
        household=h1,
        goods_count="3",
        goods_value="600",
        info_items="5",
    )
    log(
        world.alice,
        world.county,
        [ding],
        campaign=c,
        date="2018-11-20",
        household=h2,
        money="20000",
        industry_households="2",
        jobs="1",
    )
    log(world.member_user, world.county, [wang], campaign=c, date="2018-11-21", household=h2, money="99999")

    f = Filters(world.county, end=D("2018-11-20"))
    figures = assistance_figures(f)
    assert figures["entries"] == 3
    assert figures["money_yuan"] == 21200.5
    assert figures["goods_count"] == 3 and figures["goods_value_yuan"] == 600.0
    assert figures["students_funded"] == 1 and figures["jobs_provided"] == 1
    assert figures["industry_households"] == 2 and figures["info_items"] == 5
    assert figures["members_total"] == 2  # 王建国 and 丁一 hold dcx seats
    assert figures["members_participating"] == 2
    assert figures["participation_rate"] == 1.0
    assert figures["households_reached"] == 2 and figures["people_reached"] == 6
    assert _comparable(figures) == _comparable(live_figures(f))

    # A window that only holds the June entry: one household, both members.
    june = assistance_figures(Filters(world.county, start=D("2018-06-01"), end=D("2018-06-30")))
    assert june["entries"] == 1 and june["households_reached"] == 1 and june["members_participating"] == 2
    assert june["money_yuan"] == 0

    # The cut-off before anything was confirmed.
    empty = assistance_figures(Filters(world.county, end=D("2018-02-01")))
    assert empty["entries"] == 0 and empty["members_participating"] == 0 and empty["participation_rate"] == 0.0

    # The city counts its subtree once: 王建国 sits on both committees.
    city = assistance_figures(Filters(world.city, end=D("2018-11-20")))
    assert city["money_yuan"] == 21200.5 and city["members_participating"] == 2
    assert city["members_total"] == 3  # 王建国, 丁一, 马六
    # The other county sees none of it.
    other = assistance_figures(Filters(world.other_county, end=D("2018-11-20")))
    assert other["entries"] == 0 and other["households_reached"] == 0


@pytest.mark.django_db
def test_edit_and_delete_move_the_figures(world: World) -> None:
    people = _persons(world)
    h1 = make_household(world.county, "001", size=4)
    entry = log(world.alice, world.county, [people["丁一"]], date="2018-05-05", household=h1, money="100")
    f = Filters(world.county, end=D("2018-12-31"))
    assert assistance_figures(f)["money_yuan"] == 100.0
    data = entry_data(world.county, date="2018-12-01", household=h1, money="300", summary="改正")
    entry = actions.update_entry(
        actor=world.alice, entry=entry, data=data, person_ids=[people["王建国"]], version=entry.version
    )
    figures = assistance_figures(f)
    assert figures["money_yuan"] == 300.0 and figures["members_participating"] == 1
    assert assistance_figures(Filters(world.county, end=D("2018-11-30")))["money_yuan"] == 0
    assert _comparable(figures) == _comparable(live_figures(f))
    actions.delete_entry(actor=world.alice, entry=entry, version=entry.version)
    assert assistance_figures(f)["entries"] == 0
    assert assistance_figures(f)["households_reached"] == 0


@pytest.mark.django_db
def test_random_ledger_rollups_equal_live_and_rebuild(world: World) -> None:
    rng = random.Random(7)
    for i in range(4):
        add_member(world.alice, world.county, member_data(f"委员{i}", f"53032519800115{i:02d}1"))
    people = list(_persons(world).values())
    c1 = campaign(world.alice, world.county, start="2018-01-01")
    c2 = campaign(world.carol, world.city, template="bairi-huizhan", start="2018-06-01")
    households = [make_household(world.county, f"{i:03d}", size=rng.randint(1, 6)) for i in range(6)]
    entries = []
    for _ in range(40):
        c = rng.choice([c1, c2, None])
        day = (
            c.start_date + dt.timedelta(days=rng.randint(0, 90))
            if c
            else D("2018-01-01") + dt.timedelta(days=rng.randint(0, 300))
        )
        household = rng.choice([*households, None])
        entries.append(
            log(
                world.alice,
                world.county,
                rng.sample(people, rng.randint(1, 3)),
                campaign=c,
                date=day.isoformat(),
                household=household,
                target="household" if household else "general",
                money=str(rng.randint(0, 500)),
                students=str(rng.randint(0, 2)),
            )
        )
    for entry in rng.sample(entries, 10):  # edits move dates and members
        data = entry_data(
            world.county,
            date=(entry.date + dt.timedelta(days=rng.randint(-20, 20))).isoformat(),
            household=entry.household,
            target=entry.target,
            campaign=None,
            money="7",
        )
        actions.update_entry(
            actor=world.alice, entry=entry, data=data, person_ids=rng.sample(people, 2), version=entry.version
        )
    for entry in rng.sample(entries, 5):
        entry.refresh_from_db()
        actions.delete_entry(actor=world.alice, entry=entry, version=entry.version)
    actions.pledge(
        actor=world.alice,
        campaign=c1,
        person=world.member.person,
        organisation=world.county,
        pledged_on=D("2018-02-01"),
    )
    actions.pair(
        actor=world.alice,
        organisation=world.county,
        person=world.member.person,
        household=households[0],
        started_on=D("2018-07-01"),
    )

    windows = [
        (None, D("2018-12-31")),
        (D("2018-03-01"), D("2018-06-30")),
        (D("2018-06-15"), D("2018-06-15")),
        (None, D("2018-04-01")),
        (D("2018-08-01"), D("2019-01-01")),
    ]
    for org in (world.county, world.city):
        for camp in (None, c1, c2):
            for start, end in windows:
                f = Filters(org, camp, start, end)
                assert _comparable(assistance_figures(f)) == _comparable(live_figures(f)), (org, camp, start, end)

    before = _rollup_rows()
    rollups.rebuild()
    after = _rollup_rows()
    assert before == after
    assert len(after[1]) > 10


@pytest.mark.django_db
def test_mobilisation_counts_pledges_and_pairings(world: World) -> None:
    people = _persons(world)
    c = campaign(world.alice, world.county, start="2018-01-01")
    h = make_household(world.county, "009")
    actions.pledge(
        actor=world.member_user,
        campaign=c,
        person=world.member.person,
        organisation=world.county,
        pledged_on=D("2018-03-01"),
    )
    f = Filters(world.county, end=D("2018-12-31"))
    assert assistance_figures(f)["members_mobilised"] == 1
    assert assistance_figures(f)["mobilisation_rate"] == 0.5
    from lvzhi.members.models import Person

    actions.pair(
        actor=world.alice,
        organisation=world.county,
        person=Person.objects.get(pk=people["丁一"]),
        household=h,
        started_on=D("2018-05-01"),
    )
    figures = assistance_figures(f)
    assert figures["members_mobilised"] == 2 and figures["members_paired"] == 1
    assert figures["households_paired"] == 1 and figures["people_paired"] == 3
    assert assistance_figures(Filters(world.county, end=D("2018-04-01")))["members_mobilised"] == 1
    assert _comparable(figures) == _comparable(live_figures(f))
    assert _comparable(assistance_figures(Filters(world.county, c, None, D("2018-12-31")))) == _comparable(
        live_figures(Filters(world.county, c, None, D("2018-12-31")))
    )


@pytest.mark.django_db
def test_set_based_mobilisation_equals_the_per_person_refresh(world: World) -> None:
    """Pledges count for their campaign; pairings and need assignments for every campaign
    launched at or above their committee that ran that day, and only members of the scope."""
    from lvzhi.members.models import Person

    people = _persons(world)
    wang, ding = Person.objects.get(pk=people["王建国"]), Person.objects.get(pk=people["丁一"])
    c1 = campaign(world.alice, world.county, start="2018-01-01")
    c2 = campaign(world.carol, world.city, template="bairi-huizhan", start="2018-06-01")  # to 2018-09-08
    c3 = campaign(world.charlie, world.other_county, start="2018-01-01")  # another county's: never theirs
    h1, h2 = make_household(world.county, "001"), make_household(world.county, "002")
    actions.pledge(actor=world.alice, campaign=c2, person=ding, organisation=world.county, pledged_on=D("2018-06-20"))
    actions.pair(actor=world.alice, organisation=world.county, person=wang, household=h1, started_on=D("2018-07-01"))
    actions.pair(actor=world.alice, organisation=world.county, person=ding, household=h2, started_on=D("2018-03-01"))
    zhou = add_member(world.carol, world.city, member_data("周城", "53030019800115991")).person
    actions.pair(actor=world.carol, organisation=world.city, person=zhou, household=h2, started_on=D("2018-08-01"))
    need = needs.record_need(
        actor=world.alice, household=h2, kind=NeedKind.SCHOOL, description="孩子上学缺学费", recorded_on=D("2018-01-05")
    )
    needs.assign_need(actor=world.alice, need=need, person=wang, version=need.version, day=D("2018-02-01"))
    incremental = _rollup_rows()[2]
    rollups.rebuild()
    assert _rollup_rows()[2] == incremental

    county, city = world.county.pk, world.city.pk
    first = {(s, ck, p): day for s, ck, p, day in incremental}
    assert first[(county, 0, wang.pk)] == D("2018-02-01")  # the need assignment
    assert first[(county, c1.pk, wang.pk)] == D("2018-02-01")  # c1 was running
    assert first[(county, c2.pk, wang.pk)] == D("2018-07-01")  # the pairing, inside 百日会战
    assert first[(city, c2.pk, ding.pk)] == D("2018-06-20")  # the pledge
    assert (city, 0, ding.pk) in first  # the city counts its counties' members
    assert (city, 0, zhou.pk) in first and (county, 0, zhou.pk) not in first  # no county seat
    assert not any(ck == c3.pk for _s, ck, _p in first)
    for camp in (None, c1, c2):
        f = Filters(world.county, camp, None, D("2018-12-31"))
        assert _comparable(assistance_figures(f)) == _comparable(live_figures(f))


def _bulk_items(
    world: World, rng: random.Random, persons: list[int], households: list[object], campaigns: list[object], n: int
) -> list[tuple[dict, list[int]]]:
    items = []
    for i in range(n):
        c = rng.choice([*campaigns, None])
        start = c.start_date if c is not None else D("2018-01-01")  # type: ignore[attr-defined]
        household = rng.choice([*households, None])
        data = entry_data(
            world.county,
            campaign=c,
            date=(start + dt.timedelta(days=rng.randint(0, 90))).isoformat(),
            household=household,
            target="household" if household else "general",
            money=f"{rng.randint(0, 300)}.{rng.randint(0, 99):02d}",
            info_items=str(rng.randint(0, 3)),
            summary=f"历史台账第{i}行",
        )
        items.append((data, rng.sample(persons, rng.randint(1, 2))))
    return items


@pytest.mark.django_db
def test_bulk_import_moves_the_rollups_like_a_rebuild(world: World) -> None:
    rng = random.Random(11)
    for i in range(6):
        add_member(world.alice, world.county, member_data(f"委员{i}", f"53032519800115{i:02d}1"))
    city_only = add_member(world.carol, world.city, member_data("周城", "53030019800115991")).person_id
    people = list(_persons(world).values())
    c1 = campaign(world.alice, world.county, start="2018-01-01")
    c2 = campaign(world.carol, world.city, template="bairi-huizhan", start="2018-06-01")
    old_households = [make_household(world.county, f"{i:03d}", size=rng.randint(1, 6)) for i in range(5)]
    # The ledger as it stands: entries through the actions, one edited, one deleted.
    logged = [
        log(
            world.alice,
            world.county,
            rng.sample(people, rng.randint(1, 2)),
            campaign=c,
            date=(c.start_date + dt.timedelta(days=rng.randint(0, 90))).isoformat(),
            household=rng.choice(old_households),
            money=str(rng.randint(1, 200)),
        )
        for c in [c1, c2] * 15
    ]
    actions.delete_entry(actor=world.alice, entry=logged[0], version=logged[0].version)
    actions.pair(
        actor=world.alice,
        organisation=world.county,
        person=world.member.person,
        household=old_households[0],
        started_on=D("2018-02-01"),
    )
    untouched = make_household(world.county, "099", size=5)  # helped before, not named in the file
    log(world.alice, world.county, [people[0]], date="2018-02-02", household=untouched, money="1")

    mobilised = _rollup_rows()[2]
    assert mobilised

    # The file: existing and new households, county members and a city member, same days.
    new_households = [make_household(world.county, f"1{i:02d}", size=rng.randint(1, 6)) for i in range(5)]
    items = _bulk_items(
        world, rng, [*people, city_only], [*old_households, *new_households], [c1, c2], BULK_THRESHOLD + 40
    )
    entries = save_confirmed_entries(actor=world.alice, organisation=world.county, items=items, batch="导入：旧台账")
    assert len(entries) == BULK_THRESHOLD + 40

    windows = [(None, D("2018-12-31")), (D("2018-03-01"), D("2018-06-30")), (D("2018-06-15"), D("2018-06-15"))]
    for org in (world.county, world.city):
        for camp in (None, c1, c2):
            for start, end in windows:
                f = Filters(org, camp, start, end)
                assert _comparable(assistance_figures(f)) == _comparable(live_figures(f)), (org, camp, start, end)
            year = Filters(org, camp, D("2018-01-01"), D("2018-12-31"))
            assert award_year(year) == 2018
            assert award_candidates(year) == live_award_candidates(year)
    city_year = award_candidates(Filters(world.city, None, D("2018-01-01"), D("2018-12-31")), limit=50)
    assert city_only in {r["person_id"] for r in city_year}

    imported = _rollup_rows()
    rollups.rebuild()
    assert _rollup_rows() == imported
    daily, pairs, first, ranks = imported
    assert len(daily) > 100 and len(pairs) > 100 and len(ranks) > 20
    assert first == mobilised  # entries never mobilise: the import left it alone
