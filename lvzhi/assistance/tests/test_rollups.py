"""The rollups against hand-counted data and against the live aggregate, through every
action that moves them (confirm, office edit, delete), and the bulk rebuild."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from lvzhi.assistance import actions, rollups
from lvzhi.assistance.figures import Filters, assistance_figures, live_figures
from lvzhi.assistance.models import DailyTotal, Mobilisation, TouchPair
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
    return sorted(daily), sorted(pairs), sorted(first)


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
