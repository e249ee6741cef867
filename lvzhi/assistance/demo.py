"""The assistance part of `seed_demo`: per county, two campaigns (the county's 三送三帮 and
the city's 百日会战), pledges, pairings with the county's households, a year of ledger
entries (the historic ledger imported as confirmed, recent ones logged by the member and
confirmed by the office, a few still waiting), 001's symposium ("27名委员出资110万元帮扶50
个贫困家庭"), and weekly typical members. Everything goes through the actions."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lvzhi.accounts.models import Role, User
from lvzhi.assistance import actions
from lvzhi.assistance.imports import save_confirmed_entries
from lvzhi.assistance.models import Campaign, Source, Target
from lvzhi.assistance.validation import validate_entry
from lvzhi.members.models import Membership
from lvzhi.organisations.models import Level, Organisation

ENTRIES_PER_COUNTY = 1500
SUMMARIES = {
    "money": ["捐资帮助解决子女上学费用", "捐资帮助修缮住房", "慰问金", "捐资帮助就医"],
    "goods": ["送去米、面、油等生活物资", "送去化肥、种子", "送去棉被、衣物", "送去学习用品"],
    "info": ["送去务工招聘信息", "送去种养殖市场行情信息", "宣讲扶贫政策"],
    "materials": ["发放科技读物和种养殖技术资料", "发放实用技术手册"],
    "students": ["资助贫困学生完成学业"],
    "jobs": ["协调企业提供就业岗位"],
    "industry": ["帮助确定并发展增收产业（种植）", "帮助发展养殖产业", "引导参加合作社"],
    "key_matters": ["协调解决饮水管道维修", "帮助办理残疾证", "协调解决入户道路硬化"],
}


def _quantities(rng: random.Random, kind: str) -> dict[str, Any]:
    q: dict[str, Any] = {}
    if kind == "money":
        q["money"] = str(rng.choice((200, 500, 800, 1000, 1500, 2000, 3000, 5000)))
    elif kind == "goods":
        count = rng.randint(1, 4)
        q["goods_count"], q["goods_value"] = str(count), str(count * rng.choice((150, 200, 300, 500)))
    elif kind == "info":
        q["info_items"] = str(rng.randint(1, 6))
    elif kind == "materials":
        q["materials"] = str(rng.choice((5, 10, 20, 30, 50)))
    elif kind == "students":
        q["students"], q["money"] = "1", str(rng.choice((1000, 2000, 3000)))
    elif kind == "jobs":
        q["jobs"] = str(rng.randint(1, 3))
    elif kind == "industry":
        q["industry_households"] = "1"
    else:
        q["key_matters"] = "1"
    return q


KIND_WEIGHTS = (
    ("money", 22), ("goods", 14), ("info", 20), ("materials", 10), ("students", 5), ("jobs", 6),
    ("industry", 12), ("key_matters", 11),
)  # fmt: skip
KIND_OF_MEASURE = {
    "money": "money", "goods": "money", "info": "info", "materials": "materials", "students": "students",
    "jobs": "jobs", "industry": "industry", "key_matters": "key_matters",
}  # fmt: skip


def _weighted_kind(rng: random.Random) -> str:
    return rng.choices([k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS])[0]


def _kind_for(campaign: Campaign, kind: str) -> Any:
    measure = KIND_OF_MEASURE[kind]
    kinds = [k for k in campaign.action_kinds.all() if k.measure == measure]
    return kinds[0] if kinds else None


def _office(org: Organisation) -> User:
    return User.objects.filter(role=Role.OFFICE, organisation=org, is_active=True).order_by("pk").first()  # type: ignore[return-value]


def build_assistance_demo(
    seed: int, *, today: dt.date | None = None, echo: Callable[[str], None] = print
) -> dict[str, int]:
    from lvzhi.households.models import Household

    today = today or timezone.localdate()
    rng = random.Random(seed * 7 + 3)
    city = Organisation.objects.get(level=Level.CITY, parent__isnull=True)
    city_office = _office(city)
    year_ago = today - dt.timedelta(days=365)
    hundred = actions.create_campaign(
        actor=city_office,
        organisation=city,
        template="bairi-huizhan",
        start_date=today - dt.timedelta(days=160),
        code=f"{city.code}-bairi-{today.year}",
    )
    totals = {"entries": 0, "pledges": 0, "pairings": 0}
    totals["entries"] += _city_entries(rng, city, city_office, hundred, today)
    for county in city.children.order_by("sort_order", "code"):
        office = _office(county)
        campaign = actions.create_campaign(
            actor=office,
            organisation=county,
            template="sansong-sanbang",
            start_date=dt.date(year_ago.year, year_ago.month, 1),
            code=f"{county.code}-sansong-{today.year}",
        )
        seats = list(
            Membership.objects.filter(organisation=county, is_active=True).select_related("person").order_by("pk")
        )
        households = list(Household.objects.filter(organisation=county).order_by("pk"))
        if not households:
            continue
        # Pledges: most members take on one or two of the campaign's actions.
        kinds = list(campaign.action_kinds.all())
        for seat in seats:
            if rng.random() < 0.8:
                for action_kind in rng.sample(kinds, rng.randint(1, 2)):
                    actions.pledge(
                        actor=office, campaign=campaign, person=seat.person, organisation=county,
                        action_kind=action_kind,
                        pledged_on=campaign.start_date + dt.timedelta(days=rng.randint(0, 40)),
                        capacity=rng.randint(1, 3), source=Source.OFFICE,
                    )  # fmt: skip
                    totals["pledges"] += 1
        # Pairings: about half the members pair with one to three households; the county's
        # demo member (dcx_member…) always has two, to open on a phone.
        pairing = rng.sample(seats, len(seats) // 2)
        demo_user = User.objects.filter(role=Role.MEMBER, username=f"{county.code}_member").first()
        demo_seat = next((s for s in seats if demo_user and s.person_id == demo_user.person_id), None)
        for seat in pairing + ([demo_seat] if demo_seat and demo_seat not in pairing else []):
            for paired in rng.sample(households, 2 if seat is demo_seat else rng.randint(1, 3)):
                actions.pair(
                    actor=office, organisation=county, person=seat.person, household=paired,
                    started_on=campaign.start_date + dt.timedelta(days=rng.randint(0, 60)),
                )  # fmt: skip
                totals["pairings"] += 1
        _needs(rng, county, office, households, today)
        site = _site(county, city, office, households, year_ago)
        # The historic ledger: a year of entries, imported as confirmed.
        items = []
        participants = rng.sample(seats, int(len(seats) * 0.96))
        for i in range(ENTRIES_PER_COUNTY):
            day = year_ago + dt.timedelta(days=rng.randrange(355))
            in_hundred = hundred.start_date <= day <= (hundred.end_date or day)
            chosen = hundred if in_hundred and rng.random() < 0.4 else campaign
            kind = _weighted_kind(rng)
            household = rng.choice(households) if rng.random() < 0.85 else None
            members = [participants[i % len(participants)].person_id]
            if rng.random() < 0.2:
                other = rng.choice(participants).person_id
                if other not in members:
                    members.append(other)
            raw = {
                "date": day, "campaign": chosen, "action_kind": _kind_for(chosen, kind),
                "target": Target.HOUSEHOLD if household else Target.GENERAL, "household": household,
                "summary": rng.choice(SUMMARIES[kind]), **_quantities(rng, kind),
            }  # fmt: skip
            data, errors = validate_entry(raw, county, today=today)
            assert not errors, errors
            items.append((data, members))
        for i in range(24):  # members and money behind the demonstration site
            raw = {
                "date": year_ago + dt.timedelta(days=40 + i * 12), "campaign": campaign, "target": Target.SITE,
                "site": site, "summary": "捐资支持示范点项目建设", "money": str(rng.choice((5000, 10000, 20000, 50000))),
            }  # fmt: skip
            data, errors = validate_entry(raw, county, today=today)
            assert not errors, errors
            items.append((data, [participants[(i * 7) % len(participants)].person_id]))
        save_confirmed_entries(actor=office, organisation=county, items=items, batch="历史台账导入（演示）")
        totals["entries"] += len(items)
        totals["entries"] += _recent_entries(rng, county, campaign, households, today)
        if county.code == "dcx":
            totals["entries"] += _symposium(rng, county, office, hundred, seats, households)
        # Weekly typical members for the last eight weeks.
        monday = today - dt.timedelta(days=today.weekday())
        for week in range(8):
            seat = participants[week]
            actions.pick_showcase(
                actor=office, organisation=county, week=monday - dt.timedelta(weeks=week), person=seat.person,
                story=f"{seat.person.name}委员结对帮扶贫困户，多次入户走访，协调解决实际困难。",
            )  # fmt: skip
        echo(f"  {county.short_name}：助推台账{totals['entries']}条（累计）")
    return totals


def _recent_entries(
    rng: random.Random, county: Organisation, campaign: Campaign, households: list[Any], today: dt.date
) -> int:
    """The county's demo member logs a few entries on a phone: most confirmed, some waiting."""
    member_user = User.objects.filter(role=Role.MEMBER, username=f"{county.code}_member").first()
    if member_user is None or member_user.person_id is None:
        return 0
    office = _office(county)
    paired = [p.household for p in member_user.person.pairings.select_related("household")] or households[:3]  # type: ignore[union-attr]
    count = 0
    for i in range(8):
        kind = _weighted_kind(rng)
        raw = {
            "date": today - dt.timedelta(days=i * 3 + 1), "campaign": campaign,
            "action_kind": _kind_for(campaign, kind), "target": Target.HOUSEHOLD,
            "household": rng.choice(paired), "summary": rng.choice(SUMMARIES[kind]), **_quantities(rng, kind),
        }  # fmt: skip
        data, errors = validate_entry(raw, county, today=today)
        assert not errors, errors
        entry = actions.log_entry(actor=member_user, organisation=county, data=data, person_ids=[member_user.person_id])
        if i >= 3:
            actions.confirm_entry(actor=office, entry=entry, version=entry.version)
        count += 1
    return count


def _symposium(
    rng: random.Random,
    county: Organisation,
    office: User,
    hundred: Campaign,
    seats: list[Membership],
    households: list[Any],
) -> int:
    """001: 会议现场，27名委员出资110万元帮扶50个贫困家庭，提供就业岗位7个，帮扶286户发展产业."""
    members = rng.sample(seats, 27)
    families = rng.sample(households, 50)
    day = hundred.start_date + dt.timedelta(days=5)
    shares = [Decimal(22000)] * 50  # 50 x 22,000 = 1,100,000
    industry = [6] * 36 + [5] * 14  # 286 households into an industry
    jobs = [1] * 7 + [0] * 43
    rows = []
    for i, household in enumerate(families):
        raw = {
            "date": day, "campaign": hundred, "target": Target.HOUSEHOLD, "household": household,
            "summary": "座谈会现场认捐：帮助解决就学、就医、住房等困难", "money": str(shares[i]),
            "industry_households": str(industry[i]), "jobs": str(jobs[i]),
        }  # fmt: skip
        data, errors = validate_entry(raw, county, today=timezone.localdate())
        assert not errors, errors
        rows.append((data, [members[i % 27].person_id]))
    actions.record_symposium(
        actor=office, organisation=county, campaign=hundred, date=day,
        title="全力投身“百日会战”纵深推进“三送三帮”座谈会", rows=rows,
    )  # fmt: skip
    return len(rows)


def _city_entries(rng: random.Random, city: Organisation, office: User, hundred: Campaign, today: dt.date) -> int:
    """The city's own members in the 百日会战, across the counties' households (imported)."""
    from lvzhi.households.models import Household

    seats = list(Membership.objects.filter(organisation=city, is_active=True).order_by("pk"))
    households = list(Household.objects.order_by("pk")[:2000])
    end = min(hundred.end_date or today, today)
    days = (end - hundred.start_date).days + 1
    items = []
    for i, seat in enumerate(rng.sample(seats, int(len(seats) * 0.93))):
        for _ in range(1 + i % 3):
            kind = _weighted_kind(rng)
            household = rng.choice(households) if households and rng.random() < 0.8 else None
            raw = {
                "date": hundred.start_date + dt.timedelta(days=rng.randrange(days)), "campaign": hundred,
                "action_kind": _kind_for(hundred, kind), "target": Target.HOUSEHOLD if household else Target.GENERAL,
                "household": household, "summary": rng.choice(SUMMARIES[kind]), **_quantities(rng, kind),
            }  # fmt: skip
            data, errors = validate_entry(raw, city, today=today)
            assert not errors, errors
            items.append((data, [seat.person_id]))
    save_confirmed_entries(actor=office, organisation=city, items=items, batch="市政协委员助推台账（演示）")
    return len(items)


NEED_TEXTS = {
    "school": "孩子上初中，学费和生活费有困难",
    "job": "家中劳动力希望在县内就近务工",
    "industry": "想发展养殖，缺少技术和启动资金",
    "medical": "户主患慢性病，长期用药负担重",
    "housing": "房屋漏雨，需要修缮",
    "information": "需要农产品销售信息",
    "technology": "核桃种植需要技术指导",
    "goods": "冬季缺少棉被和衣物",
}


def _needs(rng: random.Random, county: Organisation, office: User, households: list[Any], today: dt.date) -> None:
    """Staff record needs; the office matches all open needs at once, a few stay open."""
    from lvzhi.assistance import needs
    from lvzhi.assistance.matching import match_all

    def record(count: int) -> None:
        for household in rng.sample(households, count):
            kind = rng.choice(list(NEED_TEXTS))
            needs.record_need(
                actor=office, household=household, kind=kind, description=NEED_TEXTS[kind],
                urgency=rng.choice((1, 2, 2, 3)), recorded_on=today - dt.timedelta(days=rng.randint(1, 120)),
            )  # fmt: skip

    record(40)
    match_all(county, office)
    record(8)


def _site(county: Organisation, city: Organisation, office: User, households: list[Any], start: dt.date) -> Any:
    """001: 市县两级政协把海坪社区、阿依诺村作为助推示范点，建设爱心超市、扶贫工厂、爱心书屋."""
    from lvzhi.assistance import sites

    village = households[0].village
    site = sites.create_site(
        actor=office, organisation=county, name=f"{village.name}助推示范点", started_on=start + dt.timedelta(days=30),
        village=village, partners=[city], description="市县两级政协联动，组织机关干部和政协委员进村入户开展系列助推行动。",
    )  # fmt: skip
    for kind, name, budget, progress in (
        ("supermarket", "爱心超市", 200000, 100), ("factory", "扶贫工厂", 600000, 70), ("library", "爱心书屋", 80000, 100),
    ):  # fmt: skip
        sites.save_project(
            actor=office, site=site,
            data={"kind": kind, "name": name, "budget": str(budget), "progress": str(progress), "note": "按计划推进"},
        )  # fmt: skip
    return site
