"""Needs and matching: the score and its reasons, who may be suggested, the one-click 对接,
stale versions, wrong states, the batch's capacity and its unmatched report, the pure
`assign` against a brute-force optimum, and scope (charlie sees nothing; a member sees
only their own needs)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

import lvzhi.urls
from lvzhi.assistance import actions as assistance_actions
from lvzhi.assistance import needs
from lvzhi.assistance.matching import (
    KIND_INDEX,
    NO_CAPACITY,
    NO_FIT,
    NO_MEMBER,
    MemberRow,
    NeedRow,
    assign,
    match_all,
    pair_score,
    score,
    suggest,
)
from lvzhi.assistance.models import Need, NeedKind, NeedStatus, Urgency
from lvzhi.core.errors import Conflict, Invalid, NotFound
from lvzhi.members.models import Membership, Person
from lvzhi.notifications.models import Notification
from lvzhi.organisations import actions as org_actions
from lvzhi.organisations.models import BodyKind
from lvzhi.testing import PASSWORD, World, add_member, member_data

# The pages are mounted here until the lead wires them into lvzhi/urls.py (then this is a no-op).
_wired = any(getattr(p, "namespace", None) == "needs" for p in lvzhi.urls.urlpatterns)
urlpatterns = list(lvzhi.urls.urlpatterns) + (
    [] if _wired else [path("assistance/needs/", include("lvzhi.assistance.urls_needs"))]
)
handler404 = lvzhi.urls.handler404
handler403 = lvzhi.urls.handler403
pytestmark = pytest.mark.urls(__name__)


# -- helpers ---------------------------------------------------------------------------------


def make_household(organisation: Any, number: str, township: str = "城关镇", village: str = "红旗村") -> Any:
    from lvzhi.households.models import Household, Township, Village

    town, _ = Township.objects.get_or_create(organisation=organisation, name=township)
    place, _ = Village.objects.get_or_create(organisation=organisation, township=town, name=village)
    return Household.objects.create(
        organisation=organisation, number=number, township=town, village=place, head_name=f"户主{number}", size=3
    )


def person(name: str) -> Person:
    return Person.objects.get(name=name)


@pytest.fixture
def people(world: World) -> World:
    """The world plus a doctor and an agronomist in 东城县 (the doctor's working group is in
    城关镇), a city-only member and 医药卫生界."""
    a = world.alice
    org_actions.create_body(actor=a, organisation=world.county, kind=BodyKind.SECTOR, name="医药卫生界")
    org_actions.create_body(actor=a, organisation=world.county, kind=BodyKind.SECTOR, name="农业界")
    org_actions.create_body(
        actor=a, organisation=world.county, kind=BodyKind.WORKING_GROUP, name="城关工作组", township="城关镇"
    )
    add_member(
        a,
        world.county,
        member_data(
            "李医生",
            "53032519850505011",
            sector="医药卫生界",
            working_group="城关工作组",
            employer="东城县人民医院",
            job_title="主任医师",
            expertise="内科",
        ),
    )
    add_member(
        a,
        world.county,
        member_data(
            "张农技", "53032519860606012", sector="农业界", employer="东城县农业技术推广站", expertise="果树种植"
        ),
    )
    add_member(
        world.carol,
        world.city,
        member_data("陈市委", "53032519870707013", sector="经济界", employer="示例市卫生健康委员会"),
    )
    Person.objects.filter(name="王建国").update(employer="东城县第一中学", job_title="校长")
    return world


def record(world: World, household: Any, kind: str = NeedKind.MEDICAL, urgency: int = Urgency.NORMAL) -> Need:
    return needs.record_need(
        actor=world.alice, household=household, kind=kind, urgency=urgency, description="老人慢性病需要定期复诊"
    )


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# -- scoring and suggestions -----------------------------------------------------------------


@pytest.mark.django_db
def test_it_ranks_a_doctor_first_for_a_medical_need(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    ranked = suggest(need)
    assert ranked[0].person.name == "李医生"
    top = ranked[0].score
    # 专长“内科” has no keyword; the job title is the best field (its points, not the employer's)
    assert top.parts[0] == ("职务职称“主任医师”含“医”，与医疗救助需求对口", 30)
    assert ("医药卫生界委员，界别对口", 15) in top.parts
    assert any("城关镇" in r and p == 20 for r, p in top.parts)  # same township through the working group
    assert top.total == sum(p for _, p in top.parts)
    teacher = next(c for c in ranked if c.person.name == "王建国")
    assert not teacher.score.fits
    assert teacher.score.total < top.total
    # score() is what suggest() shows
    assert score(need, ranked[0].profile).total == top.total


@pytest.mark.django_db
def test_it_scores_a_pledge_and_penalises_the_load(people: World) -> None:
    c = assistance_actions.create_campaign(
        actor=people.alice, organisation=people.county, template="qige-zhutui", start_date=dt.date(2018, 1, 1)
    )
    health = c.action_kinds.get(need_kind=NeedKind.MEDICAL)
    wang = person("王建国")
    assistance_actions.pledge(
        actor=people.alice, campaign=c, person=wang, organisation=people.county, action_kind=health, capacity=2
    )
    first = record(people, make_household(people.county, "001"))
    cand = {x.person.name: x for x in suggest(first)}
    assert ("已认领“助推健康扶贫”", 25) in cand["王建国"].score.parts
    assert cand["王建国"].profile.capacity == 2
    before = cand["李医生"].score.total
    needs.assign_need(actor=people.alice, need=first, person=person("李医生"), version=first.version)
    second = record(people, make_household(people.county, "002"))
    after = {x.person.name: x for x in suggest(second)}["李医生"].score
    assert ("已承担1件帮扶需求", -6) in after.parts
    assert after.total == before - 6


@pytest.mark.django_db
def test_it_suggests_only_members_of_the_county_and_the_city(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    names = {c.person.name for c in suggest(need, limit=50)}
    assert {"李医生", "张农技", "王建国", "丁一", "陈市委"} <= names
    assert "马六" not in names  # 西山县


# -- actions -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_refuses_a_member_of_another_county(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    with pytest.raises(Invalid) as exc:
        needs.assign_need(actor=people.alice, need=need, person=person("马六"), version=need.version)
    assert "不是东城县或其上级政协的在任委员" in str(exc.value)
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN and need.person_id is None


@pytest.mark.django_db
def test_it_refuses_an_inactive_seat(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    Membership.objects.filter(person__name="李医生").update(is_active=False)
    with pytest.raises(Invalid):
        needs.assign_need(actor=people.alice, need=need, person=person("李医生"), version=need.version)


@pytest.mark.django_db
def test_it_refuses_wrong_state_transitions(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    with pytest.raises(Invalid) as exc:
        needs.mark_met(actor=people.alice, need=need, version=need.version, result="已解决")
    assert "待对接" in str(exc.value)
    need = needs.close_need(actor=people.alice, need=need, version=need.version, reason="已搬迁")
    with pytest.raises(Invalid) as exc:
        needs.assign_need(actor=people.alice, need=need, person=person("李医生"), version=need.version)
    assert "已关闭" in str(exc.value)
    need = needs.reopen_need(actor=people.alice, need=need, version=need.version)
    assert need.status == NeedStatus.OPEN and need.result == ""
    need = needs.assign_need(actor=people.alice, need=need, person=person("李医生"), version=need.version)
    need = needs.mark_met(actor=people.alice, need=need, version=need.version, result="联系医院复诊")
    need = needs.reopen_need(actor=people.alice, need=need, version=need.version)
    assert need.status == NeedStatus.MATCHED  # back to the member who holds it


@pytest.mark.django_db
def test_it_validates_the_need(people: World) -> None:
    household = make_household(people.county, "001")
    with pytest.raises(Invalid) as exc:
        needs.record_need(actor=people.alice, household=household, kind="bogus", urgency=9, description="  ")
    assert set(exc.value.errors) == {"kind", "urgency", "description"}
    assert exc.value.errors["description"] == "请填写需求描述"
    assert not Need.objects.exists()


@pytest.mark.django_db
def test_it_detects_concurrent_edits(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    stale = need.version
    needs.update_need(actor=people.alice, need=need, data={"urgency": Urgency.URGENT}, version=stale)
    with pytest.raises(Conflict):
        needs.update_need(actor=people.carol, need=need, data={"description": "改"}, version=stale)
    need.refresh_from_db()
    assert need.urgency == Urgency.URGENT and need.description != "改"


@pytest.mark.django_db
def test_charlie_can_neither_record_nor_touch_needs_of_another_county(people: World) -> None:
    household = make_household(people.county, "001")
    with pytest.raises(NotFound):
        needs.record_need(actor=people.charlie, household=household, kind=NeedKind.MEDICAL, description="x")
    need = record(people, household)
    with pytest.raises(NotFound):
        needs.assign_need(actor=people.charlie, need=need, person=person("马六"), version=need.version)
    with pytest.raises(NotFound):
        match_all(people.county, people.charlie)
    assert Need.objects.count() == 1


# -- pages -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_assigns_with_one_click_on_the_page(people: World, django_capture_on_commit_callbacks: Any) -> None:
    need = record(people, make_household(people.county, "001"))
    client = login(people.alice)
    page = client.get(reverse("needs:detail", args=[need.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("李医生") < html.index("王建国")  # ranked
    wang = person("王建国")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("needs:assign", args=[need.pk]), {"person": wang.pk, "version": need.version}, follow=True
        )
    assert "已将该需求对接给王建国委员" in response.content.decode()
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHED and need.person_id == wang.pk
    assert need.match_score is not None and need.assigned_on is not None
    assert Notification.objects.filter(user=people.member_user, title__contains="医疗救助").exists()


@pytest.mark.django_db
def test_a_stale_version_shows_the_conflict_message(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    stale = need.version
    needs.assign_need(actor=people.carol, need=need, person=person("李医生"), version=stale)
    client = login(people.alice)
    response = client.post(
        reverse("needs:assign", args=[need.pk]), {"person": person("张农技").pk, "version": stale}, follow=True
    )
    assert "该需求已被他人修改，请刷新页面后重试" in response.content.decode()
    need.refresh_from_db()
    assert need.person is not None and need.person.name == "李医生"


@pytest.mark.django_db
def test_the_list_filters_and_serves_htmx(people: World) -> None:
    record(people, make_household(people.county, "001"))
    record(people, make_household(people.county, "002", township="河口镇"), kind=NeedKind.SCHOOL)
    client = login(people.alice)
    full = client.get(reverse("needs:list"), {"kind": NeedKind.SCHOOL})
    assert full.status_code == 200
    assert "002" in full.content.decode() and ">001<" not in full.content.decode()
    fragment = client.get(reverse("needs:list"), {"township": "城关镇"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and ">001<" in body and ">002<" not in body


@pytest.mark.django_db
def test_the_record_form_finds_the_household_by_number(people: World) -> None:
    make_household(people.county, "532501001")
    client = login(people.alice)
    data = {"household_number": "999", "kind": NeedKind.JOB, "urgency": "2", "description": "儿子想找工作"}
    bad = client.post(reverse("needs:create"), data)
    assert "未找到该户编号的贫困户" in bad.content.decode()
    assert not Need.objects.exists()
    good = client.post(reverse("needs:create"), {**data, "household_number": "532501001"})
    need = Need.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse("needs:detail", args=[need.pk])
    assert need.kind == NeedKind.JOB and need.organisation == people.county and need.recorded_by == people.alice


@pytest.mark.django_db
def test_charlie_gets_404_on_need_pages(people: World) -> None:
    need = record(people, make_household(people.county, "001"))
    client = login(people.charlie)
    assert client.get(reverse("needs:detail", args=[need.pk])).status_code == 404
    assert client.get(reverse("needs:edit", args=[need.pk])).status_code == 404
    post = client.post(reverse("needs:assign", args=[need.pk]), {"person": person("马六").pk, "version": need.version})
    assert post.status_code == 404
    assert client.post(reverse("needs:close", args=[need.pk]), {"reason": "x", "version": 1}).status_code == 404
    listing = client.get(reverse("needs:list"))
    assert listing.status_code == 200 and ">001<" not in listing.content.decode()
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


@pytest.mark.django_db
def test_a_member_sees_only_their_needs_and_marks_them_met(people: World) -> None:
    wang = person("王建国")
    mine = record(people, make_household(people.county, "001"), kind=NeedKind.SCHOOL)
    mine = needs.assign_need(actor=people.alice, need=mine, person=wang, version=mine.version)
    other = record(people, make_household(people.county, "002"))
    other = needs.assign_need(actor=people.alice, need=other, person=person("李医生"), version=other.version)
    client = login(people.member_user)
    page = client.get(reverse("needs:mine"))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="my-need"') == 1
    assert client.get(reverse("needs:detail", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("needs:met", args=[other.pk]), {"version": other.version, "result": "x"}).status_code == 404
    )
    empty = client.post(reverse("needs:met", args=[mine.pk]), {"version": mine.version, "result": " "}, follow=True)
    assert "请填写办理结果" in empty.content.decode()
    client.post(reverse("needs:met", args=[mine.pk]), {"version": mine.version, "result": "联系学校减免学费"})
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == NeedStatus.MET and mine.result == "联系学校减免学费"
    assert other.status == NeedStatus.MATCHED
    # a member cannot assign
    assert client.post(reverse("needs:assign", args=[mine.pk]), {"person": wang.pk, "version": 1}).status_code == 403


# -- the batch -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_batch_respects_capacity_and_reports_unmatched(people: World) -> None:
    c = assistance_actions.create_campaign(
        actor=people.alice, organisation=people.county, template="qige-zhutui", start_date=dt.date(2018, 1, 1)
    )
    assistance_actions.pledge(
        actor=people.alice,
        campaign=c,
        person=person("李医生"),
        organisation=people.county,
        action_kind=c.action_kinds.get(need_kind=NeedKind.MEDICAL),
        capacity=2,
    )
    medical = [record(people, make_household(people.county, f"00{i}")) for i in range(4)]
    urgent = record(people, make_household(people.county, "010"), urgency=Urgency.URGENT)
    info_need = record(people, make_household(people.county, "011"), kind=NeedKind.INFORMATION)
    result = match_all(people.county, people.alice, capacity_default=1)
    loads: dict[str, int] = {}
    for need in Need.objects.filter(status=NeedStatus.MATCHED).select_related("person"):
        assert need.person is not None
        loads[need.person.name] = loads.get(need.person.name, 0) + 1
    # 李医生 pledged 2; 陈市委 (卫生健康委员会, city) has the default 1.
    assert loads == {"李医生": 2, "陈市委": 1}
    assert len(result.assigned) == 3
    urgent.refresh_from_db()
    assert urgent.person is not None and urgent.person.name == "李医生"
    assert "（+" in urgent.match_reasons
    reasons = {n.pk: r for n, r in result.unmatched}
    assert reasons[info_need.pk] == "没有与该类需求对口的委员"
    assert sorted(r for pk, r in reasons.items() if pk != info_need.pk) == ["对口委员的帮扶名额已满"] * 2
    assert len(medical) + 2 == len(result.assigned) + len(result.unmatched)
    # a second run finds nothing new to assign and changes nothing
    again = match_all(people.county, people.alice, capacity_default=1)
    assert again.assigned == [] and Need.objects.filter(status=NeedStatus.MATCHED).count() == 3


@pytest.mark.django_db
def test_the_match_all_page_shows_the_result(people: World) -> None:
    record(people, make_household(people.county, "001"))
    record(people, make_household(people.county, "002"), kind=NeedKind.INFORMATION)
    client = login(people.alice)
    assert client.get(reverse("needs:match_all")).status_code == 200
    response = client.post(reverse("needs:match_all"), {"organisation": people.county.code})
    html = response.content.decode()
    assert 'data-testid="assigned-count">1<' in html
    assert "没有与该类需求对口的委员" in html
    assert login(people.charlie).post(reverse("needs:match_all"), {"organisation": "dcx"}).status_code == 200
    assert Need.objects.filter(status=NeedStatus.OPEN).count() == 1  # charlie's run was on 西山县


# -- the pure assignment ------------------------------------------------------------------------


def _brute_force(needs_: list[NeedRow], members: list[MemberRow]) -> int:
    best = 0
    choices = [None, *range(len(members))]
    for combo in itertools.product(choices, repeat=len(needs_)):
        taken = [0] * len(members)
        total = 0
        ok = True
        for need, mi in zip(needs_, combo, strict=True):
            if mi is None:
                continue
            m = members[mi]
            value = pair_score(need, m, m.load + taken[mi])
            if value < 0 or taken[mi] >= m.capacity - m.load:
                ok = False
                break
            taken[mi] += 1
            total += value
        if ok:
            best = max(best, total)
    return best


def _fit(**points: int) -> tuple[int, ...]:
    fit = [0] * len(KIND_INDEX)
    for kind, p in points.items():
        fit[KIND_INDEX[kind]] = p
    return tuple(fit)


def test_the_pure_assign_matches_the_brute_force_optimum_on_a_tiny_instance() -> None:
    school, medical = KIND_INDEX["school"], KIND_INDEX["medical"]
    needs_ = [
        NeedRow(1, 0, 10, medical, 3),
        NeedRow(2, 0, 10, school, 2),
        NeedRow(3, 0, 11, school, 1),
        NeedRow(4, 1, 20, medical, 1),
    ]
    members = [
        MemberRow(100, _fit(medical=55), (0,), (0,), (10,), 0, 2),
        MemberRow(101, _fit(school=40, medical=25), (0,), (0,), (11,), 0, 2),
        MemberRow(102, _fit(medical=40), (), (0, 1), (), 1, 2),  # a city member, one need carried
    ]
    result = assign(needs_, members)
    assert result.total == _brute_force(needs_, members)
    assert {(a.need, a.member) for a in result.assigned} == {(1, 100), (2, 101), (3, 101), (4, 102)}
    assert result.unmatched == []


def test_the_pure_assign_stays_within_capacity_and_explains_unmatched() -> None:
    rng = random.Random(7)
    n_kinds = len(KIND_INDEX)
    for _ in range(30):
        members = []
        for i in range(rng.randint(0, 12)):
            fit = [rng.choice([0, 0, 25, 40, 65]) for _ in range(n_kinds)]
            home = rng.randrange(3)
            city = rng.random() < 0.2
            areas = (0, 1, 2) if city else (home,)
            members.append(
                MemberRow(
                    i,
                    tuple(fit),
                    () if city else (home,),
                    areas,
                    () if city else (home * 10 + rng.randrange(3),),
                    rng.randrange(3),
                    rng.randint(1, 3),
                )
            )
        needs_ = []
        for j in range(rng.randint(1, 40)):
            area = rng.randrange(4)  # area 3 has no members
            needs_.append(NeedRow(j, area, area * 10 + rng.randrange(3), rng.randrange(n_kinds), rng.randint(1, 3)))
        result = assign(needs_, members)
        taken: dict[int, int] = {}
        for a in result.assigned:
            taken[a.member] = taken.get(a.member, 0) + 1
            need, member = needs_[a.need], members[a.member]
            assert pair_score(need, member, a.load_before) == a.score >= 0
        for m in members:
            assert taken.get(m.id, 0) <= max(0, m.capacity - m.load)
        assert len(result.assigned) + len(result.unmatched) == len(needs_)
        for need_id, reason in result.unmatched:
            need = needs_[need_id]
            fitting = [m for m in members if need.area in m.areas and m.fit[need.kind] > 0]
            if reason == NO_MEMBER:
                assert not any(need.area in m.areas for m in members)
            elif reason == NO_FIT:
                assert not fitting
            else:
                assert reason == NO_CAPACITY and fitting
                assert all(taken.get(m.id, 0) >= m.capacity - m.load for m in fitting)
        # Urgent needs first: a need left without capacity never lost its member to a less urgent one.
        by_id = {m.id: m for m in members}
        for need_id, reason in result.unmatched:
            u = needs_[need_id]
            if reason != NO_CAPACITY:
                continue
            for a in result.assigned:
                if needs_[a.need].urgency < u.urgency:
                    assert pair_score(u, by_id[a.member], 0) < 0, (u, a)


def test_the_greedy_total_is_close_to_the_optimum() -> None:
    from lvzhi.assistance.bench_matching import _optimum, synthetic

    needs_, members = synthetic(300, 100, seed=3)
    result = assign(needs_, members)
    optimum, _ = _optimum(needs_, members)
    assert result.total <= optimum
    assert result.total >= 0.85 * optimum


@pytest.mark.django_db
def test_the_list_does_not_query_per_row(people: World, django_assert_max_num_queries: Any) -> None:
    for i in range(3):
        needs.assign_need(
            actor=people.alice,
            need=record(people, make_household(people.county, f"00{i}")),
            person=person("李医生"),
            version=1,
        )
    client = login(people.alice)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("needs:list")).status_code == 200
    for i in range(3, 12):
        record(people, make_household(people.county, f"0{i:02d}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("needs:list")).content.decode().count('data-testid="need-row"') == 12


@pytest.mark.browser
def test_a_member_marks_a_need_met_on_a_phone(phone_page: Any, browser_world: World) -> None:
    from conftest import login as browser_login
    from conftest import screenshot

    w = browser_world
    household = make_household(w.county, "001")
    need = needs.record_need(actor=w.alice, household=household, kind=NeedKind.SCHOOL, description="孩子上初中缺学费")
    needs.assign_need(actor=w.alice, need=need, person=w.member.person, version=need.version)
    m = phone_page
    browser_login(m, "member")
    m.goto(m.base_url + reverse("needs:mine"))
    card = m.locator("[data-testid=my-need]")
    assert "孩子上初中缺学费" in card.inner_text()
    assert m.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    m.fill("input[name=result]", "联系学校减免学费并资助500元")
    screenshot(m, "needs-member-phone")
    m.click("[data-testid=met]")
    m.wait_for_selector("text=已标记为已解决")
    need.refresh_from_db()
    assert need.status == NeedStatus.MET and need.result == "联系学校减免学费并资助500元"
    assert m.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.django_db
def test_the_household_page_link_prefills_the_need_form(world: World) -> None:
    from django.test import Client

    from lvzhi.assistance.testing import make_household

    make_household(world.county, "HH-77")
    client = Client()
    client.force_login(world.alice)
    html = client.get(reverse("needs:create"), {"household": "HH-77"}).content.decode()
    assert 'value="HH-77"' in html
